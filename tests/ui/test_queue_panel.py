from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext
from app.model import Role, Ticket
from app.services import queue
from app.services.actor import Actor
from app.services.queue import TicketView
from ui.counter.queue_panel import NO_NUMBER, QueuePanel, TransferDialog
from ui.counter.visit import Visit
from ui.i18n import use_language
from ui.ops import OpRunner

CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗")
INSTALLER = Actor(username="shishi", role=Role.INSTALLER, display_name="孙实施")


def issue(ctx: AppContext, category: str = "A") -> TicketView:
    with ctx.db.session() as session:
        return queue.issue_ticket(session, station_code=ctx.station_code, category=category)


class Host(QWidget):
    """An active top-level window around the panel, so its F-keys fire as on the counter."""

    def __init__(self, ctx: AppContext, actor: Actor) -> None:
        super().__init__()
        self.visit = Visit(actor, self)
        self.panel = QueuePanel(ctx, OpRunner(inline=True), self.visit)
        QVBoxLayout(self).addWidget(self.panel)


@pytest.fixture
def host(qtbot: QtBot, demo_ctx: AppContext) -> Host:
    h = Host(demo_ctx, CLERK)
    qtbot.addWidget(h)
    h.panel.start()
    with qtbot.waitActive(h):
        h.show()
        h.activateWindow()
    return h


def test_start_creates_the_default_categories_once(host: Host, demo_ctx: AppContext) -> None:
    assert list(host.panel.waiting_counts()) == ["A", "B", "C", "D", "E", "F"]
    host.panel.start()
    with demo_ctx.db.session() as session:
        assert len(queue.waiting_by_category(session, station_code=demo_ctx.station_code)) == 6


def test_f1_calls_the_issued_ticket_and_starts_a_new_visit(qtbot: QtBot, host: Host, demo_ctx: AppContext) -> None:
    ticket = issue(demo_ctx)
    host.panel.refresh()
    assert host.panel.waiting_counts()["A"] == 1
    host.visit.item_impl_code = "left over from the last applicant"
    qtbot.keyClick(host, Qt.Key.Key_F1)
    assert host.panel.current_number() == ticket.number == "A001"
    assert host.visit.ticket is not None and host.visit.ticket.id == ticket.id
    assert host.visit.item_impl_code is None
    assert "已叫号" in host.panel.detail_label.text()
    assert host.panel.waiting_counts()["A"] == 0
    with demo_ctx.db.session() as session:
        current = queue.current_ticket(session, station_code=demo_ctx.station_code, window_number=1)
    assert current is not None and current.number == "A001"


def test_f1_with_nobody_waiting_says_so(qtbot: QtBot, host: Host) -> None:
    qtbot.keyClick(host, Qt.Key.Key_F1)
    assert host.panel.current_number() == NO_NUMBER
    assert host.panel.detail_label.text() == "目前没有人等候"


def test_f1_finishes_the_ticket_being_served_then_calls_the_next(
    qtbot: QtBot, host: Host, demo_ctx: AppContext
) -> None:
    issue(demo_ctx)
    issue(demo_ctx)
    qtbot.keyClick(host, Qt.Key.Key_F1)
    host.panel.start_service()
    assert host.visit.ticket is not None and host.visit.ticket.state == "serving"
    qtbot.keyClick(host, Qt.Key.Key_F1)
    assert host.panel.current_number() == "A002"


def test_recall_and_no_show(qtbot: QtBot, host: Host, demo_ctx: AppContext) -> None:
    issue(demo_ctx)
    qtbot.keyClick(host, Qt.Key.Key_F1)
    qtbot.keyClick(host, Qt.Key.Key_F3)
    assert "已重呼 1 次" in host.panel.detail_label.text()
    qtbot.keyClick(host, Qt.Key.Key_F4)
    assert host.visit.ticket is None
    assert host.panel.current_number() == NO_NUMBER
    assert not host.panel.buttons["recall"].isEnabled()


def test_transfer_to_another_window(host: Host, demo_ctx: AppContext) -> None:
    issue(demo_ctx)
    host.panel.call_next()
    host.panel.transfer_to(to_window=2)
    assert host.visit.ticket is None
    with demo_ctx.db.session() as session:
        called = queue.call_next(session, CLERK, station_code=demo_ctx.station_code, window_number=2)
    assert called is not None and called.number == "A001"


def test_transfer_dialog_offers_categories_and_windows(qtbot: QtBot, host: Host) -> None:
    snapshot = host.panel._snapshot
    assert snapshot is not None
    dialog = TransferDialog(snapshot.categories, 1)
    qtbot.addWidget(dialog)
    assert dialog.category_box.count() == 6
    dialog.category_box.setCurrentIndex(1)
    assert dialog.target() == {"to_category": "B"}
    dialog.to_window.setChecked(True)
    assert dialog.target() == {"to_window": 2}


