"""The counter's status bar: station, window, each device's state, platform link and sync backlog.

Everything here is display only; the window feeds it from ops results and device notices.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.services.status import CounterStatus
from devices.manager import DeviceStatus
from ui.counter.device_strip import DeviceStrip

PLATFORM_URL_KEY = "platform.url"


class CounterStatusBar(QStatusBar):
    """Permanent fields on the right; op progress (or a key hint) on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counter_status_bar")
        self.station_label = self._label("status_station", "站点：—")
        self.window_label = self._label("status_window", "窗口：—")
        self.devices = DeviceStrip()
        self.platform_label = self._label("status_platform", "平台：未配置")
        self.outbox_label = self._label("status_outbox", "待同步 — 件")
        # A normal (left) widget: QStatusBar hides it while a progress message is shown.
        self.hint_label = self._label("status_hint", "按 F12 查看快捷键")
        self.addWidget(self.hint_label)
        for widget in (
            self.station_label,
            self.window_label,
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
        self.window_label.setText(f"{status.window_number} 号窗口")
        self.outbox_label.setText(f"待同步 {status.pending_outbox} 件")
        self.outbox_label.setToolTip(f"今日办件 {status.cases_today} 件")

    def show_platform(self, url: str) -> None:
        """No platform address means this station works alone; with one, sync is not running yet."""
        if url:
            self.platform_label.setText("平台：离线")
            self.platform_label.setToolTip(f"{url}\n尚未与平台同步")
        else:
            self.platform_label.setText("平台：未配置")
            self.platform_label.setToolTip("配置文件中未填写平台地址，本机单机运行")

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
