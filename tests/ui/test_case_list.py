"""The case list (Ctrl+L), a case's detail with its timeline, 补正收件 and 出件."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from app.case_states import CaseAction
from app.clock import local_now
from app.context import AppContext
from app.model import Case, OutboxEvent, Role
from app.services import case_flow
from app.services.actor import Actor
from app.services.applicants import ApplicantView, applicant_typed
from app.services.case_views import CaseView, CorrectionItem
from app.services.materials import add_page, case_materials
from app.validation import make_id_number
from devices.manager import DeviceManager
from ui.counter.case_list import OVERDUE_COLOURS, CaseListWindow
from ui.counter.delivery_dialog import EVALUATION_PROMPT
from ui.counter.visit import Visit
from ui.ops import OpRunner

UNEMPLOYMENT = "11341122003051831240510629000000"
CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")
APPLICANT_ID = make_id_number("341122", dt.date(1990, 1, 15), 40, "男")


def today() -> dt.date:
    """Beijing date, as the core counts days."""
    return local_now().date()


@pytest.fixture
def devices(demo_ctx: AppContext) -> Iterator[DeviceManager]:
    manager = DeviceManager(
        {"idcard": "simulated", "printer": "simulated"}, work_dir=demo_ctx.work_dir, poll_interval_s=None
    )
    manager.start()
    yield manager
    manager.stop()


@pytest.fixture
def messages() -> list[str]:
    return []


def jpeg() -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((1600, 1200, 3), 240, np.uint8))
    assert ok
    return data.tobytes()


class Cases:
    """One case in each interesting state, made through the core services."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        with ctx.db.session() as session:
            self.applicant: ApplicantView = applicant_typed(
                session, CLERK, name="钱多多", id_number=APPLICANT_ID, mobile="13955501234"
            )
        self.received = self.open()
        self.correction = self.open()
        with ctx.db.session() as session:
            case_flow.request_correction(
                session,
                CLERK,
                self.correction.id,
                [CorrectionItem("失业证明", "请补交原件")],
                deadline=today() + dt.timedelta(days=7),
            )
        self.overdue = self.accepted(promised=today() - dt.timedelta(days=1))
        self.due_soon = self.accepted(promised=today())
        self.far = self.accepted(promised=today() + dt.timedelta(days=60))
        self.completed = self.accepted(promised=today() + dt.timedelta(days=60))
        with ctx.db.session() as session:
            case_flow.transition(session, self.completed.id, CaseAction.COMPLETE, CLERK)
            session.execute(
                update(OutboxEvent).where(OutboxEvent.aggregate_uuid == self.far.uuid).values(status="sent")
            )

    def open(self) -> CaseView:
        with self.ctx.db.session() as session:
            return case_flow.open_case(
                session,
                CLERK,
                station_code=self.ctx.station_code,
                item_impl_code=UNEMPLOYMENT,
                applicant_id=self.applicant.id,
            )

    def accepted(self, *, promised: dt.date) -> CaseView:
        case = self.open()
        with self.ctx.db.session() as session:
            for material in case_materials(session, case.id):
                add_page(session, self.ctx.blobs, CLERK, material.id, jpeg())
            case_flow.accept(session, CLERK, case.id)
            session.execute(update(Case).where(Case.id == case.id).values(promised_date=promised))
        return case


@pytest.fixture
def cases(demo_ctx: AppContext) -> Cases:
    return Cases(demo_ctx)


@pytest.fixture
def window(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, messages: list[str], cases: Cases
) -> CaseListWindow:
    w = CaseListWindow(demo_ctx, OpRunner(inline=True, show_message=messages.append), Visit(CLERK), devices)
    qtbot.addWidget(w)
    w.show()
    return w


def numbers(window: CaseListWindow) -> set[str]:
    return {row.local_number for row in window.listed_rows()}


def test_filters_narrow_the_list(window: CaseListWindow, cases: Cases) -> None:
    everything = [cases.received, cases.correction, cases.overdue, cases.due_soon, cases.far, cases.completed]
    assert numbers(window) == {c.local_number for c in everything}
    assert window.windowTitle() == "一窗 · 办件列表"
    window.filter_buttons["correction"].click()
    assert numbers(window) == {cases.correction.local_number}
    assert window.summary.text() == "待补正：共 1 件"
    window.filter_buttons["result_ready"].click()
    assert numbers(window) == {cases.completed.local_number}
    window.filter_buttons["unsynced"].click()
    assert cases.far.local_number not in numbers(window) and len(numbers(window)) == 5
    window.filter_buttons["today"].click()
    assert len(numbers(window)) == 6