def test_f6_pauses_and_resumes_the_window(qtbot: QtBot, host: Host, demo_ctx: AppContext) -> None:
    issue(demo_ctx)
    qtbot.keyClick(host, Qt.Key.Key_F6)
    assert host.panel.paused and host.panel.paused_label.isVisible()
    assert not host.panel.buttons["call_next"].isEnabled()
    assert host.panel.buttons["pause"].text() == "恢复 F6"
    qtbot.keyClick(host, Qt.Key.Key_F1)
    assert host.visit.ticket is None  # a paused window does not call
    qtbot.keyClick(host, Qt.Key.Key_F6)
    assert not host.panel.paused
    qtbot.keyClick(host, Qt.Key.Key_F1)
    assert host.panel.current_number() == "A001"


def test_installer_cannot_call(qtbot: QtBot, demo_ctx: AppContext) -> None:
    h = Host(demo_ctx, INSTALLER)
    qtbot.addWidget(h)
    h.panel.start()
    issue(demo_ctx)
    h.panel.refresh()
    with qtbot.waitActive(h):
        h.show()
        h.activateWindow()
    button = h.panel.buttons["call_next"]
    assert not button.isEnabled()
    assert button.toolTip() == "需要窗口人员、代办员或值班长账号（当前：实施人员）"
    qtbot.keyClick(h, Qt.Key.Key_F1)
    h.panel.call_next()
    assert h.visit.ticket is None
    assert h.panel.waiting_counts()["A"] == 1


def test_a_ticket_called_before_a_restart_is_shown_again(qtbot: QtBot, demo_ctx: AppContext) -> None:
    issue(demo_ctx)
    with demo_ctx.db.session() as session:
        queue.call_next(session, CLERK, station_code=demo_ctx.station_code, window_number=1)
    h = Host(demo_ctx, CLERK)
    qtbot.addWidget(h)
    h.panel.start()
    assert h.panel.current_number() == "A001"
    assert h.visit.ticket is not None


def test_a_station_without_queue_explains_instead_of_failing(qtbot: QtBot, demo_ctx: AppContext) -> None:
    import dataclasses

    from app.config import load_config

    config = load_config(None, overrides={"ui.demo": "true", "storage.key_source": "file", "station.code": "NOPE"})
    h = Host(dataclasses.replace(demo_ctx, config=config), CLERK)
    qtbot.addWidget(h)
    h.panel.start()
    assert not h.panel.available
    assert h.panel.detail_label.text().startswith("排队叫号不可用：找不到站点 NOPE")
    assert not h.panel.buttons["call_next"].isEnabled()


@pytest.fixture
def english() -> Iterator[None]:
    app = QApplication.instance()
    assert app is not None
    use_language(app, "en")
    yield
    use_language(app, "zh_CN")


def test_english_interface(qtbot: QtBot, demo_ctx: AppContext, english: None) -> None:
    h = Host(demo_ctx, CLERK)
    qtbot.addWidget(h)
    h.panel.start()
    assert h.panel.buttons["call_next"].text() == "Call next F1"
    assert h.panel.title() == "Queue"


def test_park_then_call_the_number_back_and_cancel(qtbot: QtBot, host: Host, demo_ctx: AppContext) -> None:
    first = issue(demo_ctx)
    issue(demo_ctx)
    host.panel.refresh()
    qtbot.keyClick(host, Qt.Key.Key_F1)
    assert host.panel.current_number() == first.number
    assert not host.panel.buttons["call_number"].isEnabled()  # one ticket at a window at a time
    qtbot.keyClick(host, Qt.Key.Key_F3, Qt.KeyboardModifier.ControlModifier)  # 挂起
    assert host.panel.current_number() == NO_NUMBER
    with demo_ctx.db.session() as session:
        assert queue.current_ticket(session, station_code=demo_ctx.station_code, window_number=1) is None
    qtbot.keyClick(host, Qt.Key.Key_F1)  # the next applicant
    assert host.panel.current_number() == "A002"
    qtbot.keyClick(host, Qt.Key.Key_F4, Qt.KeyboardModifier.ControlModifier)  # 取消: they gave up
    assert host.panel.current_number() == NO_NUMBER
    host.panel.call_number(first.number)  # the parked applicant is back (Ctrl+F1 asks for the number)
    assert host.panel.current_number() == first.number
    with demo_ctx.db.session() as session:
        states = {t.number: t.state for t in session.execute(select(Ticket)).scalars()}
    assert states == {"A001": "called", "A002": "cancelled"}
