"""The KPI bar chart on QtCharts (imported only when this PySide6 build ships it)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from ui.supervisor.bar_chart import SERIES_COLOURS, Series


class QtChartsBarChart(QChartView):
    """Grouped bars with a category axis and a value axis starting at zero."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.labels: list[str] = []
        self.series: list[tuple[str, list[float]]] = []
        self.setChart(QChart())

    def set_data(self, labels: Sequence[str], series: Series, *, title: str = "") -> None:
        self.labels = list(labels)
        self.series = [(name, [float(v) for v in values]) for name, values in series]
        chart = QChart()
        chart.setTitle(title)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        bars = QBarSeries()
        for s, (name, values) in enumerate(self.series):
            bar_set = QBarSet(name)
            bar_set.setColor(QColor(SERIES_COLOURS[s % len(SERIES_COLOURS)]))
            bar_set.append(values)
            bars.append(bar_set)
        chart.addSeries(bars)
        x_axis = QBarCategoryAxis()
        x_axis.append(self.labels)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        bars.attachAxis(x_axis)
        y_axis = QValueAxis()
        y_axis.setLabelFormat("%d")
        y_axis.setRange(0, max(1.0, self.max_value()))
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(y_axis)
        old = self.chart()
        self.setChart(chart)  # the view owns the new chart; the old one is ours to delete
        if old is not None:
            old.deleteLater()

    def max_value(self) -> float:
        return max((v for _name, values in self.series for v in values), default=0.0)
