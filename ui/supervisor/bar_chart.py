"""Grouped bar charts for the KPI view: QtCharts when this PySide6 build has it, else a QPainter widget.

Some distribution builds of PySide6 leave QtCharts out; the painter chart draws the same groups so
the view works everywhere. Both take :meth:`set_data` (group labels, then (series name, values)).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

SERIES_COLOURS = ("#1565c0", "#2e7d32", "#c62828", "#ef6c00", "#6a1b9a")
Series = Sequence[tuple[str, Sequence[float]]]


class PainterBarChart(QWidget):
    """A plain grouped bar chart: one group per label, one bar per series, a legend on top."""

    MARGIN = 36
    LEGEND_H = 24

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.series: list[tuple[str, list[float]]] = []
        self.title = ""
        self.setMinimumHeight(220)

    def set_data(self, labels: Sequence[str], series: Series, *, title: str = "") -> None:
        self.labels = list(labels)
        self.series = [(name, [float(v) for v in values]) for name, values in series]
        self.title = title
        self.update()

    def max_value(self) -> float:
        return max((v for _name, values in self.series for v in values), default=0.0)

    def bar_rects(self) -> list[list[QRectF]]:
        """Where each bar goes, per series (for painting and tests)."""
        if not self.labels or not self.series:
            return []
        top = self.MARGIN + self.LEGEND_H
        bottom = self.height() - self.MARGIN
        left, right = self.MARGIN + 24, self.width() - self.MARGIN
        group_w = (right - left) / len(self.labels)
        bar_w = group_w * 0.8 / len(self.series)
        scale = (bottom - top) / (self.max_value() or 1.0)
        rects: list[list[QRectF]] = []
        for s, (_name, values) in enumerate(self.series):
            row = []
            for g, value in enumerate(values):
                x = left + g * group_w + group_w * 0.1 + s * bar_w
                h = value * scale
                row.append(QRectF(x, bottom - h, bar_w, h))
            rects.append(row)
        return rects

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor("white"))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.drawText(
                QRectF(0, 4, self.width(), self.MARGIN - 8), Qt.AlignmentFlag.AlignCenter, self.title
            )
            x = float(self.MARGIN)
            for s, (name, _values) in enumerate(self.series):
                colour = QColor(SERIES_COLOURS[s % len(SERIES_COLOURS)])
                painter.fillRect(QRectF(x, self.MARGIN + 4, 14, 14), colour)
                painter.setPen(QPen(QColor("#263238")))
                painter.drawText(QRectF(x + 18, self.MARGIN, 120, 22), Qt.AlignmentFlag.AlignVCenter, name)
                x += 30 + painter.fontMetrics().horizontalAdvance(name)
            bottom = self.height() - self.MARGIN
            painter.setPen(QPen(QColor("#90a4ae")))
            painter.drawLine(self.MARGIN + 24, bottom, self.width() - self.MARGIN, bottom)
            painter.drawText(
                QRectF(0, self.MARGIN + self.LEGEND_H - 8, self.MARGIN + 20, 16),
                Qt.AlignmentFlag.AlignRight,
                f"{self.max_value():g}",
            )
            rects = self.bar_rects()
            for s, row in enumerate(rects):
                colour = QColor(SERIES_COLOURS[s % len(SERIES_COLOURS)])
                for rect in row:
                    painter.fillRect(rect, colour)
            if rects:
                group_w = (self.width() - 2 * self.MARGIN - 24) / len(self.labels)
                painter.setPen(QPen(QColor("#263238")))
                for g, label in enumerate(self.labels):
                    cell = QRectF(self.MARGIN + 24 + g * group_w, bottom + 2, group_w, self.MARGIN - 4)
                    painter.drawText(cell, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)
        finally:
            painter.end()


def qtcharts_available() -> bool:
    try:
        from PySide6 import QtCharts  # noqa: F401
    except ImportError:
        return False
    return True


def make_bar_chart(parent: QWidget | None = None, *, prefer_qtcharts: bool = True) -> QWidget:
    """A chart widget with ``set_data``; QtCharts when available and preferred."""
    if prefer_qtcharts and qtcharts_available():
        from ui.supervisor.qtcharts_bars import QtChartsBarChart

        return QtChartsBarChart(parent)
    log.info("QtCharts not available; drawing KPI bars with QPainter")
    return PainterBarChart(parent)