def test_overdue_rows_are_red_or_yellow_and_say_so(window: CaseListWindow, cases: Cases) -> None:
    window.set_filter("overdue")
    rows = window.listed_rows()
    assert {r.local_number for r in rows} == {cases.overdue.local_number, cases.due_soon.local_number}
    for index, row in enumerate(rows):
        item = window.table.topLevelItem(index)
        assert item is not None
        if row.local_number == cases.overdue.local_number:
            assert window.row_colour(index) == OVERDUE_COLOURS["red"]
            assert item.text(7).endswith("（已超期）")
        else:
            assert window.row_colour(index) == OVERDUE_COLOURS["yellow"]
            assert item.text(7).endswith("（即将到期）")
    window.set_filter("all")
    far = next(i for i, r in enumerate(window.listed_rows()) if r.local_number == cases.far.local_number)
    assert window.row_colour(far) == ""


def test_search_by_number_full_id_or_phone_and_masked_on_screen(window: CaseListWindow, cases: Cases) -> None:
    window.search_box.setText(cases.correction.local_number)
    window.refresh()
    assert numbers(window) == {cases.correction.local_number}
    window.search_box.setText(APPLICANT_ID)
    window.refresh()
    assert len(numbers(window)) == 6
    shown = [window.table.topLevelItem(i).text(c) for i in range(6) for c in range(9)]  # type: ignore[union-attr]
    assert APPLICANT_ID not in shown and "13955501234" not in shown
    window.search_box.setText("无此人")
    window.refresh()
    assert numbers(window) == set() and window.summary.text() == "全部：没有办件"


def test_detail_shows_the_timeline_and_receives_the_correction(
    window: CaseListWindow, cases: Cases, messages: list[str]
) -> None:
    window.set_filter("correction")
    item = window.table.topLevelItem(0)
    assert item is not None
    window.table.itemActivated.emit(item, 0)  # double-click or Enter
    detail = window.detail
    assert detail is not None and detail.isVisible()
    assert detail.fields["number"].text() == cases.correction.local_number
    assert detail.fields["state"].text() == "待补正"
    assert "失业证明：请补交原件" in detail.fields["correction"].text()
    assert APPLICANT_ID not in detail.fields["applicant"].text()
    actions = [row[1] for row in detail.timeline_rows()]
    assert actions[0] == "收件" and actions[-1] == "补正告知"
    assert detail.correction_button.isEnabled() and not detail.deliver_button.isEnabled()

    detail.correction_button.click()
    assert messages == []
    assert detail.fields["state"].text() == "已收件"
    last = detail.timeline_rows()[-1]
    assert last[1] == "补正收件" and last[3] == "待补正 → 已收件"
    assert not detail.correction_button.isEnabled()
    assert numbers(window) == set()  # the list refreshed: nothing waits for 补正 any more

    detail.continue_button.click()
    assert window._visit.case is not None and window._visit.case.id == cases.correction.id


def test_delivery_refuses_a_stranger_and_hands_over_to_the_applicant(
    qtbot: QtBot, window: CaseListWindow, cases: Cases, demo_ctx: AppContext, messages: list[str]
) -> None:
    detail = window.open_case(cases.completed.id)
    assert detail.deliver_button.isEnabled()
    dialog = detail.open_delivery()
    assert dialog is not None

    dialog.read_card_button.click()  # the simulated reader holds 王建国's card
    assert dialog.collector_name.text() == "王建国"
    assert "*" in dialog.collector_id.text()  # the number is shown masked
    dialog.confirm_button.click()
    assert "领取人身份与申请人或受托代办人不符" in dialog.error.text()
    assert messages == []
    assert detail.fields["state"].text() == "已办结"
    printer_dir: Path = demo_ctx.work_dir / "printer"
    assert not list(printer_dir.glob("job-*.png"))

    dialog.collector_id.clear()
    qtbot.keyClicks(dialog.collector_id, APPLICANT_ID)  # typed over what the card gave
    dialog.collector_name.setText("钱多多")
    dialog.confirm_button.click()
    assert dialog.error.text() == ""
    assert EVALUATION_PROMPT in dialog.prompt.text()
    assert detail.fields["state"].text() == "已出件"
    assert len(list(printer_dir.glob("job-*.png"))) == 1
    assert dialog.preview is not None and dialog.preview.outcome.title == "领取回执"
    assert not dialog.confirm_button.isEnabled()


def test_mail_delivery_needs_address_and_tracking_number(window: CaseListWindow, cases: Cases) -> None:
    detail = window.open_case(cases.completed.id)
    dialog = detail.open_delivery()
    assert dialog is not None
    dialog.by_mail.click()
    dialog.confirm_button.click()
    assert "收件地址和快递单号" in dialog.error.text()
    dialog.address.setText("安徽省示范县城关镇政务大道88号")
    dialog.tracking.setText("1187654321098")
    dialog.confirm_button.click()
    assert dialog.error.text() == "" and detail.fields["state"].text() == "已出件"
    assert today().isoformat() in detail.timeline_rows()[-1][0]
