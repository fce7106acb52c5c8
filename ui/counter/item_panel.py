"""办件 panel: find the service item (事项) to file a case for.

Typing filters the catalog by name, implementation code, department or pinyin initials ("jzgc" →
建筑工程施工许可). Searches run as ops after a short pause in typing, so a fast typist does not
queue one query per key; a result that arrives after a newer query was started is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.services.catalog import ItemSummary
from ui.counter.operations import search_catalog
from ui.ops import OpRunner

SEARCH_PAUSE_MS = 200
SEARCH_HINT = "输入事项名称、编码、部门或拼音首字母，如 jzgc"
COLUMNS = ("事项名称", "实施部门", "承诺时限")


#: 承诺办结时限单位 codes (the platform exchange's PROMISETIMEUNIT); see reference/gov-domain.md §1.6.
LIMIT_UNIT_LABELS = {"1": "个工作日", "2": "天", "3": "小时", "4": "分钟", "5": "个月"}


def promised_limit_text(item: ItemSummary) -> str:
    """ "20 个工作日" or "即办" — how long the hall promises to take."""
    if item.promised_limit <= 0:
        return "即办"
    unit = LIMIT_UNIT_LABELS.get(item.promised_limit_unit, item.promised_limit_unit)
    return f"{item.promised_limit} {unit}"


class _SearchBox(QLineEdit):
    """Down arrow moves into the result list, so the keyboard never has to leave the home row."""

    move_to_results = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.move_to_results.emit()
            return
        super().keyPressEvent(event)


class ItemPanel(QGroupBox):
    """Search box and result list; emits the chosen item."""

    item_did_select = Signal(object)  # ItemSummary
    results_did_load = Signal(int)  # number of items listed

    def __init__(self, ctx: AppContext, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__("办件", parent)
        self.setObjectName("item_panel")
        self._ctx = ctx
        self._runner = runner
        self._generation = 0
        self._items: list[ItemSummary] = []

        self.search_box = _SearchBox()
        self.search_box.setObjectName("item_search")
        self.search_box.setPlaceholderText(SEARCH_HINT)
        self.search_box.setClearButtonEnabled(True)
        self.results = QTreeWidget()
        self.results.setObjectName("item_results")
        self.results.setHeaderLabels(list(COLUMNS))
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(True)
        self.results.setAlternatingRowColors(True)
        header = self.results.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = QLabel()
        self.summary.setObjectName("item_summary")

        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(SEARCH_PAUSE_MS)
        self._pause.timeout.connect(self._search_now)
        self.search_box.textChanged.connect(lambda _text: self._pause.start())
        self.search_box.returnPressed.connect(self._search_now)
        self.search_box.move_to_results.connect(self._focus_results)
        self.results.currentItemChanged.connect(self._current_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.summary)

    def search(self, query: str) -> None:
        """Start a search for ``query`` now (the box shows what is searched for)."""
        self._pause.stop()
        self._generation += 1
        generation = self._generation
        op = search_catalog(self._ctx, query.strip())
        op.success(lambda items: self._show(generation, items)).with_progress("正在查找事项…")
        self._runner.start(op)

    def listed_items(self) -> list[ItemSummary]:
        """The items the list shows, top to bottom."""
        return list(self._items)

    def listed_names(self) -> list[str]:
        return [item.name for item in self._items]

    def _search_now(self) -> None:
        self.search(self.search_box.text())

    def _show(self, generation: int, items: list[ItemSummary]) -> None:
        if generation != self._generation:
            return  # a newer query is on its way; showing this one would flicker
        self._items = list(items)
        self.results.clear()
        for item in self._items:
            row = QTreeWidgetItem([item.name, item.department, promised_limit_text(item)])
            row.setToolTip(0, f"{item.name}\n实施编码：{item.impl_code}")
            self.results.addTopLevelItem(row)
        self.summary.setText(
            f"找到 {len(self._items)} 个事项" if self._items else "没有找到事项，请换个关键词"
        )
        self.results_did_load.emit(len(self._items))

    def _focus_results(self) -> None:
        first = self.results.topLevelItem(0)
        if first is not None:
            self.results.setFocus()
            if self.results.currentItem() is None:
                self.results.setCurrentItem(first)

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is None:
            return
        index = self.results.indexOfTopLevelItem(current)
        if 0 <= index < len(self._items):
            self.item_did_select.emit(self._items[index])
