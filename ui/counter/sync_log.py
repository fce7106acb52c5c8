"""SyncLogDialog (同步记录): each case's way to the provincial platform, and what the platform refused.

Opened from the 同步 menu or by clicking the status bar's sync indicator. The header repeats the
indicator (link, backlog, last success, clock warning). Two tabs:

- 同步记录: one line per case (or evaluation) — 同步状态, how many of its changes the platform has,
  attempts, next try and the last error in the words of the platform or of the failed link;
- 平台退回: every change the platform refused, with its reason in full, and the two ways out —
  修正后重新发送 (Ctrl+R: the clerk fixed the cause, e.g. rescanned a page; the change is rebuilt from
  the case as it is now and sent again) and 标记已处理（填写说明） (Ctrl+D: settled another way, e.g. by
  phone with the platform; the note is kept with the change and in the audit trail). Nothing the
  platform refused is ever dropped.

立即同步 (Ctrl+Shift+S) makes every row waiting out its backoff due now and wakes the sender.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.clock import LOCAL_TZ, local_now
from app.context import AppContext
from app.errors import UserFacingError
from app.model import Role
from app.services import sync_status
from app.services.actor import Actor
from app.services.sync_status import SyncLogRow
from sync.engine import QuarantinedEvent, SyncStatus, mark_handled, quarantined_events, read_status, requeue
from ui import core_labels
from ui.counter.print_preview import close_button
from ui.counter.visit import gate_by_role
from ui.ops import Changes, Op, OpRunner
from ui.sync_indicator import moment_text, state_text
from ui.sync_service import SyncService

SYNC_NOW_KEY = "Ctrl+Shift+S"
REFRESH_KEY = "F5"
REQUEUE_KEY = "Ctrl+R"
HANDLED_KEY = "Ctrl+D"
REFRESH_MS = 5000
#: Who may resend or close what the platform refused (those who may decide cases).
QUARANTINE_ROLES = frozenset({Role.CLERK, Role.STATION_STAFF, Role.SUPERVISOR})

# Chinese source strings of the "SyncLogDialog" translation context.
LOG_COLUMNS = (
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "办件编号")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "事项")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "同步状态")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "已送达")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "平台办件编号")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "尝试次数")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "下次重试")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "最后错误")),
)
QUARANTINE_COLUMNS = (
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "办件编号")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "退回的记录")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "退回时间")),
    str(QT_TRANSLATE_NOOP("SyncLogDialog", "平台说明")),
)
#: The core's sync states (app.services.sync_status.STATE_LABELS), marked for translation here.
STATE_TEXTS = {
    "quarantined": str(QT_TRANSLATE_NOOP("SyncLogDialog", "平台退回")),
    "failed": str(QT_TRANSLATE_NOOP("SyncLogDialog", "等待重试")),
    "sending": str(QT_TRANSLATE_NOOP("SyncLogDialog", "正在发送")),
    "pending": str(QT_TRANSLATE_NOOP("SyncLogDialog", "等待发送")),
    "sent": str(QT_TRANSLATE_NOOP("SyncLogDialog", "已同步")),
    "handled": str(QT_TRANSLATE_NOOP("SyncLogDialog", "退回已处理")),
}
AGGREGATE_TEXTS = {
    "evaluation": str(QT_TRANSLATE_NOOP("SyncLogDialog", "满意度评价")),
    "audit": str(QT_TRANSLATE_NOOP("SyncLogDialog", "审计记录")),
}
#: "下次重试" of a retry that is due now.
DUE_NOW = str(QT_TRANSLATE_NOOP("SyncLogDialog", "立即"))
STATE_COLOURS = {"quarantined": "#ffcdd2", "failed": "#fff3b0"}
STATE_COLUMN = 2
ERROR_COLUMN = len(LOG_COLUMNS) - 1
#: Timeline labels of the platform's changes and the sender's steps (app.services.cases), in the
#: context ui.core_labels.case_action looks them up in.
PLATFORM_ACTION_TEXTS = (
    QT_TRANSLATE_NOOP("CaseActions", "平台状态更新"),
    QT_TRANSLATE_NOOP("CaseActions", "平台要求补正"),
    QT_TRANSLATE_NOOP("CaseActions", "平台决定"),
    QT_TRANSLATE_NOOP("CaseActions", "平台决定（准予）"),
    QT_TRANSLATE_NOOP("CaseActions", "平台决定（不予许可）"),
    QT_TRANSLATE_NOOP("CaseActions", "平台出具结果"),
    QT_TRANSLATE_NOOP("CaseActions", "平台办件编号"),
    QT_TRANSLATE_NOOP("CaseActions", "已报送平台"),
    QT_TRANSLATE_NOOP("CaseActions", "平台退回"),
    QT_TRANSLATE_NOOP("CaseActions", "重新发送"),
    QT_TRANSLATE_NOOP("CaseActions", "平台退回已处理"),
    QT_TRANSLATE_NOOP("CaseActions", "清理本机材料文件"),
)


def _tr(text: str) -> str:
    """``text`` (marked in the "SyncLogDialog" context) in the interface language; thread-safe."""
    return QCoreApplication.translate("SyncLogDialog", text)


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(LOCAL_TZ)
    return local.strftime("%H:%M:%S") if local.date() == local_now().date() else local.strftime("%m-%d %H:%M")


def change_text(kind: str) -> str:
    """ "case.accept" → "受理" in the interface language."""
    aggregate = kind.partition(".")[0]
    if aggregate == "case":
        return core_labels.case_action(sync_status.change_label(kind))
    return _tr(AGGREGATE_TEXTS[aggregate]) if aggregate in AGGREGATE_TEXTS else kind


def log_row_texts(row: SyncLogRow) -> list[str]:
    """The cells of one sync-log line in column order."""
    waiting = row.state in ("pending", "sending", "failed", "quarantined")
    next_try = ""
    if row.state == "failed":
        next_try = _when(row.next_attempt_at) if row.next_attempt_at is not None else _tr(DUE_NOW)
    title = row.title
    if row.aggregate != "case" and row.aggregate in AGGREGATE_TEXTS:
        title = _tr(AGGREGATE_TEXTS[row.aggregate])
    return [
        row.local_number,
        title,
        _tr(STATE_TEXTS.get(row.state, row.state_label)),
        f"{row.events_done}/{row.events_total}",
        row.platform_number,
        str(row.attempts) if waiting else "",
        next_try,
        row.last_error,
    ]


def quarantine_row_texts(event: QuarantinedEvent) -> list[str]:
    return [event.local_number, change_text(event.kind), _when(event.quarantined_at), event.reason]


@dataclass(frozen=True)
class SyncLogData:
    rows: list[SyncLogRow]
    quarantined: list[QuarantinedEvent]
    status: SyncStatus


# --- ops ---------------------------------------------------------------------------------------


def load_sync_log(ctx: AppContext) -> Op[SyncLogData]:
    def run() -> SyncLogData:
        with ctx.db.session() as session:
            return SyncLogData(
                rows=sync_status.sync_log(session),
                quarantined=quarantined_events(session),
                status=read_status(session),
            )

    return Op(run=run, name="load_sync_log")


def requeue_event(ctx: AppContext, actor: Actor, event_id: int, service: SyncService | None) -> Op[Changes]:
    """修正后重新发送: rebuilt from the case as it is now, under a new key, and sent in the next round."""

    def run() -> Changes:
        with ctx.db.session() as session:
            requeue(session, event_id, actor=actor.username)
        if service is not None:
            service.wake()
        return Changes(outbox=True)

    return Op(run=run, name="requeue_sync_event")


def mark_event_handled(ctx: AppContext, actor: Actor, event_id: int, note: str) -> Op[Changes]:
    """标记已处理: closed with the clerk's note; the change and the platform's reason are kept."""

    def run() -> Changes:
        with ctx.db.session() as session:
            mark_handled(session, event_id, note, actor=actor.username)
        return Changes(outbox=True)

    return Op(run=run, name="mark_sync_event_handled")


# --- the note dialog ------------------------------------------------------------------------------


class HandledNoteDialog(QDialog):
    """Asks how a refused change was settled; OK only with a note."""

    def __init__(self, event: QuarantinedEvent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_handled_note")
        self.setWindowTitle(self.tr("标记已处理"))
        self.refused = event
        intro = QLabel(
            self.tr(
                "办件 {number} 的“{change}”被平台退回：\n{reason}\n\n请写明是如何处理的（例如：已电话联系平台补录）。"
            ).format(number=event.local_number or "—", change=change_text(event.kind), reason=event.reason)
        )
        intro.setWordWrap(True)
        self.note = QPlainTextEdit()
        self.note.setObjectName("sync_handled_text")
        self.note.setPlaceholderText(self.tr("处理说明（必填）"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("标记已处理"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.note.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.buttons)
        self.resize(480, 300)
        self._update()

    def text(self) -> str:
        return self.note.toPlainText().strip()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.text()))


# --- the dialog --------------------------------------------------------------------------------


class SyncLogDialog(QDialog):
    """The sync log and the quarantine view; see the module docstring."""

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        service: SyncService | None,
        actor: Actor,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sync_log")
        self.setWindowTitle(self.tr("同步记录"))
        self._ctx = ctx
        self._runner = runner
        self._service = service
        self._actor = actor
        self.rows: list[SyncLogRow] = []
        self.quarantined: dict[int, QuarantinedEvent] = {}
        self.status: SyncStatus | None = None
        self.note_dialog: HandledNoteDialog | None = None

        self.state_label = QLabel()
        self.state_label.setObjectName("sync_log_state")
        self.state_label.setWordWrap(True)
        self.skew_label = QLabel()
        self.skew_label.setObjectName("sync_log_skew")
        self.skew_label.setWordWrap(True)
        self.skew_label.setStyleSheet("color: #c62828;")
        self.skew_label.hide()

        self.log_table = self._table("sync_log_table", LOG_COLUMNS, stretch=ERROR_COLUMN)
        self.quarantine_table = self._table("sync_quarantine_table", QUARANTINE_COLUMNS, stretch=3)
        self.quarantine_table.currentItemChanged.connect(lambda *_: self._quarantine_selected())
        self.reason_view = QPlainTextEdit()
        self.reason_view.setObjectName("sync_quarantine_reason")
        self.reason_view.setReadOnly(True)
        self.reason_view.setMaximumHeight(90)
        self.reason_view.setPlaceholderText(self.tr("选中一条退回记录，这里显示平台的完整说明"))
        self.requeue_button = QPushButton(self.tr("修正后重新发送 ({key})").format(key=REQUEUE_KEY))
        self.requeue_button.setObjectName("sync_requeue")
        self.handled_button = QPushButton(self.tr("标记已处理（填写说明）… ({key})").format(key=HANDLED_KEY))
        self.handled_button.setObjectName("sync_mark_handled")
        self._tips = {
            self.requeue_button: self.tr("已按平台说明改正（如重新扫描材料）后，按办件现在的内容重新发送"),
            self.handled_button: self.tr("已通过其他方式解决（如电话联系平台），写明处理经过后不再发送"),
        }
        self.requeue_button.clicked.connect(self.requeue)
        self.handled_button.clicked.connect(self.mark_handled)
        quarantine_page = QWidget()
        quarantine_layout = QVBoxLayout(quarantine_page)
        quarantine_layout.addWidget(self.quarantine_table, 1)
        quarantine_layout.addWidget(self.reason_view)
        actions = QHBoxLayout()
        actions.addWidget(self.requeue_button)
        actions.addWidget(self.handled_button)
        actions.addStretch(1)
        quarantine_layout.addLayout(actions)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("sync_log_tabs")
        self.tabs.addTab(self.log_table, self.tr("同步记录"))
        self.tabs.addTab(quarantine_page, self.tr("平台退回"))

        self.message = QLabel()
        self.message.setObjectName("sync_log_message")
        self.message.setWordWrap(True)
        self.sync_now_button = QPushButton(self.tr("立即同步 ({key})").format(key=SYNC_NOW_KEY))
        self.sync_now_button.setObjectName("sync_now")
        if service is None:
            self.sync_now_button.setEnabled(False)
            self.sync_now_button.setToolTip(
                self.tr("尚未设置省级平台地址（配置项 sync.platform_url），本机不向平台同步。")
            )
        else:
            self.sync_now_button.setToolTip(self.tr("让等待重试的记录立即发送，并马上检查平台的新变更"))
        self.refresh_button = QPushButton(self.tr("刷新 ({key})").format(key=REFRESH_KEY))
        self.refresh_button.setObjectName("sync_log_refresh")
        self.sync_now_button.clicked.connect(self.sync_now)
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_button(buttons)
        for button in (self.sync_now_button, self.refresh_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        # QShortcut, not button.setShortcut (which clicks 100 ms later); a disabled button ignores click().
        for key, button in (
            (SYNC_NOW_KEY, self.sync_now_button),
            (REFRESH_KEY, self.refresh_button),
            (REQUEUE_KEY, self.requeue_button),
            (HANDLED_KEY, self.handled_button),
        ):
            QShortcut(QKeySequence(key), self, button.click)

        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addWidget(self.skew_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(980, 520)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        if service is not None:
            service.status_did_change.connect(self.show_status)
            service.round_did_finish.connect(self._round_finished)
        self._update_buttons()
        self.refresh()

    def _table(self, name: str, columns: tuple[str, ...], *, stretch: int) -> QTreeWidget:
        table = QTreeWidget()
        table.setObjectName(name)
        table.setHeaderLabels([self.tr(c) for c in columns])
        table.setRootIsDecorated(False)
        table.setAlternatingRowColors(True)
        table.setUniformRowHeights(True)
        header = table.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        return table

    # --- reading ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._runner.start(load_sync_log(self._ctx).success(self._show))

    def _round_finished(self, _report: object) -> None:
        if self.isVisible():
            self.refresh()

    def _show(self, data: SyncLogData) -> None:
        self.show_status(data.status)
        self.rows = list(data.rows)
        self.log_table.clear()
        for row in self.rows:
            item = QTreeWidgetItem(log_row_texts(row))
            item.setToolTip(ERROR_COLUMN, row.last_error_detail)
            colour = STATE_COLOURS.get(row.state)
            if colour is not None:
                item.setBackground(STATE_COLUMN, QBrush(QColor(colour)))
                item.setForeground(STATE_COLUMN, QBrush(QColor("#000000")))
            self.log_table.addTopLevelItem(item)
        selected = self.selected_event()
        self.quarantined = {event.id: event for event in data.quarantined}
        self.quarantine_table.clear()
        current: QTreeWidgetItem | None = None
        for event in data.quarantined:
            item = QTreeWidgetItem(quarantine_row_texts(event))
            item.setData(0, Qt.ItemDataRole.UserRole, event.id)
            item.setToolTip(3, event.reason)
            self.quarantine_table.addTopLevelItem(item)
            if selected is not None and selected.id == event.id:
                current = item
        if current is None and data.quarantined:
            current = self.quarantine_table.topLevelItem(0)
        if current is not None:
            self.quarantine_table.setCurrentItem(current)
        self.tabs.setTabText(
            1,
            self.tr("平台退回 ({n})").format(n=len(data.quarantined))
            if data.quarantined
            else self.tr("平台退回"),
        )
        self._quarantine_selected()

    def show_status(self, status: SyncStatus) -> None:
        self.status = status
        if self._service is None:
            parts = [self.tr("平台：未配置（本机不向平台同步）")]
        else:
            parts = [self.tr("平台：{state}").format(state=state_text(status.state))]
            if status.message:
                parts.append(status.message)
        parts.append(
            self.tr("待同步 {cases} 件（{events} 条记录）").format(
                cases=status.backlog_cases, events=status.backlog_events
            )
        )
        if status.last_success_at is not None:
            parts.append(self.tr("上次同步成功：{time}").format(time=moment_text(status.last_success_at)))
        else:
            parts.append(self.tr("尚未同步成功"))
        self.state_label.setText("　".join(parts))
        self.skew_label.setVisible(bool(status.skew_warning))
        self.skew_label.setText(status.skew_warning or "")

    def log_rows(self) -> list[tuple[str, ...]]:
        return self._texts(self.log_table, len(LOG_COLUMNS))

    def quarantine_rows(self) -> list[tuple[str, ...]]:
        return self._texts(self.quarantine_table, len(QUARANTINE_COLUMNS))

    @staticmethod
    def _texts(table: QTreeWidget, columns: int) -> list[tuple[str, ...]]:
        out = []
        for index in range(table.topLevelItemCount()):
            item = table.topLevelItem(index)
            if item is not None:
                out.append(tuple(item.text(c) for c in range(columns)))
        return out

    def selected_event(self) -> QuarantinedEvent | None:
        item = self.quarantine_table.currentItem()
        if item is None:
            return None
        return self.quarantined.get(int(item.data(0, Qt.ItemDataRole.UserRole)))

    def _quarantine_selected(self) -> None:
        event = self.selected_event()
        self.reason_view.setPlainText(event.reason if event is not None else "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected_event() is not None
        for button in (self.requeue_button, self.handled_button):
            if gate_by_role(button, self._actor, QUARANTINE_ROLES, self._tips[button]):
                button.setEnabled(chosen)

    # --- acting ----------------------------------------------------------------------------------

    def sync_now(self) -> None:
        if self._service is None:
            return
        self._service.sync_now()
        self.message.setText(self.tr("已开始同步：等待重试的记录会立即发送。"))

    def requeue(self) -> None:
        event = self.selected_event()
        if event is None or not self.requeue_button.isEnabled():
            return
        op = requeue_event(self._ctx, self._actor, event.id, self._service)
        number = event.local_number or "—"
        self._runner.start(
            op.success(
                lambda _c: self._done(
                    self.tr("办件 {number} 已重新排队，将在下一轮同步时发送。").format(number=number)
                )
            ).failure(self._failed)
        )

    def mark_handled(self) -> HandledNoteDialog | None:
        """Ask for the note (window-modal, not blocking); the change is closed when it is given."""
        event = self.selected_event()
        if event is None or not self.handled_button.isEnabled():
            return None
        dialog = HandledNoteDialog(event, self)
        dialog.accepted.connect(lambda: self._save_note(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.note_dialog = dialog
        dialog.open()
        return dialog

    def _save_note(self, dialog: HandledNoteDialog) -> None:
        event = dialog.refused
        op = mark_event_handled(self._ctx, self._actor, event.id, dialog.text())
        number = event.local_number or "—"
        self._runner.start(
            op.success(
                lambda _c: self._done(
                    self.tr("办件 {number} 的退回记录已标记为已处理。").format(number=number)
                )
            ).failure(self._failed)
        )

    def _done(self, text: str) -> None:
        self.message.setText(text)
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        self.refresh()
        if not isinstance(error, UserFacingError):
            self.message.clear()
            raise error  # the runner logs it and shows its apology
        self.message.setText(str(error))

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
