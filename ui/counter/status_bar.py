"""The counter's status bar: station, window, clerk, each device's state, platform link and sync backlog.

Everything here is display only; the window feeds it from ops results and device notices, and
refreshes the 待同步 count every :data:`STATUS_REFRESH_MS` and after any op that changed cases or
the outbox.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.services.actor import Actor
from app.services.status import CounterStatus
from devices.manager import DeviceStatus
from ui.counter.device_strip import DeviceStrip
from ui.i18n import role_label

PLATFORM_URL_KEY = "platform.url"
STATUS_REFRESH_MS = 10_000


class CounterStatusBar(QStatusBar):
    """Permanent fields on the right; op progress (or a key hint) on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counter_status_bar")
        self.station_label = self._label("status_station", self.tr("站点：—"))
        self.window_label = self._label("status_window", self.tr("窗口：—"))
        self.clerk_label = self._label("status_clerk", "")
        self.devices = DeviceStrip()
        self.platform_label = self._label("status_platform", self.tr("平台：未配置"))
        self.outbox_label = self._label("status_outbox", self.tr("待同步 — 件"))
        # A normal (left) widget: QStatusBar hides it while a progress message is shown.
        self.hint_label = self._label("status_hint", self.tr("按 F12 查看快捷键"))
        self.addWidget(self.hint_label)
        for widget in (
            self.station_label,
            self.window_label,
            self.clerk_label,
            self.devices,
            self.platform_label,
            self.outbox_label,
        ):
            self.addPermanentWidget(widget)

    @staticmethod
    def _label(name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        return label

    def show_counter_status(self, status: CounterStatus) -> None:
        self.station_label.setText(status.station_name)
        self.window_label.setText(self.tr("{n} 号窗口").format(n=status.window_number))
        self.outbox_label.setText(self.tr("待同步 {n} 件").format(n=status.pending_outbox))
        self.outbox_label.setToolTip(self.tr("今日办件 {n} 件").format(n=status.cases_today))

    def show_clerk(self, actor: Actor) -> None:
        """Who is signed in: "王小窗（窗口人员）"."""
        name = actor.display_name or actor.username
        self.clerk_label.setText(self.tr("{name}（{role}）").format(name=name, role=role_label(actor.role)))
        self.clerk_label.setToolTip(self.tr("账号：{username}").format(username=actor.username))

    def show_platform(self, url: str) -> None:
        """No platform address means this station works alone; with one, sync is not running yet."""
        if url:
            self.platform_label.setText(self.tr("平台：离线"))
            self.platform_label.setToolTip(self.tr("{url}\n尚未与平台同步").format(url=url))
        else:
            self.platform_label.setText(self.tr("平台：未配置"))
            self.platform_label.setToolTip(self.tr("配置文件中未填写平台地址，本机单机运行"))

    def show_device(self, status: DeviceStatus) -> None:
        self.devices.show_device(status)

    def device_texts(self) -> list[str]:
        """Each device in use as "名称：状态", in the order devices first reported."""
        return self.devices.device_texts()

    def show_progress(self, text: str) -> None:
        if text:
            self.showMessage(text)
        else:
            self.clearMessage()
