"""The counter's status bar: station, window, each device's state, platform link and sync backlog.

Everything here is display only; the window feeds it from ops results and device notices.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

from app.services.status import CounterStatus
from devices.kinds import kind_name
from devices.manager import STATE_NAMES, DeviceStatus

PLATFORM_URL_KEY = "platform.url"
#: States that need no attention; the others are drawn in PROBLEM_COLOR.
NORMAL_STATES = frozenset({"ready", "busy"})
PROBLEM_COLOR = QColor(176, 0, 32)


def device_text(status: DeviceStatus) -> str:
    """ "身份证阅读器：就绪" — the kind's Chinese name and its state; details go to the tooltip."""
    return f"{kind_name(status.kind)}：{STATE_NAMES[status.state]}"


class CounterStatusBar(QStatusBar):
    """Permanent labels on the right, op progress as a transient message on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counter_status_bar")
        self.station_label = self._label("status_station", "站点：—")
        self.window_label = self._label("status_window", "窗口：—")
        # One container keeps the device labels together, between the window number and the
        # platform, in the order devices first report.
        self.devices_area = QWidget()
        self.devices_area.setObjectName("status_devices")
        self._devices_layout = QHBoxLayout(self.devices_area)
        self._devices_layout.setContentsMargins(0, 0, 0, 0)
        self.device_labels: dict[str, QLabel] = {}
        self.platform_label = self._label("status_platform", "平台：未配置")
        self.outbox_label = self._label("status_outbox", "待同步 — 件")
        for widget in (
            self.station_label,
            self.window_label,
            self.devices_area,
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
        """Show or update one device; kinds this station does not use ("none") stay out of the bar."""
        label = self.device_labels.get(status.kind)
        if status.state == "absent":
            if label is not None:
                label.hide()
            return
        if label is None:
            label = self._label(f"status_device_{status.kind}", "")
            self.device_labels[status.kind] = label
            self._devices_layout.addWidget(label)
        label.setText(device_text(status))
        label.setToolTip(f"{status.message}\n驱动：{status.driver}")
        # A device needing attention is red and bold, so it does not rely on colour alone.
        problem = status.state not in NORMAL_STATES
        palette = self.palette()
        if problem:
            palette.setColor(QPalette.ColorRole.WindowText, PROBLEM_COLOR)
        label.setPalette(palette)
        font = label.font()
        font.setBold(problem)
        label.setFont(font)
        label.show()

    def device_texts(self) -> list[str]:
        """What the bar shows for each device in use, left to right."""
        return [label.text() for label in self.device_labels.values() if not label.isHidden()]

    def show_progress(self, text: str) -> None:
        if text:
            self.showMessage(text)
        else:
            self.clearMessage()
