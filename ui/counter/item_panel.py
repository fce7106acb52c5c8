"""办件 panel: find the service item (事项) or 一件事 bundle to file a case for.

Typing filters the catalog by name, implementation code, department or pinyin initials ("jzgc" →
建筑工程施工许可), and the bundles by their names and their items' names. Searches run as ops after
a short pause in typing, so a fast typist does not queue one query per key; a result that arrives
after a newer query was started is dropped. Choosing a row sets ``visit.item_impl_code`` or
``visit.bundle_code`` (the other one is cleared); once the visit has a case the choice is locked.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.services.catalog import BundleSummary, ItemSummary
from devices.manager import DeviceManager
from ui.counter.case_operations import LIMIT_UNIT_LABELS, limit_text, search_bundles
from ui.counter.operations import search_catalog
from ui.counter.visit import Visit
from ui.ops import OpRunner

SEARCH_PAUSE_MS = 200
# Texts are Chinese source strings, translated with self.tr() in the ItemPanel context.
SEARCH_HINT = str(QT_TRANSLATE_NOOP("ItemPanel", "输入事项名称、编码、部门或拼音首字母，如 jzgc"))
COLUMNS = (
    str(QT_TRANSLATE_NOOP("ItemPanel", "事项名称")),
    str(QT_TRANSLATE_NOOP("ItemPanel", "实施部门")),
    str(QT_TRANSLATE_NOOP("ItemPanel", "承诺时限")),
)
BUNDLE_COLUMNS = (
    str(QT_TRANSLATE_NOOP("ItemPanel", "一件事")),
    str(QT_TRANSLATE_NOOP("ItemPanel", "包含事项")),
)
ITEMS_TAB = str(QT_TRANSLATE_NOOP("ItemPanel", "单项事项"))
BUNDLES_TAB = str(QT_TRANSLATE_NOOP("ItemPanel", "一件事"))
LOCKED_HINT = str(
    QT_TRANSLATE_NOOP(
        "ItemPanel", "本次办事已建立办件，不能更换事项；如需办理其他事项，请办完后叫下一位或重新开始。"
    )
)
#: Below this width the result list hides the department column.
NARROW_WIDTH = 420

__all__ = ["LIMIT_UNIT_LABELS", "ItemPanel", "promised_limit_text"]


def promised_limit_text(item: ItemSummary) -> str:
    """ "20 个工作日" or "即办" — how long the hall promises to take."""
    return limit_text(item.promised_limit, item.promised_limit_unit)


class _SearchBox(QLineEdit):
    """Down arrow moves into the result list, so the keyboard never has to leave the home row."""

    move_to_results = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.move_to_results.emit()
            return
        super().keyPressEvent(event)


class _ResultTree(QTreeWidget):
    """A result list that drops its middle column when too narrow to show the names beside it.

    In the counter's narrow 办件 column a long department name would squeeze the item names to
    "个…"; the department is still in each row's tooltip and in the 办事指南.
    """

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self.columnCount() > 2:
            self.setColumnHidden(1, event.size().width() < NARROW_WIDTH)
        super().resizeEvent(event)


def _tree(columns: tuple[str, ...], name: str) -> QTreeWidget:
    tree = _ResultTree()
    tree.setObjectName(name)
    tree.setHeaderLabels([QCoreApplication.translate("ItemPanel", c) for c in columns])
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(True)
    tree.setAlternatingRowColors(True)
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(columns)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return tree


class ItemPanel(QGroupBox):
    """Search box, the matching items and the matching 一件事 bundles; emits and records the choice.

    ``visit`` may be None only for a bare search widget (nothing is recorded then).
    """

    item_did_select = Signal(object)  # ItemSummary
    bundle_did_select = Signal(object)  # BundleSummary
    results_did_load = Signal(int)  # number of items listed

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        visit: Visit | None = None,
        devices: DeviceManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("办件"))
        self.setObjectName("item_panel")
        self._ctx = ctx
        self._runner = runner
        self._visit = visit
        self._generation = 0
        self._items: list[ItemSummary] = []
        self._bundles: list[BundleSummary] = []

        self.search_box = _SearchBox()
        self.search_box.setObjectName("item_search")
        self.search_box.setPlaceholderText(self.tr(SEARCH_HINT))
        self.search_box.setClearButtonEnabled(True)
        self.results = _tree(COLUMNS, "item_results")
        self.bundle_results = _tree(BUNDLE_COLUMNS, "bundle_results")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("item_tabs")
        self.tabs.addTab(self.results, self.tr(ITEMS_TAB))
        self.tabs.addTab(self.bundle_results, self.tr(BUNDLES_TAB))
        self.summary = QLabel()
        self.summary.setObjectName("item_summary")
        self.summary.setWordWrap(True)

        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(SEARCH_PAUSE_MS)
        self._pause.timeout.connect(self._search_now)
        self.search_box.textChanged.connect(lambda _text: self._pause.start())
        self.search_box.returnPressed.connect(self._search_now)
        self.search_box.move_to_results.connect(self._focus_results)
        self.results.currentItemChanged.connect(self._current_changed)
        self.bundle_results.currentItemChanged.connect(self._bundle_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.summary)

    def search(self, query: str) -> None:
        """Start a search for ``query`` now (the box shows what is searched for)."""
        self._pause.stop()
        self._generation += 1
        generation = self._generation
        text = query.strip()
        op = search_catalog(self._ctx, text)
        op.success(lambda items: self._show(generation, items)).with_progress(self.tr("正在查找事项…"))
        self._runner.start(op)
        self._runner.start(
            search_bundles(self._ctx, text).success(lambda b: self._show_bundles(generation, b))
        )

    def listed_items(self) -> list[ItemSummary]:
        """The items the list shows, top to bottom."""
        return list(self._items)

    def listed_names(self) -> list[str]:
        return [item.name for item in self._items]

    def listed_bundles(self) -> list[BundleSummary]:
        return list(self._bundles)

    def choose_bundle(self, code: str) -> None:
        """Select the listed bundle ``code`` (as a click on its row does)."""
        for index, bundle in enumerate(self._bundles):
            if bundle.code == code:
                row = self.bundle_results.topLevelItem(index)
                if row is not None:
                    self.tabs.setCurrentWidget(self.bundle_results)
                    self.bundle_results.setCurrentItem(row)
                return
        raise KeyError(code)

    def _search_now(self) -> None:
        self.search(self.search_box.text())

    def _show(self, generation: int, items: list[ItemSummary]) -> None:
        if generation != self._generation:
            return  # a newer query is on its way; showing this one would flicker
        self._items = list(items)
        self.results.clear()
        for item in self._items:
            row = QTreeWidgetItem([item.name, item.department, promised_limit_text(item)])
            tip = self.tr("{name}\n{department}\n实施编码：{code}").format(
                name=item.name, department=item.department, code=item.impl_code
            )
            for column in range(len(COLUMNS)):
                row.setToolTip(column, tip)
            self.results.addTopLevelItem(row)
        chosen = self._visit.item_impl_code if self._visit is not None else None
        self._keep_choice(self.results, [item.impl_code for item in self._items], chosen)
        self._update_summary()
        self.results_did_load.emit(len(self._items))

    def _show_bundles(self, generation: int, bundles: list[BundleSummary]) -> None:
        if generation != self._generation:
            return
        self._bundles = list(bundles)
        self.bundle_results.clear()
        for bundle in self._bundles:
            row = QTreeWidgetItem([bundle.name, self.tr("{n} 项").format(n=len(bundle.item_names))])
            row.setToolTip(0, "\n".join([bundle.name, *(f"· {name}" for name in bundle.item_names)]))
            self.bundle_results.addTopLevelItem(row)
        chosen = self._visit.bundle_code if self._visit is not None else None
        self._keep_choice(self.bundle_results, [bundle.code for bundle in self._bundles], chosen)
        self.tabs.setTabText(1, self.tr("一件事（{n}）").format(n=len(self._bundles)))
        self._update_summary()

    def _keep_choice(self, tree: QTreeWidget, codes: list[str], chosen: str | None) -> None:
        """After new results: mark the visit's choice when it is listed, forget it when it is not.

        A choice the list no longer shows is dropped from the visit, so the guide and the checklist
        never describe an item the clerk cannot see; once a case is open the item is locked and kept.
        """
        if chosen is None or self._visit is None:
            return
        row = tree.topLevelItem(codes.index(chosen)) if chosen in codes else None
        if row is not None:
            tree.blockSignals(True)  # the visit holds this choice already; nothing to announce
            tree.setCurrentItem(row)
            tree.blockSignals(False)
        elif self._visit.case is None:
            if tree is self.results:
                self._visit.item_impl_code = None
            else:
                self._visit.bundle_code = None

    def _update_summary(self) -> None:
        if not self._items and not self._bundles:
            self.summary.setText(self.tr("没有找到事项，请换个关键词"))
            return
        text = self.tr("找到 {n} 个事项").format(n=len(self._items))
        if self._bundles:
            text += self.tr("、{n} 个“一件事”").format(n=len(self._bundles))
        self.summary.setText(text)

    def _focus_results(self) -> None:
        tree = self.results if self.tabs.currentWidget() is self.results else self.bundle_results
        first = tree.topLevelItem(0)
        if first is not None:
            tree.setFocus()
            if tree.currentItem() is None:
                tree.setCurrentItem(first)

    def _locked(self) -> bool:
        if self._visit is not None and self._visit.case is not None:
            self.summary.setText(self.tr(LOCKED_HINT))
            return True
        return False

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is None:
            return
        index = self.results.indexOfTopLevelItem(current)
        if not 0 <= index < len(self._items) or self._locked():
            return
        item = self._items[index]
        if self._visit is not None:
            self._visit.bundle_code = None
            self._visit.item_impl_code = item.impl_code
        self.item_did_select.emit(item)

    def _bundle_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is None:
            return
        index = self.bundle_results.indexOfTopLevelItem(current)
        if not 0 <= index < len(self._bundles) or self._locked():
            return
        bundle = self._bundles[index]
        if self._visit is not None:
            self._visit.item_impl_code = None
            self._visit.bundle_code = bundle.code
        self.bundle_did_select.emit(bundle)
