"""The print-jobs view (打印任务) and the counter's print queue: 补打, 重新打印, 取消, the spooler."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.model import Role
from app.services import print_queue
from app.services.actor import Actor
from devices.manager import DeviceManager
from devices.printer.spooler import send_job
from ui.application import APP_DISPLAY_NAME
from ui.counter.print_jobs import COLUMNS, STATE_TEXTS, PrintJobsDialog
from ui.counter.print_preview import PrintPreviewDialog, print_receipt, queue_printer
from ui.counter.window import CounterWindow
from ui.i18n import use_language
from ui.ops import OpRunner

CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")
INSTALLER = Actor("shishi", Role.INSTALLER, display_name="实施")


@pytest.fixture
def devices(demo_ctx: AppContext) -> Iterator[DeviceManager]:
    manager = DeviceManager({"printer": "simulated"}, work_dir=demo_ctx.work_dir, poll_interval_s=None)
    manager.start()
    yield manager
    manager.stop()


@pytest.fixture
def messages() -> list[str]:
    return []


def receipt_like(rows: int = 96, seed: int = 3) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    return np.where(rng.random((rows, 576)) < 0.2, 0, 255).astype(np.uint8)


def queue_job(ctx: AppContext, raster: NDArray[np.uint8] | None = None) -> int:
    with ctx.db.session() as s:
        return print_queue.enqueue(
            s, ctx.blobs, document="受理回执", rasters=[receipt_like() if raster is None else raster],
            printer=queue_printer(ctx),
        )  # fmt: skip


def job(ctx: AppContext, job_id: int) -> print_queue.PrintJobView:
    with ctx.db.session() as s:
        return print_queue.get_job(s, job_id)


def paper(ctx: AppContext) -> list[NDArray[np.uint8]]:
    folder = ctx.work_dir / "printer"
    files = sorted(folder.glob("job-*.png")) if folder.exists() else []
    return [cv2.imdecode(np.frombuffer(f.read_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE) for f in files]


def on_printer(devices: DeviceManager, action: object) -> None:
    devices.submit("printer", action).result(timeout=5)  # type: ignore[arg-type]


def make_dialog(
    qtbot: QtBot, ctx: AppContext, devices: DeviceManager | None, messages: list[str], actor: Actor = CLERK
) -> PrintJobsDialog:
    dialog = PrintJobsDialog(ctx, OpRunner(inline=True, show_message=messages.append), devices, actor)
    qtbot.addWidget(dialog)
    return dialog


def show_active(qtbot: QtBot, dialog: PrintJobsDialog) -> None:
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()


def test_the_list_shows_each_job_with_its_state_in_words(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, messages: list[str]
) -> None:
    printed = queue_job(demo_ctx)
    assert send_job(demo_ctx.db, demo_ctx.blobs, devices, printed).printed
    on_printer(devices, lambda p: p.run_out_of_paper())
    waiting = queue_job(demo_ctx)
    send_job(demo_ctx.db, demo_ctx.blobs, devices, waiting)
    dialog = make_dialog(qtbot, demo_ctx, devices, messages)
    rows = dialog.rows()
    assert [r[COLUMNS.index("状态")] for r in rows] == ["等待打印", "已打印"]  # newest first
    assert rows[0][1] == "受理回执" and "缺纸" in rows[0][-1]
    assert dialog.selected_job() is not None and dialog.selected_job().id == waiting  # type: ignore[union-attr]
    # Waiting: send again or cancel, but no 补打 of a receipt that never came out.
    assert dialog.retry_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert not dialog.reprint_button.isEnabled()
    assert dialog.select_job(printed)
    assert dialog.reprint_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert not dialog.retry_button.isEnabled()
    assert messages == []


def test_state_words_match_the_core(qtbot: QtBot) -> None:
    assert STATE_TEXTS == print_queue.STATE_LABELS


def test_ctrl_b_reprints_with_the_banner_on_top(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, messages: list[str]
) -> None:
    original = receipt_like(120)
    job_id = queue_job(demo_ctx, original)
    send_job(demo_ctx.db, demo_ctx.blobs, devices, job_id)
    dialog = make_dialog(qtbot, demo_ctx, devices, messages)
    show_active(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert messages == []
    first, second = paper(demo_ctx)
    assert np.array_equal(first < 128, original < 128)
    banner = second.shape[0] - original.shape[0]
    assert banner > 0
    assert np.array_equal(second[banner:] < 128, original < 128)  # below the banner: the same receipt
    assert np.count_nonzero(second[:banner] < 128) > 500  # the 补打 badge is ink on paper
    reprint = dialog.selected_job()
    assert reprint is not None and reprint.reprint_of == job_id and reprint.state == "printed"
    assert dialog.rows()[0][1] == "受理回执（补打）"
    assert "已打印" in dialog.message.text()


def test_del_cancels_a_waiting_job_and_it_never_prints(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, messages: list[str]
) -> None:
    on_printer(devices, lambda p: p.set_condition(cover_open=True))
    job_id = queue_job(demo_ctx)
    send_job(demo_ctx.db, demo_ctx.blobs, devices, job_id)
    dialog = make_dialog(qtbot, demo_ctx, devices, messages)
    show_active(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Delete)
    assert job(demo_ctx, job_id).state == "cancelled"
    assert dialog.rows()[0][COLUMNS.index("状态")] == "已取消"
    assert not dialog.cancel_button.isEnabled() and not dialog.retry_button.isEnabled()
    on_printer(devices, lambda p: p.set_condition(cover_open=False))
    assert send_job(demo_ctx.db, demo_ctx.blobs, devices, job_id).state == "cancelled"
    assert paper(demo_ctx) == []


def test_ctrl_r_sends_a_failed_job_again_after_the_clerk_checked_the_paper(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, messages: list[str]
) -> None:
    on_printer(devices, lambda p: p.load_paper(40))  # runs out mid-receipt
    job_id = queue_job(demo_ctx)
    assert send_job(demo_ctx.db, demo_ctx.blobs, devices, job_id).state == "failed"
    on_printer(devices, lambda p: p.load_paper(None))
    dialog = make_dialog(qtbot, demo_ctx, devices, messages)
    assert dialog.rows()[0][COLUMNS.index("状态")] == "打印失败"
    show_active(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert job(demo_ctx, job_id).state == "printed"
    assert [p.shape[0] for p in paper(demo_ctx)] == [40, 96]  # the torn part, then the whole receipt


def test_an_installer_sees_the_jobs_but_cannot_act(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager, messages: list[str]
) -> None:
    job_id = queue_job(demo_ctx)
    send_job(demo_ctx.db, demo_ctx.blobs, devices, job_id)
    dialog = make_dialog(qtbot, demo_ctx, devices, messages, INSTALLER)
    assert len(dialog.rows()) == 1
    assert not dialog.reprint_button.isEnabled() and "需要" in dialog.reprint_button.toolTip()
    dialog.reprint()  # even if reached some other way, the core refuses
    assert len(paper(demo_ctx)) == 1


def test_the_preview_follows_a_waiting_receipt_until_the_spooler_printed_it(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    from app.documents import sample_data
    from devices.printer.spooler import PrintSpooler

    runner = OpRunner(inline=True)
    on_printer(devices, lambda p: p.run_out_of_paper())
    outcomes = []
    runner.start(print_receipt(demo_ctx, devices, sample_data("受理回执")).success(outcomes.append))
    [outcome] = outcomes
    assert outcome.state == "queued" and not outcome.printed
    preview = PrintPreviewDialog(runner, devices, outcome)
    qtbot.addWidget(preview)
    preview.show()
    assert preview.reprint_button.isEnabled()
    spooler = PrintSpooler(
        demo_ctx.db, demo_ctx.blobs, devices, printer=queue_printer(demo_ctx), retry_interval_s=60
    )
    spooler.start()
    try:
        on_printer(devices, lambda p: p.load_paper(None))  # the spooler prints it by itself

        def printed() -> bool:
            preview.refresh()
            return preview.outcome.printed

        qtbot.waitUntil(printed, timeout=5000)
    finally:
        spooler.stop()
    assert preview.status.text() == "已打印，请撕下交给申请人。"
    assert not preview.reprint_button.isEnabled()
    [sheet] = paper(demo_ctx)
    assert np.array_equal(sheet < 128, outcome.raster < 128)


def test_the_window_opens_the_jobs_with_ctrl_shift_p_and_its_spooler_prints_waiting_jobs(
    qtbot: QtBot, demo_ctx: AppContext, devices: DeviceManager
) -> None:
    waiting = queue_job(demo_ctx)  # left from before the window opened
    window = CounterWindow(demo_ctx, OpRunner(inline=True), devices, CLERK)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    window.start_watching()
    qtbot.waitUntil(lambda: job(demo_ctx, waiting).state == "printed", timeout=5000)
    qtbot.keyClick(
        window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert window.print_jobs is not None and window.print_jobs.isVisible()
    assert window.print_jobs.rows()[0][COLUMNS.index("状态")] == "已打印"
    menu_actions = [
        a.objectName() for m in window.menuBar().actions() if m.menu() for a in m.menu().actions()
    ]
    assert "open_print_jobs" in menu_actions
    window.close()
    assert window.spooler is not None and not window.spooler.running
    assert len(paper(demo_ctx)) == 1


def test_the_jobs_view_speaks_english(
    qtbot: QtBot, qapp: QApplication, demo_ctx: AppContext, messages: list[str]
) -> None:
    translators = use_language(qapp, "en")
    try:
        dialog = make_dialog(qtbot, demo_ctx, None, messages)
        texts = [dialog.windowTitle(), dialog.reprint_button.text(), dialog.retry_button.text()]
        texts += [dialog.cancel_button.text(), dialog.message.text()]
        texts += [dialog.table.headerItem().text(c) for c in range(len(COLUMNS))]
        assert texts[:3] == ["Print jobs", "Reprint (Ctrl+B)", "Print again (Ctrl+R)"]
        assert not [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
        qapp.setApplicationDisplayName(APP_DISPLAY_NAME)
