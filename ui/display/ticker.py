"""滚动通知: the notice line that scrolls right to left along the bottom of the calling board."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

FRAME_MS = 30
#: Scrolling speed as a share of the widget's height per frame, so a bigger TV scrolls as fast to the eye.
STEP_PER_HEIGHT = 0.05
GAP = "　　　　"  # ideographic spaces between repeats of the text


class NoticeTicker(QWidget):
    """Paints ``text`` moving left; starts with :meth:`start`, stops with :meth:`stop` (or on close)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice_ticker")
        self._text = text
        self._offset = 0.0
        self._colour = QColor("#ffffff")
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._advance)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text
        self._offset = 0.0
        self.update()

    def set_colour(self, colour: QColor) -> None:
        self._colour = colour
        self.update()

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _advance(self) -> None:
        self._offset += max(1.0, self.height() * STEP_PER_HEIGHT)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setFont(self.font())
        painter.setPen(self._colour)
        metrics = QFontMetrics(self.font())
        period = metrics.horizontalAdvance(self._text + GAP)
        if period <= 0:
            return
        # Repeat the text so the line is never empty while one copy scrolls out and the next comes in.
        # Starts at the left edge (readable at once, also in a screenshot); copies follow at a fixed pitch.
        x = -(self._offset % period)
        baseline = (self.height() + metrics.ascent() - metrics.descent()) // 2
        while x < self.width():
            painter.drawText(int(x), baseline, self._text + GAP)
            x += period
        painter.end()
