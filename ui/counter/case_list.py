"""CaseListWindow (办件列表, Ctrl+L): every case of this station, searchable and filtered.

The search box takes a case number, a name, a masked or full ID number (a full one is matched by
blind index in the core) or a phone number; the filter buttons narrow to 今天, 待补正, 超期预警, 可出件
or 未同步. Rows due soon are yellow and overdue ones red, and say so in words as well, so the
warning does not depend on telling colours apart. Double-click (or Enter) opens the case's detail.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.clock import LOCAL_TZ
from app.context import AppContext
from app.services.cases import FILTER_LABELS, CaseRow
from devices.manager import DeviceManager
from ui import core_labels
from ui.counter.case_detail import CaseDetailDialog
from ui.counter.case_operations import find_cases
from ui.counter.visit import Visit
from ui.ops import Changes, OpRunner

# Chinese source strings of the "CaseListWindow" translation context.
WINDOW_TITLE = str(QT_TRANSLATE_NOOP("CaseListWindow", "一窗 · 办件列表"))
OPEN_KEY = "Ctrl+L"
SEARCH_PAUSE_MS = 250
SEARCH_HINT = str(QT_TRANSLATE_NOOP("CaseListWindow", "输入办件编号、姓名、证件号码或手机号查找"))
COLUMNS = (
    str(QT_TRANSLATE_NOOP("CaseListWindow", "办件编号")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "事项")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "申请人")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "证件号码")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "手机号")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "状态")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "收件时间")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "承诺办结日")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "同步")),
)
FILTERS = ("all", "today", "correction", "overdue", "result_ready", "unsynced")
OVERDUE_COLOURS = {"yellow": "#fff3b0", "red": "#ffcdd2"}
OVERDUE_WORDS = {
    "yellow": str(QT_TRANSLATE_NOOP("CaseListWindow", "（即将到期）")),
    "red": str(QT_TRANSLATE_NOOP("CaseListWindow", "（已超期）")),
}
SYNCED = str(QT_TRANSLATE_NOOP("CaseListWindow", "已同步"))
UNSYNCED = str(QT_TRANSLATE_NOOP("CaseListWindow", "未同步"))
#: The core's filter labels, marked for translation in this context.
FILTER_TEXTS = (
    str(QT_TRANSLATE_NOOP("CaseListWindow", "全部")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "今天")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "待补正")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "超期预警")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "可出件")),
    str(QT_TRANSLATE_NOOP("CaseListWindow", "未同步")),
)


def _tr(text: str) -> str:
    """``text`` (marked in the "CaseListWindow" context) in the interface language."""
    return QCoreApplication.translate("CaseListWindow", text)


def row_texts(row: CaseRow) -> list[str]:
    """The cells of one case in column order."""
    received = row.received_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if row.received_at else ""
    promised = ""
    if row.promised_date is not None:
        promised = row.promised_date.isoformat()
        if row.promised_provisional:
            promised += QCoreApplication.translate("CaseListWindow", "（暂定）")
        if row.overdue_level in OVERDUE_WORDS:
            promised += _tr(OVERDUE_WORDS[row.overdue_level])
    return [
        row.local_number,
        row.title,
        row.applicant_name,
        row.applicant_id_masked,
        row.mobile_masked,
        core_labels.case_state(row.state_label),
        received,
        promised,
        _tr(SYNCED if row.synced else UNSYNCED),
    ]


class CaseListWindow(QWidget):
    """A top-level window over ``app.services.cases.search_cases``; refreshes when cases change."""

    case_did_open = Signal(int)  # case id, when its detail window opens
    rows_did_load = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        visit: Visit,
        devices: DeviceManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("case_list")
        self.setWindowTitle(self.tr(WINDOW_TITLE))
        self._ctx = ctx
        self._runner = runner
        self._visit = visit
        self._devices = devices
        self._generation = 0
        self._rows: list[CaseRow] = []
        self.filter_key = "all"
        self.detail: CaseDetailDialog | None = None

        self.search_box = QLineEdit()
        self.search_box.setObjectName("case_search")
        self.search_box.setPlaceholderText(self.tr(SEARCH_HINT))
        self.search_box.setClearButtonEnabled(True)
        self.filter_buttons: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        filters = QHBoxLayout()
        for key in FILTERS:
            button = QPushButton(self.tr(FILTER_LABELS[key]))
            button.setObjectName(f"filter_{key}")
            button.setCheckable(True)
            button.clicked.connect(lambda _checked=False, k=key: self.set_filter(k))
            group.addButton(button)
            filters.addWidget(button)
            self.filter_buttons[key] = button
        filters.addStretch(1)
        self.filter_buttons["all"].setChecked(True)

        self.table = QTreeWidget()
        self.table.setObjectName("case_table")
        self.table.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(False)  # row colour carries the overdue warning
        header = self.table.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.summary = QLabel()
        self.summary.setObjectName("case_summary")

        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(SEARCH_PAUSE_MS)
        self._pause.timeout.connect(self.refresh)
        self.search_box.textChanged.connect(lambda _text: self._pause.start())
        self.search_box.returnPressed.connect(self.refresh)
        self.table.itemActivated.connect(self._activated)
        runner.operation_did_execute.connect(self._operation_executed)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.resize(1200, 640)
        self.refresh()

    def set_filter(self, key: str) -> None:
        if key not in FILTER_LABELS:
            raise KeyError(key)
        self.filter_key = key
        self.filter_buttons[key].setChecked(True)
        self.refresh()

    def refresh(self) -> None:
        """Search now with the box's text and the chosen filter."""
        self._pause.stop()
        self._generation += 1
        generation = self._generation
        op = find_cases(self._ctx, self.search_box.text().strip(), self.filter_key)
        self._runner.start(
            op.success(lambda rows: self._show(generation, rows)).with_progress(self.tr("正在查找办件…"))
        )

    def listed_rows(self) -> list[CaseRow]:
        return list(self._rows)

    def row_colour(self, index: int) -> str:
        """The background colour name of row ``index`` ("" when it has none)."""
        item = self.table.topLevelItem(index)
        if item is None:
            raise IndexError(index)
        brush = item.background(0)
        return brush.color().name() if brush.style() != Qt.BrushStyle.NoBrush else ""

    def open_case(self, case_id: int) -> CaseDetailDialog:
        """Open the detail window of ``case_id`` (one at a time)."""
        if self.detail is not None:
            self.detail.close()
        self.detail = CaseDetailDialog(self._ctx, self._runner, self._visit, self._devices, case_id, self)
        self.detail.show()
        self.case_did_open.emit(case_id)
        return self.detail

    def _show(self, generation: int, rows: list[CaseRow]) -> None:
        if generation != self._generation:
            return
        self._rows = list(rows)
        self.table.clear()
        for row in self._rows:
            item = QTreeWidgetItem(row_texts(row))
            colour = OVERDUE_COLOURS.get(row.overdue_level)
            if colour:
                brush = QBrush(QColor(colour))
                for column in range(len(COLUMNS)):
                    item.setBackground(column, brush)
                    item.setForeground(column, QBrush(QColor("#000000")))
            self.table.addTopLevelItem(item)
        label = self.tr(FILTER_LABELS[self.filter_key])
        if self._rows:
            self.summary.setText(self.tr("{filter}：共 {n} 件").format(filter=label, n=len(self._rows)))
        else:
            self.summary.setText(self.tr("{filter}：没有办件").format(filter=label))
        self.rows_did_load.emit(len(self._rows))

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        index = self.table.indexOfTopLevelItem(item)
        if 0 <= index < len(self._rows):
            self.open_case(self._rows[index].id)

    def showEvent(self, event: QShowEvent) -> None:
        if self._rows or self._generation:
            self.refresh()  # cases may have changed while the list was hidden
        super().showEvent(event)

    def _operation_executed(self, changes: Changes) -> None:
        if (changes.cases or changes.outbox) and self.isVisible():
            self.refresh()
