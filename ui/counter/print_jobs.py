"""PrintJobsDialog (打印任务, Ctrl+Shift+P): this counter's print jobs and what to do with them.

Lists today's jobs and every older one still waiting or failed, newest first, with the state in
words and why a job waits or failed. The clerk may:

- 补打 (Ctrl+B): print a printed or failed receipt again, marked 补打 on paper and audited;
- 重新打印 (Ctrl+R): send a waiting job now, or a failed one again after checking the paper (the
  same receipt, no mark; only when nothing usable came out);
- 取消 (Del): drop a waiting or failed job.

Jobs live in the print queue (app/services/print_queue.py); sending goes through the spooler's
:func:`~devices.printer.spooler.send_job`, so a job is never sent twice even while the window's
spooler drains the same queue. The list re-reads itself every :data:`REFRESH_MS` while shown.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.clock import LOCAL_TZ, local_now
from app.context import AppContext
from app.errors import UserFacingError
from app.services import print_queue
from app.services.actor import Actor
from app.services.print_queue import PrintJobView
from devices.manager import DeviceManager
from devices.printer.spooler import SendResult, send_job
from ui import core_labels
from ui.counter.print_preview import PRINT_TIMEOUT_S, close_button, queue_printer
from ui.counter.visit import gate_by_role
from ui.ops import Op, OpRunner

OPEN_KEY = "Ctrl+Shift+P"
REPRINT_KEY = "Ctrl+B"
RETRY_KEY = "Ctrl+R"
CANCEL_KEY = "Del"
REFRESH_KEY = "F5"
REFRESH_MS = 3000
# Chinese source strings of the "PrintJobsDialog" translation context.
COLUMNS = (
    str(QT_TRANSLATE_NOOP("PrintJobsDialog", "时间")),
    str(QT_TRANSLATE_NOOP("PrintJobsDialog", "文书")),
    str(QT_TRANSLATE_NOOP("PrintJobsDialog", "办件编号")),
    str(QT_TRANSLATE_NOOP("PrintJobsDialog", "状态")),
    str(QT_TRANSLATE_NOOP("PrintJobsDialog", "次数")),
    str(QT_TRANSLATE_NOOP("PrintJobsDialog", "说明")),
)
#: The core's state labels (print_queue.STATE_LABELS), marked for translation in this context.
STATE_TEXTS = {
    print_queue.QUEUED: str(QT_TRANSLATE_NOOP("PrintJobsDialog", "等待打印")),
    print_queue.PRINTING: str(QT_TRANSLATE_NOOP("PrintJobsDialog", "正在打印")),
    print_queue.PRINTED: str(QT_TRANSLATE_NOOP("PrintJobsDialog", "已打印")),
    print_queue.FAILED: str(QT_TRANSLATE_NOOP("PrintJobsDialog", "打印失败")),
    print_queue.CANCELLED: str(QT_TRANSLATE_NOOP("PrintJobsDialog", "已取消")),
}
#: Documents that are not templates (print_queue.DOCUMENT_LABELS).
DOCUMENT_TEXTS = {
    "ticket": str(QT_TRANSLATE_NOOP("PrintJobsDialog", "排队号票")),
    "test_page": str(QT_TRANSLATE_NOOP("PrintJobsDialog", "打印测试页")),
}
REPRINT_MARK = str(QT_TRANSLATE_NOOP("PrintJobsDialog", "（补打）"))
STATE_COLOURS = {print_queue.QUEUED: "#fff3b0", print_queue.FAILED: "#ffcdd2"}
STATE_COLUMN = 3


def _tr(text: str) -> str:
    """``text`` (marked in the "PrintJobsDialog" context) in the interface language; thread-safe."""
    return QCoreApplication.translate("PrintJobsDialog", text)


def state_text(state: str) -> str:
    return _tr(STATE_TEXTS[state]) if state in STATE_TEXTS else state


def document_text(job: PrintJobView) -> str:
    name = (
        _tr(DOCUMENT_TEXTS[job.document])
        if job.document in DOCUMENT_TEXTS
        else core_labels.document(job.document)
    )
    return name + _tr(REPRINT_MARK) if job.reprint_of is not None else name


def row_texts(job: PrintJobView) -> list[str]:
    """The cells of one job in column order."""
    created = job.created_at.astimezone(LOCAL_TZ)
    when = (
        created.strftime("%H:%M:%S")
        if created.date() == local_now().date()
        else created.strftime("%m-%d %H:%M")
    )
    return [
        when,
        document_text(job),
        job.case_number or job.ticket_number,
        state_text(job.state),
        str(job.attempts),
        job.error,
    ]


# --- ops ---------------------------------------------------------------------------------------


def load_print_jobs(ctx: AppContext) -> Op[list[PrintJobView]]:
    """Today's jobs of this counter's printer and older ones still waiting or failed, newest first."""
    printer = queue_printer(ctx)

    def run() -> list[PrintJobView]:
        midnight = local_now().replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
        with ctx.db.session() as session:
            today = print_queue.list_jobs(session, since=midnight, printer=printer)
            open_jobs = print_queue.list_jobs(
                session,
                states=(print_queue.QUEUED, print_queue.PRINTING, print_queue.FAILED),
                printer=printer,
            )
        merged = {job.id: job for job in [*today, *open_jobs]}
        return sorted(merged.values(), key=lambda job: job.id, reverse=True)

    return Op(run=run, name="load_print_jobs")


def reprint_job(ctx: AppContext, actor: Actor, devices: DeviceManager | None, job_id: int) -> Op[SendResult]:
    """补打: a new job marked 补打, queued and sent at once (it stays queued if the printer is not ready)."""

    def run() -> SendResult:
        with ctx.db.session() as session:
            new_id = print_queue.reprint(session, ctx.blobs, actor, job_id)
        return send_job(ctx.db, ctx.blobs, devices, new_id, timeout_s=PRINT_TIMEOUT_S)

    progress = QCoreApplication.translate("PrintJobsDialog", "正在补打…")
    return Op(run=run, name="reprint_job").on_network().with_progress(progress)


def retry_job(ctx: AppContext, actor: Actor, devices: DeviceManager | None, job_id: int) -> Op[SendResult]:
    """重新打印: send a waiting job now; a failed one is queued again first (audited)."""

    def run() -> SendResult:
        with ctx.db.session() as session:
            if print_queue.get_job(session, job_id).state == print_queue.FAILED:
                print_queue.retry(session, actor, job_id)
        return send_job(ctx.db, ctx.blobs, devices, job_id, timeout_s=PRINT_TIMEOUT_S)

    progress = QCoreApplication.translate("PrintJobsDialog", "正在重新打印…")
    return Op(run=run, name="retry_print_job").on_network().with_progress(progress)


def cancel_job(ctx: AppContext, actor: Actor, job_id: int) -> Op[PrintJobView]:
    def run() -> PrintJobView:
        with ctx.db.session() as session:
            return print_queue.cancel(session, actor, job_id)

    return Op(run=run, name="cancel_print_job")


# --- the dialog --------------------------------------------------------------------------------


class PrintJobsDialog(QDialog):
    """The print-jobs list with 补打, 重新打印, 取消 and 刷新; see the module docstring."""

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager | None,
        actor: Actor,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("print_jobs")
        self.setWindowTitle(self.tr("打印任务"))
        self._ctx = ctx
        self._runner = runner
        self._devices = devices
        self._actor = actor
        self.jobs: dict[int, PrintJobView] = {}

        self.table = QTreeWidget()
        self.table.setObjectName("print_job_list")
        self.table.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.message = QLabel()
        self.message.setObjectName("print_jobs_message")
        self.message.setWordWrap(True)

        self.reprint_button = QPushButton(self.tr("补打 ({key})").format(key=REPRINT_KEY))
        self.reprint_button.setObjectName("reprint_job")
        self.retry_button = QPushButton(self.tr("重新打印 ({key})").format(key=RETRY_KEY))
        self.retry_button.setObjectName("retry_job")
        self.cancel_button = QPushButton(self.tr("取消任务 ({key})").format(key=CANCEL_KEY))
        self.cancel_button.setObjectName("cancel_job")
        self.refresh_button = QPushButton(self.tr("刷新 ({key})").format(key=REFRESH_KEY))
        self.refresh_button.setObjectName("refresh_jobs")
        self._tips = {
            self.reprint_button: self.tr("再打一张，纸上印“补打”字样"),
            self.retry_button: self.tr(
                "立即发送等待中的任务；打印失败的任务请先核对纸张，确认没有打出完整回执"
            ),
            self.cancel_button: self.tr("不再打印所选任务"),
        }
        self.reprint_button.clicked.connect(self.reprint)
        self.retry_button.clicked.connect(self.retry)
        self.cancel_button.clicked.connect(self.cancel)
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_button(buttons)
        for button in (self.reprint_button, self.retry_button, self.cancel_button, self.refresh_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        # QShortcut, not button.setShortcut (which clicks 100 ms later); a disabled button ignores click().
        for key, button in (
            (REPRINT_KEY, self.reprint_button),
            (RETRY_KEY, self.retry_button),
            (CANCEL_KEY, self.cancel_button),
            (REFRESH_KEY, self.refresh_button),
        ):
            QShortcut(QKeySequence(key), self, button.click)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(860, 480)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._update_buttons()
        self.refresh()

    # --- reading ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._runner.start(load_print_jobs(self._ctx).success(self._show_jobs))

    def _show_jobs(self, jobs: list[PrintJobView]) -> None:
        selected = self.selected_job()
        self.jobs = {job.id: job for job in jobs}
        self.table.clear()
        current: QTreeWidgetItem | None = None
        for job in jobs:
            item = QTreeWidgetItem(row_texts(job))
            item.setData(0, Qt.ItemDataRole.UserRole, job.id)
            colour = STATE_COLOURS.get(job.state)
            if colour is not None:
                item.setBackground(STATE_COLUMN, QBrush(QColor(colour)))
            self.table.addTopLevelItem(item)
            if selected is not None and job.id == selected.id:
                current = item
        if current is None and jobs:
            current = self.table.topLevelItem(0)
        if current is not None:
            self.table.setCurrentItem(current)
        if not jobs:
            self.message.setText(self.tr("今天还没有打印任务。"))
        self._update_buttons()

    def selected_job(self) -> PrintJobView | None:
        item = self.table.currentItem()
        if item is None:
            return None
        return self.jobs.get(int(item.data(0, Qt.ItemDataRole.UserRole)))

    def select_job(self, job_id: int) -> bool:
        for index in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(index)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == job_id:
                self.table.setCurrentItem(item)
                return True
        return False

    def rows(self) -> list[tuple[str, ...]]:
        out = []
        for index in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(index)
            if item is not None:
                out.append(tuple(item.text(c) for c in range(len(COLUMNS))))
        return out

    def _update_buttons(self) -> None:
        job = self.selected_job()
        state = job.state if job is not None else ""
        allowed = {
            self.reprint_button: state in print_queue.REPRINTABLE,
            self.retry_button: state in (print_queue.QUEUED, print_queue.FAILED),
            self.cancel_button: state in print_queue.CANCELLABLE,
        }
        for button, ok in allowed.items():
            if gate_by_role(button, self._actor, print_queue.PRINT_ROLES, self._tips[button]):
                button.setEnabled(ok)

    # --- acting ----------------------------------------------------------------------------------

    def reprint(self) -> None:
        job = self.selected_job()
        if job is None or job.state not in print_queue.REPRINTABLE:
            return
        self._busy(self.tr("正在补打…"))
        op = reprint_job(self._ctx, self._actor, self._devices, job.id)
        self._runner.start(op.success(self._sent).failure(self._failed))

    def retry(self) -> None:
        job = self.selected_job()
        if job is None or job.state not in (print_queue.QUEUED, print_queue.FAILED):
            return
        self._busy(self.tr("正在重新打印…"))
        op = retry_job(self._ctx, self._actor, self._devices, job.id)
        self._runner.start(op.success(self._sent).failure(self._failed))

    def cancel(self) -> None:
        job = self.selected_job()
        if job is None or job.state not in print_queue.CANCELLABLE:
            return
        self._busy(self.tr("正在取消…"))
        self._runner.start(
            cancel_job(self._ctx, self._actor, job.id).success(self._cancelled).failure(self._failed)
        )

    def _busy(self, text: str) -> None:
        self.message.setText(text)
        for button in (self.reprint_button, self.retry_button, self.cancel_button):
            button.setEnabled(False)

    def _sent(self, result: SendResult) -> None:
        if result.printed:
            self.message.setText(self.tr("打印任务 {job} 已打印。").format(job=result.job_id))
        else:
            self.message.setText(
                self.tr("打印任务 {job}：{state}。{error}").format(
                    job=result.job_id, state=state_text(result.state), error=result.error
                )
            )
        self._reload_and_select(result.job_id)

    def _cancelled(self, job: PrintJobView) -> None:
        self.message.setText(self.tr("打印任务 {job} 已取消。").format(job=job.id))
        self._reload_and_select(job.id)

    def _failed(self, error: BaseException) -> None:
        self.refresh()
        if not isinstance(error, UserFacingError):
            self.message.clear()
            raise error  # the runner logs it and shows its apology
        self.message.setText(str(error))

    def _reload_and_select(self, job_id: int) -> None:
        def show(jobs: list[PrintJobView]) -> None:
            self._show_jobs(jobs)
            self.select_job(job_id)

        self._runner.start(load_print_jobs(self._ctx).success(show))

    # --- visibility ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._refresh_timer.stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._refresh_timer.stop()
        super().closeEvent(event)
