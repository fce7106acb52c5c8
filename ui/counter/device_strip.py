"""The devices part of the status bar: every device's state, shortened when space runs out.

A station may use eight devices; with a large ``ui.font_scale`` their full states ("身份证阅读器：
就绪 …") no longer fit beside the other status fields, and a status bar that insists on its width
pushes the window wider than the screen. So the strip shows the full list when it fits and a
summary otherwise ("设备：8 台就绪", "设备：身份证阅读器未连接，7 台就绪", "设备：2 台需处理，6 台就绪"),
always with the full list in its tooltip. The summary's width is bounded, so it can always fit.
A device that needs attention is red and bold in both forms, so it does not rely on colour alone.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import QResizeEvent, QTextDocument
from PySide6.QtWidgets import QLabel, QWidget

from devices.manager import DeviceStatus
from ui import core_labels

#: States that need no attention.
NORMAL_STATES = frozenset({"ready", "busy"})
PROBLEM_STYLE = "color:#b00020;font-weight:bold"
SEPARATOR = "&nbsp;" * 3  # rich text collapses ordinary (and CJK) spaces; non-breaking ones stay


def device_text(status: DeviceStatus) -> str:
    """ "身份证阅读器：就绪" — the kind's name and its state; details go to the tooltip."""
    return QCoreApplication.translate("DeviceStrip", "{kind}：{state}").format(
        kind=core_labels.device_kind(status.kind), state=core_labels.device_state(status.state)
    )


def _marked(text: str, problem: bool) -> str:
    escaped = html.escape(text)
    return f'<span style="{PROBLEM_STYLE}">{escaped}</span>' if problem else escaped


class DeviceStrip(QLabel):
    """One label listing the devices in use; kinds set to "none" (state "absent") are left out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_devices")
        self.setTextFormat(Qt.TextFormat.RichText)
        # Spare width goes to the left, so the summary stays next to the fields that follow it.
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._statuses: dict[str, DeviceStatus] = {}
        self.compact = False

    def show_device(self, status: DeviceStatus) -> None:
        if status.state == "absent":
            self._statuses.pop(status.kind, None)
        else:
            self._statuses[status.kind] = status
        tip = QCoreApplication.translate("DeviceStrip", "{message}（驱动：{driver}）")
        lines = (tip.format(message=s.message, driver=s.driver) for s in self._statuses.values())
        self.setToolTip("\n".join(lines))
        self._refresh()

    def device_texts(self) -> list[str]:
        """Each device's state as the full form shows it, in the order devices first reported."""
        return [device_text(status) for status in self._statuses.values()]

    def problems(self) -> list[DeviceStatus]:
        return [s for s in self._statuses.values() if s.state not in NORMAL_STATES]

    def full_html(self) -> str:
        return SEPARATOR.join(
            _marked(device_text(s), s.state not in NORMAL_STATES) for s in self._statuses.values()
        )

    def compact_html(self) -> str:
        if not self._statuses:
            return ""
        problems = self.problems()
        fine = len(self._statuses) - len(problems)
        if not problems:
            return html.escape(QCoreApplication.translate("DeviceStrip", "设备：{n} 台就绪").format(n=fine))
        if len(problems) == 1:
            problem = problems[0]
            named = QCoreApplication.translate("DeviceStrip", "{kind}{state}").format(
                kind=core_labels.device_kind(problem.kind), state=core_labels.device_state(problem.state)
            )
        else:
            # Names would make the summary as long as the list.
            named = QCoreApplication.translate("DeviceStrip", "{n} 台需处理").format(n=len(problems))
        rest = QCoreApplication.translate("DeviceStrip", "，{n} 台就绪").format(n=fine) if fine else ""
        heading = QCoreApplication.translate("DeviceStrip", "设备：")
        return html.escape(heading) + _marked(named, True) + html.escape(rest)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self._html_width(self.compact_html()), hint.height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self._html_width(self.full_html()), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refresh()

    def _refresh(self) -> None:
        self.compact = self.width() < self._html_width(self.full_html()) and self.isVisible()
        text = self.compact_html() if self.compact else self.full_html()
        if text != self.text():
            self.setText(text)
            self.updateGeometry()

    def _html_width(self, text: str) -> int:
        document = QTextDocument()
        document.setDefaultFont(self.font())
        document.setDocumentMargin(0)
        document.setHtml(text)
        return int(document.idealWidth()) + 2 * self.margin() + 1
