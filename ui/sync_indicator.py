"""SyncIndicator (同步状态): the status bar's view of the link to the provincial platform.

Shows, left to right: the link in words with a coloured dot (在线 / 离线 / 同步中 with a progress
bar, or why sending stopped), 待同步 N 件, 平台退回 N 条 when the platform refused something, the
time of the last successful round, and a clock warning when this PC's time is off the platform's
by more than five minutes. A backlog with no success for a day turns red: sending must never fail
silently. Clicking it (or Enter / Space when focused) opens the sync log.

Display only: :class:`~ui.sync_service.SyncService` feeds it through :meth:`show_status`.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QWidget

from app.clock import LOCAL_TZ, local_now
from sync.engine import SyncStatus
from ui.sync_service import MODE_EXTERNAL

#: The engine's states (sync.engine.SyncState) in words, a source string of the "SyncIndicator" context.
STATE_TEXTS = {
    "online": str(QT_TRANSLATE_NOOP("SyncIndicator", "在线")),
    "offline": str(QT_TRANSLATE_NOOP("SyncIndicator", "离线")),
    "syncing": str(QT_TRANSLATE_NOOP("SyncIndicator", "同步中")),
    "auth": str(QT_TRANSLATE_NOOP("SyncIndicator", "未登记")),
    "stopped": str(QT_TRANSLATE_NOOP("SyncIndicator", "已停用")),
    "error": str(QT_TRANSLATE_NOOP("SyncIndicator", "同步出错")),
    "idle": str(QT_TRANSLATE_NOOP("SyncIndicator", "等待连接")),
}
#: Dot colours; the words carry the meaning too, for clerks who do not tell colours apart.
STATE_COLOURS = {
    "online": "#2e7d32",
    "offline": "#ef6c00",
    "syncing": "#1565c0",
    "auth": "#c62828",
    "stopped": "#c62828",
    "error": "#c62828",
    "idle": "#757575",
}
WARNING_COLOUR = "#c62828"
#: A backlog without a successful round for this long is shown in red.
STALE_AFTER = dt.timedelta(hours=24)


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncIndicator", text)


def state_text(state: str) -> str:
    return _tr(STATE_TEXTS[state]) if state in STATE_TEXTS else state


def moment_text(moment: dt.datetime, now: dt.datetime | None = None) -> str:
    """ "14:05" today, "11-20 14:05" another day (local time)."""
    local = moment.astimezone(LOCAL_TZ)
    today = (now or local_now()).astimezone(LOCAL_TZ).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")


class SyncIndicator(QFrame):
    """Platform link, backlog, refusals, last success and clock warning; emits :attr:`clicked`."""

    clicked = Signal()

    def __init__(self, platform_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_indicator")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.platform_url = platform_url
        self.mode = ""
        self.status: SyncStatus | None = None
        self.stale = False

        self.dot = QLabel("●")
        self.dot.setObjectName("sync_dot")
        self.state_label = QLabel(self.tr("平台：连接中…"))
        self.state_label.setObjectName("sync_state")
        self.progress = QProgressBar()
        self.progress.setObjectName("sync_progress")
        self.progress.setMaximumWidth(90)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.backlog_label = QLabel(self.tr("待同步 — 件"))
        self.backlog_label.setObjectName("sync_backlog")
        self.quarantine_label = QLabel()
        self.quarantine_label.setObjectName("sync_quarantined")
        self.quarantine_label.setStyleSheet(f"color: {WARNING_COLOUR}; font-weight: bold;")
        self.quarantine_label.hide()
        self.last_label = QLabel()
        self.last_label.setObjectName("sync_last_success")
        self.skew_label = QLabel(self.tr("⚠ 本机时间不准"))
        self.skew_label.setObjectName("sync_skew")
        self.skew_label.setStyleSheet(f"color: {WARNING_COLOUR};")
        self.skew_label.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        for widget in (
            self.dot,
            self.state_label,
            self.progress,
            self.backlog_label,
            self.quarantine_label,
            self.last_label,
            self.skew_label,
        ):
            layout.addWidget(widget)
        self._set_dot("idle")
        self.setToolTip(self._tooltip())

    def _set_dot(self, state: str) -> None:
        self.dot.setStyleSheet(f"color: {STATE_COLOURS.get(state, STATE_COLOURS['idle'])};")

    def show_mode(self, mode: str) -> None:
        """Who sends (ui.sync_service MODE_*): named in the tooltip when it is another process."""
        self.mode = mode
        self.setToolTip(self._tooltip())

    def show_status(self, status: SyncStatus, *, now: dt.datetime | None = None) -> None:
        self.status = status
        now = now or dt.datetime.now(dt.UTC)
        self._set_dot(status.state)
        self.state_label.setText(self.tr("平台：{state}").format(state=state_text(status.state)))
        syncing = status.state == "syncing"
        self.progress.setVisible(syncing)
        if syncing:
            total = max(status.progress_total, status.progress_done)
            self.progress.setRange(0, total)  # 0..0 = busy: the round has not counted its rows yet
            self.progress.setValue(status.progress_done)
        self.backlog_label.setText(self.tr("待同步 {n} 件").format(n=status.backlog_cases))
        last = status.last_success_at
        self.stale = status.backlog_cases > 0 and last is not None and now - last > STALE_AFTER
        self.backlog_label.setStyleSheet(f"color: {WARNING_COLOUR}; font-weight: bold;" if self.stale else "")
        self.quarantine_label.setVisible(status.quarantined > 0)
        self.quarantine_label.setText(self.tr("平台退回 {n} 条").format(n=status.quarantined))
        if last is None:
            self.last_label.setText(self.tr("尚未同步成功"))
        else:
            self.last_label.setText(self.tr("上次同步 {time}").format(time=moment_text(last, now)))
        self.skew_label.setVisible(bool(status.skew_warning))
        self.setToolTip(self._tooltip())

    def _tooltip(self) -> str:
        lines = [self.tr("省级平台：{url}").format(url=self.platform_url)]
        status = self.status
        if status is not None:
            if status.message:
                lines.append(status.message)
            if status.backlog_events:
                lines.append(
                    self.tr("待同步 {cases} 件办件，共 {events} 条记录").format(
                        cases=status.backlog_cases, events=status.backlog_events
                    )
                )
            if self.stale:
                lines.append(
                    self.tr("已超过 24 小时没有同步成功。数据都保存在本机，请检查网络或联系运维人员。")
                )
            if status.quarantined:
                lines.append(
                    self.tr("有 {n} 条记录被平台退回，请在同步记录中处理。").format(n=status.quarantined)
                )
            if status.skew_warning:
                lines.append(status.skew_warning)
        if self.mode == MODE_EXTERNAL:
            lines.append(self.tr("由本机的同步进程负责发送。"))
        lines.append(self.tr("点击查看同步记录"))
        return "\n".join(lines)

    def texts(self) -> list[str]:
        """What the clerk sees, left to right (hidden parts left out)."""
        labels = (
            self.state_label,
            self.backlog_label,
            self.quarantine_label,
            self.last_label,
            self.skew_label,
        )
        return [label.text() for label in labels if label.isVisibleTo(self)]

    # --- clicking ------------------------------------------------------------------------------

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            event.accept()
            return
        super().keyPressEvent(event)
