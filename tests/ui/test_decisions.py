"""Decisions at the counter: 受理 with its receipt, 补正告知, 不予受理, 预登记, paper out and 撤销决定."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.clock import local_now
from app.context import AppContext
from app.model import AuditEvent, Case, Role
from app.services import print_queue
from app.services.actor import Actor
from app.services.applicants import applicant_typed
from app.services.materials import add_page, case_materials
from app.validation import make_id_number
from devices.manager import DeviceManager
from devices.printer.simulated import SimulatedPrinter
from ui.counter.decision_dialogs import (
    ConfirmDialog,
    CorrectionDialog,
    DecisionBar,
    ReasonDialog,
    RejectDialog,
)
from ui.counter.print_preview import PAPER_OUT_MESSAGE, PRINTED_MESSAGE, QUEUED_NOTE, qimage_to_array
from ui.counter.visit import Visit
from ui.ops import OpRunner

UNEMPLOYMENT = "11341122003051831240510629000000"  # 失业保险金申领: four 必要 materials, 1 working day
CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")
SUPERVISOR = Actor("zhibanzhang", Role.SUPERVISOR, display_name="赵值班")
SIMULATED = {"printer": "simulated"}


def today() -> dt.date:
    """Beijing date, as the core counts days."""
    return local_now().date()


@pytest.fixture
def devices(demo_ctx: AppContext) -> Iterator[DeviceManager]:
    manager = DeviceManager(SIMULATED, work_dir=demo_ctx.work_dir, poll_interval_s=None)
    manager.start()
    yield manager
    manager.stop()


@pytest.fixture
def messages() -> list[str]:
    return []


def make_visit(ctx: AppContext, actor: Actor = CLERK) -> Visit:
    visit = Visit(actor)
    number = make_id_number("341122", dt.date(1988, 9, 9), 21, "男")
    with ctx.db.session() as session:
        visit.applicant = applicant_typed(session, actor, name="孙立新", id_number=number)
    visit.item_impl_code = UNEMPLOYMENT
    return visit


@pytest.fixture
def visit(demo_ctx: AppContext) -> Visit:
    return make_visit(demo_ctx)


def make_bar(
    qtbot: QtBot, ctx: AppContext, visit: Visit, devices: DeviceManager, messages: list[str]
) -> DecisionBar:
    bar = DecisionBar(ctx, OpRunner(inline=True, show_message=messages.append), visit, devices)
    qtbot.addWidget(bar)
    return bar


@pytest.fixture
def bar(
    qtbot: QtBot, demo_ctx: AppContext, visit: Visit, devices: DeviceManager, messages: list[str]
) -> DecisionBar:
    return make_bar(qtbot, demo_ctx, visit, devices, messages)


def page_bytes() -> bytes:
    image = np.full((1600, 1200, 3), 240, np.uint8)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return data.tobytes()


def capture_everything(ctx: AppContext, case_id: int) -> None:
    with ctx.db.session() as session:
        for material in case_materials(session, case_id):
            if material.necessity == "1":
                add_page(session, ctx.blobs, CLERK, material.id, page_bytes())


def printed_jobs(ctx: AppContext) -> list[Path]:
    folder = ctx.work_dir / "printer"
    return sorted(folder.glob("job-*.png")) if folder.exists() else []


def read_job(path: Path) -> NDArray[np.uint8]:
    """A printed job as the simulated printer wrote it: 0 = dot, 255 = paper."""
    image = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


def open_case_with_all_pages(bar: DecisionBar, visit: Visit, ctx: AppContext) -> int:
    bar.request_correction()  # opens the case (收件); the dialog that follows is not needed
    assert isinstance(bar.dialog, CorrectionDialog)
    bar.dialog.reject()
    assert visit.case is not None
    capture_everything(ctx, visit.case.id)
    return visit.case.id


def test_accept_prints_the_receipt_and_sets_the_promised_date(
    bar: DecisionBar, visit: Visit, demo_ctx: AppContext, messages: list[str]
) -> None:
    assert {n: s.key().toString() for n, s in bar.shortcuts.items()} == {
        "accept": "F8",
        "correction": "F9",
        "reject": "F10",
        "notice": "Ctrl+P",
    }
    case_id = open_case_with_all_pages(bar, visit, demo_ctx)
    bar.buttons["accept"].click()
    dialog = bar.dialog
    assert isinstance(dialog, ConfirmDialog) and dialog.isVisible()
    assert "承诺办结日" in dialog.summary.text() and dialog.ok_button.isEnabled()
    assert printed_jobs(demo_ctx) == []  # nothing happens before the confirmation
    dialog.accept()

    assert messages == []
    assert visit.case is not None and visit.case.state_label == "已受理"
    promised = visit.case.promised_date
    assert promised is not None and promised > today()
    assert f"{promised.year}年{promised.month:02d}月{promised.day:02d}日" in dialog.summary.text()
    assert "已受理" in bar.status.text() and "承诺办结日" in bar.status.text()
    with demo_ctx.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.state == "accepted" and case.promised_date == promised
        actions = (
            session.execute(
                select(AuditEvent.action).where(AuditEvent.entity_id == case.uuid).order_by(AuditEvent.seq)
            )
            .scalars()
            .all()
        )
    assert actions[0] == "case.receive" and actions[-1] == "case.accept"

    jobs = printed_jobs(demo_ctx)
    assert len(jobs) == 1
    paper = read_job(jobs[0])
    preview = bar.preview
    assert preview is not None and preview.isVisible()
    assert preview.status.text() == PRINTED_MESSAGE
    shown = qimage_to_array(preview.shown_image())
    assert shown.shape == paper.shape and paper.shape[1] == 576  # 80 mm paper
    assert np.array_equal(shown < 128, paper < 128)  # the preview is the printed pixels
    assert not bar.buttons["accept"].isEnabled() and bar.buttons["notice"].isEnabled()
    assert not bar.buttons["undo"].isVisibleTo(bar)  # a clerk cannot undo


def test_accept_is_refused_while_required_materials_are_missing(bar: DecisionBar, visit: Visit) -> None:
    bar.buttons["accept"].click()
    dialog = bar.dialog
    assert isinstance(dialog, ConfirmDialog)
    assert not dialog.ok_button.isEnabled()
    assert "必要材料，尚未收取" in dialog.blocking.text()
    dialog.alternative.click()  # 改为补正告知
    assert isinstance(bar.dialog, CorrectionDialog) and bar.dialog.isVisible()
    assert visit.case is not None and visit.case.state_label == "已收件"


def test_correction_lists_every_missing_material_with_a_deadline(
    bar: DecisionBar, visit: Visit, demo_ctx: AppContext, messages: list[str]
) -> None:
    bar.buttons["correction"].click()
    dialog = bar.dialog
    assert isinstance(dialog, CorrectionDialog)
    assert visit.case is not None
    with demo_ctx.db.session() as session:
        required = [m.name for m in case_materials(session, visit.case.id) if m.necessity == "1"]
    listed = [line.material for line in dialog.lines()]
    assert listed == required and len(listed) == 4
    assert all(line.requirement for line in dialog.lines())
    deadline = dialog.deadline_date()
    assert today() + dt.timedelta(days=5) <= deadline <= today() + dt.timedelta(days=14)

    cell = dialog.table.item(0, 1)
    assert cell is not None
    cell.setText("请提供加盖单位公章的解除劳动合同证明原件")
    dialog.table.selectRow(3)
    remove = dialog.findChild(QPushButton, "remove_correction_line")
    assert isinstance(remove, QPushButton)
    remove.click()
    dialog.accept()
    assert messages == []
    case = visit.case
    assert case.state_label == "待补正" and case.correction_deadline == deadline
    assert [c.material for c in case.correction_items] == required[:3]
    assert case.correction_items[0].requirement == "请提供加盖单位公章的解除劳动合同证明原件"
    assert len(printed_jobs(demo_ctx)) == 1 and bar.preview is not None

    bar.buttons["notice"].click()  # Ctrl+P: the A4 一次性告知书
    assert bar.notice_preview is not None
    path = bar.notice_preview.path
    assert path.parent == demo_ctx.work_dir / "notices" and path.read_bytes().startswith(b"%PDF")
    assert "一次性告知书" in path.name
    assert len(bar.notice_preview.pages) >= 1 and bar.notice_preview.pages[0].width() > 500


def test_an_empty_correction_list_is_refused(bar: DecisionBar, visit: Visit) -> None:
    bar.request_correction()
    dialog = bar.dialog
    assert isinstance(dialog, CorrectionDialog)
    dialog.table.setRowCount(0)
    dialog.accept()
    assert dialog.isVisible() and "至少列出一项" in dialog.error.text()
    assert visit.case is not None and visit.case.state_label == "已收件"


def test_reject_needs_a_reason_and_gives_the_notice(
    bar: DecisionBar, visit: Visit, demo_ctx: AppContext, messages: list[str]
) -> None:
    bar.buttons["reject"].click()
    dialog = bar.dialog
    assert isinstance(dialog, RejectDialog)
    dialog.accept()  # no reason
    assert dialog.isVisible() and "理由" in dialog.error.text()
    assert visit.case is not None and visit.case.state_label == "已收件"

    dialog.reason.setPlainText("申请人已办理退休，不属于失业保险金领取范围")
    dialog.agency.setText("示范县社会保险事业管理中心")
    dialog.accept()
    assert messages == []
    assert (
        visit.case.state_label == "不予受理" and visit.case.competent_agency == "示范县社会保险事业管理中心"
    )
    assert bar.notice_preview is not None and "不予受理通知书" in bar.notice_preview.path.name
    assert bar.notice_preview.path.read_bytes().startswith(b"%PDF")


def test_pre_registration_prints_the_intake_slip(
    bar: DecisionBar, visit: Visit, demo_ctx: AppContext
) -> None:
    bar.buttons["pre_register"].click()
    assert isinstance(bar.dialog, ConfirmDialog)
    bar.dialog.accept()
    assert visit.case is not None and visit.case.state_label == "预登记"
    assert len(printed_jobs(demo_ctx)) == 1
    assert bar.preview is not None and bar.preview.outcome.title == "收件凭证"
    assert not bar.buttons["pre_register"].isEnabled()


def test_paper_out_says_so_and_reprint_prints_the_same_receipt(
    bar: DecisionBar, visit: Visit, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    devices.submit("printer", lambda p: p.run_out_of_paper()).result(timeout=5)
    open_case_with_all_pages(bar, visit, demo_ctx)
    bar.accept()
    assert isinstance(bar.dialog, ConfirmDialog)
    bar.dialog.accept()
    preview = bar.preview
    assert preview is not None
    assert preview.status.text() == f"{PAPER_OUT_MESSAGE}\n{QUEUED_NOTE}"
    assert PAPER_OUT_MESSAGE == '缺纸，请装纸后点"重新打印"'
    assert visit.case is not None and visit.case.state_label == "已受理"  # the decision stands
    assert printed_jobs(demo_ctx) == []
    with demo_ctx.db.session() as session:
        [job] = print_queue.list_jobs(session)
    assert (job.state, job.document, job.case_id) == ("queued", "受理回执", visit.case.id)  # kept, not lost

    def load(printer: SimulatedPrinter) -> None:
        printer.load_paper(None)

    devices.submit("printer", load).result(timeout=5)
    preview.reprint_button.click()
    assert preview.status.text() == PRINTED_MESSAGE
    assert not preview.reprint_button.isEnabled()  # printed: another copy is a 补打 in 打印任务
    jobs = printed_jobs(demo_ctx)
    assert len(jobs) == 1
    paper = read_job(jobs[0])
    assert np.array_equal(paper < 128, preview.outcome.raster < 128)
    with demo_ctx.db.session() as session:
        assert [j.state for j in print_queue.list_jobs(session)] == ["printed"]  # the same job, sent once


def test_only_a_supervisor_can_undo_a_decision(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, messages: list[str]
) -> None:
    visit = make_visit(demo_ctx, SUPERVISOR)
    bar = make_bar(qtbot, demo_ctx, visit, devices, messages)
    assert bar.buttons["undo"].isVisibleTo(bar) and not bar.buttons["undo"].isEnabled()
    bar.reject()
    assert isinstance(bar.dialog, RejectDialog)
    bar.dialog.reason.setPlainText("材料系伪造")
    bar.dialog.accept()
    assert visit.case is not None and visit.case.state_label == "不予受理"
    assert bar.buttons["undo"].isEnabled()
    bar.buttons["undo"].click()
    dialog = bar.dialog
    assert dialog is not None and dialog.objectName() == "reason_dialog"
    dialog.accept()  # a reason is required here too
    assert dialog.isVisible() and visit.case.state_label == "不予受理"
    assert isinstance(dialog, ReasonDialog)
    dialog.reason.setPlainText("经复核材料真实，误判")
    dialog.accept()
    assert messages == []
    assert visit.case.state_label == "已收件" and visit.case.competent_agency == ""
    assert bar.buttons["accept"].isEnabled()


def test_correction_also_lists_materials_with_failing_pages(
    bar: DecisionBar, visit: Visit, demo_ctx: AppContext
) -> None:
    case_id = open_case_with_all_pages(bar, visit, demo_ctx)
    small = cv2.imencode(".jpg", np.full((300, 400, 3), 240, np.uint8))[1].tobytes()
    with demo_ctx.db.session() as session:
        second = case_materials(session, case_id)[1]
        add_page(session, demo_ctx.blobs, CLERK, second.id, small)
    bar.request_correction()
    dialog = bar.dialog
    assert isinstance(dialog, CorrectionDialog)
    lines = dialog.lines()
    assert [line.material for line in lines] == [second.name]
    assert lines[0].requirement.startswith("已交的第 2 页不符合要求")


def test_a_pre_registered_case_is_received_before_the_decision(
    bar: DecisionBar, visit: Visit, demo_ctx: AppContext, messages: list[str]
) -> None:
    bar.pre_register()
    assert isinstance(bar.dialog, ConfirmDialog)
    bar.dialog.accept()
    assert visit.case is not None and visit.case.state_label == "预登记"
    assert bar.buttons["accept"].isEnabled()
    capture_everything(demo_ctx, visit.case.id)
    bar.accept()
    assert isinstance(bar.dialog, ConfirmDialog) and bar.dialog.ok_button.isEnabled()
    bar.dialog.accept()
    assert messages == []
    assert visit.case.state_label == "已受理"
    with demo_ctx.db.session() as session:
        case = session.get(Case, visit.case.id)
        assert case is not None
        actions = (
            session.execute(
                select(AuditEvent.action).where(
                    AuditEvent.entity_id == case.uuid, AuditEvent.entity == "case"
                )
            )
            .scalars()
            .all()
        )
    assert [a for a in actions if not a.startswith("page.")][:3] == [
        "case.pre_register",
        "case.receive",
        "case.accept",
    ]
