"""取号机 window with simulated printer, ID-card reader and scanner: what an applicant sees and gets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext
from app.documents.fonts import load_font
from app.documents.layout import text_image, threshold
from app.documents.ticket import number_font_size
from app.model import Appointment, ServiceItem, Ticket, utcnow
from app.services.applicants import id_number_index
from app.services.kiosk import age_on
from devices.idcard.simulated import demo_cards
from devices.manager import DeviceManager
from ui.kiosk import KioskWindow, run_kiosk
from ui.ops import OpRunner

WAIT_MS = 8000


class Kiosk:
    def __init__(self, ctx: AppContext, window: KioskWindow, devices: DeviceManager, work_dir: Path) -> None:
        self.ctx = ctx
        self.window = window
        self.devices = devices
        self.work_dir = work_dir
        self.messages: list[str] = []

    def device(self, kind: str, fn: Callable[[Any], Any]) -> Any:
        return self.devices.submit(kind, fn).result(timeout=5)

    def jobs(self) -> list[Path]:
        return sorted((self.work_dir / "printer").glob("job-*.png"))

    def tickets(self) -> list[tuple[str, str]]:
        with self.ctx.db.session() as session:
            rows = session.execute(select(Ticket.number, Ticket.priority).order_by(Ticket.id)).all()
        return [(number, priority) for number, priority in rows]


@pytest.fixture
def kiosk(qtbot: QtBot, demo_ctx: AppContext, tmp_path: Path) -> Iterator[Kiosk]:
    work_dir = tmp_path / "devices"
    drivers = {"printer": "simulated", "idcard": "simulated", "barcode": "simulated"}
    devices = DeviceManager(drivers, work_dir=work_dir, poll_interval_s=0.1)
    runner = OpRunner()
    window = KioskWindow(demo_ctx, runner, devices)
    qtbot.addWidget(window)
    k = Kiosk(demo_ctx, window, devices, work_dir)
    runner._show_message = k.messages.append  # a stray message box would wait for a click
    devices.start()
    window.start_watching()
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.loaded, timeout=WAIT_MS)
    yield k
    window.close()
    runner.shutdown()
    devices.stop()
    assert k.messages == []


def idle(window: KioskWindow) -> bool:
    return not window.busy


def book(ctx: AppContext, code: str, *, id_number: str = "") -> None:
    start = utcnow()
    with ctx.db.session() as session:
        item = session.execute(select(ServiceItem).order_by(ServiceItem.id).limit(1)).scalar_one()
        item.category = "B"
        session.add(
            Appointment(
                code=code,
                item_id=item.id,
                applicant_name="张三丰",
                id_number_index=id_number_index(id_number) if id_number else None,
                slot_start=start,
                slot_end=start + dt.timedelta(minutes=30),
            )
        )


def test_the_board_has_a_button_per_category_with_waiting_counts(kiosk: Kiosk) -> None:
    assert list(kiosk.window.buttons) == ["A", "B", "C", "D", "E", "F"]
    text = kiosk.window.buttons["A"].text()
    assert "综合受理" in text and "等候 0 人" in text
    assert kiosk.window.buttons["A"].isEnabled()
    assert not kiosk.window.banner.isVisible()


def test_five_fast_taps_issue_one_ticket_and_print_one_slip(qtbot: QtBot, kiosk: Kiosk) -> None:
    button = kiosk.window.buttons["A"]
    for _ in range(5):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        kiosk.window.tap("A")  # taps that reach the window while the first one is being issued
    qtbot.waitUntil(lambda: kiosk.window.result_number.text() == "A001", timeout=WAIT_MS)
    for _ in range(5):
        kiosk.window.tap("A")  # right after the ticket: still ignored
    qtbot.wait(300)
    assert kiosk.tickets() == [("A001", "normal")]
    assert len(kiosk.jobs()) == 1
    assert kiosk.window.stack.currentIndex() == 1  # the number is shown big
    assert "前面没有人" in kiosk.window.result_hint.text()
    # The printed slip carries the number in large type.
    printed = cv2.imread(str(kiosk.jobs()[0]), cv2.IMREAD_GRAYSCALE)
    assert printed is not None
    glyphs = threshold(text_image("A001", load_font(number_font_size(printed.shape[1]), bold=True)))
    ys, xs = np.nonzero(glyphs == 0)
    template = glyphs[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    assert cv2.matchTemplate(printed.astype(np.float32), template, cv2.TM_CCOEFF_NORMED).max() > 0.95
    # After the quiet time the kiosk takes the next applicant.
    qtbot.waitUntil(lambda: button.isEnabled(), timeout=WAIT_MS)
    kiosk.window.show_board()
    kiosk.window.tap("A")
    qtbot.waitUntil(lambda: kiosk.window.result_number.text() == "A002", timeout=WAIT_MS)
    assert "前面还有 1 人" in kiosk.window.result_hint.text()
    assert len(kiosk.jobs()) == 2


def test_paper_out_shows_the_banner_and_issues_nothing_until_paper_is_loaded(
    qtbot: QtBot, kiosk: Kiosk
) -> None:
    kiosk.device("printer", lambda p: p.run_out_of_paper())
    kiosk.window.tap("A")  # before the kiosk has heard of it: the check before issuing refuses
    qtbot.waitUntil(lambda: kiosk.window.banner.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: idle(kiosk.window), timeout=WAIT_MS)
    assert "缺纸" in kiosk.window.banner.text() and "服务台" in kiosk.window.banner.text()
    assert not kiosk.window.buttons["A"].isEnabled()
    assert not kiosk.window.card_button.isEnabled()
    kiosk.window.tap("B")
    qtbot.wait(300)
    assert kiosk.tickets() == []
    assert kiosk.jobs() == []

    kiosk.device("printer", lambda p: p.load_paper())
    qtbot.waitUntil(lambda: not kiosk.window.banner.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: kiosk.window.buttons["B"].isEnabled(), timeout=WAIT_MS)
    kiosk.window.tap("B")
    qtbot.waitUntil(lambda: kiosk.tickets() == [("B001", "normal")], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(kiosk.jobs()) == 1, timeout=WAIT_MS)


def test_an_open_cover_names_the_cover(qtbot: QtBot, kiosk: Kiosk) -> None:
    kiosk.device("printer", lambda p: p.set_condition(cover_open=True))
    qtbot.waitUntil(lambda: kiosk.window.banner.isVisible(), timeout=WAIT_MS)
    assert "纸仓盖" in kiosk.window.banner.text()


def test_an_appointment_code_typed_by_the_scanner_checks_in(qtbot: QtBot, kiosk: Kiosk) -> None:
    book(kiosk.ctx, "YY20261122001")
    assert kiosk.window.scan_input.hasFocus() or kiosk.window.scan_input.isVisible()
    qtbot.keyClicks(kiosk.window.scan_input, "YY20261122001")
    qtbot.keyClick(kiosk.window.scan_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.tickets() == [("B001", "appointment")], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: kiosk.window.result_number.text() == "B001", timeout=WAIT_MS)
    assert "预约优先" in kiosk.window.result_detail.text()
    assert kiosk.device("barcode", lambda s: s.scanned) == ["YY20261122001"]
    assert len(kiosk.jobs()) == 1


def test_an_unknown_code_is_explained_on_screen(qtbot: QtBot, kiosk: Kiosk) -> None:
    kiosk.device("barcode", lambda s: s.push_code("NOPE-0001"))
    qtbot.waitUntil(lambda: "没有找到这个预约" in kiosk.window.notice.text(), timeout=WAIT_MS)
    assert kiosk.tickets() == []


def test_scanning_a_ticket_shows_where_it_stands(qtbot: QtBot, kiosk: Kiosk) -> None:
    issued: list[Any] = []
    kiosk.window.ticket_did_issue.connect(issued.append)
    kiosk.window.tap("C")
    qtbot.waitUntil(lambda: len(issued) == 1, timeout=WAIT_MS)
    kiosk.device("barcode", lambda s: s.push_code(issued[0].status_key))
    qtbot.waitUntil(lambda: "C001 号等候中" in kiosk.window.notice.text(), timeout=WAIT_MS)
    assert "前面还有 0 人" in kiosk.window.notice.text()


def test_an_elderly_card_gets_an_elderly_ticket(qtbot: QtBot, kiosk: Kiosk) -> None:
    card = demo_cards()[0]  # the simulated reader starts with this card on it
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    kiosk.window.elderly_age = age_on(card.birth_date, today)
    qtbot.mouseClick(kiosk.window.card_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kiosk.window.pending_priority == "elderly", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: idle(kiosk.window) and kiosk.window.buttons["A"].isEnabled(), timeout=WAIT_MS)
    assert "优先办理" in kiosk.window.notice.text()
    kiosk.window.tap("A")
    qtbot.waitUntil(lambda: kiosk.tickets() == [("A001", "elderly")], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "老年人优先" in kiosk.window.result_detail.text(), timeout=WAIT_MS)
    assert kiosk.window.pending_priority == "normal"  # the priority served one ticket only


def test_a_younger_card_without_appointment_takes_a_normal_ticket(qtbot: QtBot, kiosk: Kiosk) -> None:
    card = demo_cards()[0]
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    kiosk.window.elderly_age = age_on(card.birth_date, today) + 1
    kiosk.window.read_card()
    qtbot.waitUntil(lambda: "未查到您今天的预约" in kiosk.window.notice.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: idle(kiosk.window), timeout=WAIT_MS)
    assert kiosk.window.pending_priority == "normal"
    kiosk.window.tap("A")
    qtbot.waitUntil(lambda: kiosk.tickets() == [("A001", "normal")], timeout=WAIT_MS)


def test_a_card_with_a_booking_today_checks_it_in(qtbot: QtBot, kiosk: Kiosk) -> None:
    book(kiosk.ctx, "YY-CARD-1", id_number=demo_cards()[0].id_number)
    kiosk.window.read_card()
    qtbot.waitUntil(lambda: kiosk.tickets() == [("B001", "appointment")], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: kiosk.window.result_number.text() == "B001", timeout=WAIT_MS)
    assert len(kiosk.jobs()) == 1


def test_run_kiosk_smoke_saves_a_screenshot(demo_ctx: AppContext, tmp_path: Path) -> None:
    target = tmp_path / "kiosk.png"
    assert run_kiosk(demo_ctx, screenshot=target) == 0
    assert target.stat().st_size > 10_000
