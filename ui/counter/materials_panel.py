"""材料 panel: the material checklist (材料清单) of the selected service item.

Each row says what to collect, whether it is 必要 (required), 非必要 (optional) or 容缺后补 (may be
supplied after acceptance), and how many originals and copies. Required rows are bold so the clerk
sees at a glance what must not be missing.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGroupBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.services.catalog import ItemSummary, MaterialSummary
from ui.counter.item_panel import promised_limit_text
from ui.counter.operations import load_materials
from ui.ops import OpRunner

REQUIRED = "1"
COLUMNS = ("材料名称", "要求", "份数", "形式")
NO_ITEM_HINT = "请先在左侧选择事项"


def copies_text(material: MaterialSummary) -> str:
    """ "原件 1 份 · 复印件 2 份"; kinds with no copy asked for are left out."""
    parts = []
    if material.original_copies:
        parts.append(f"原件 {material.original_copies} 份")
    if material.copy_copies:
        parts.append(f"复印件 {material.copy_copies} 份")
    return " · ".join(parts) or "—"


class MaterialsPanel(QGroupBox):
    """Checklist of the item chosen in the 办件 panel; filled by an op each time the item changes."""

    def __init__(self, ctx: AppContext, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__("材料", parent)
        self.setObjectName("materials_panel")
        self._ctx = ctx
        self._runner = runner
        self._impl_code: str | None = None
        self.heading = QLabel(NO_ITEM_HINT)
        self.heading.setObjectName("materials_heading")
        self.heading.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setObjectName("materials_table")
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)

    def show_item(self, item: ItemSummary) -> None:
        self._impl_code = item.impl_code
        self.heading.setText(f"{item.name}\n{item.department} · 承诺时限 {promised_limit_text(item)}")
        self.table.clear()
        impl_code = item.impl_code
        op = load_materials(self._ctx, impl_code).success(lambda rows: self._show(impl_code, rows))
        self._runner.start(op.with_progress("正在读取材料清单…"))

    def rows(self) -> list[tuple[str, ...]]:
        """What the table shows, row by row."""
        return [
            tuple(row.text(column) for column in range(len(COLUMNS)))
            for row in (self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount()))
            if row is not None
        ]

    def _show(self, impl_code: str, materials: list[MaterialSummary]) -> None:
        if impl_code != self._impl_code:
            return  # the clerk already picked another item
        self.table.clear()
        for material in materials:
            row = QTreeWidgetItem(
                [material.name, material.necessity_label, copies_text(material), material.form_label]
            )
            row.setToolTip(0, material.name)
            if material.necessity == REQUIRED:
                bold = QFont(self.table.font())
                bold.setBold(True)
                row.setFont(0, bold)
                row.setFont(1, bold)
            self.table.addTopLevelItem(row)
        if not materials:
            self.heading.setText(self.heading.text() + "\n该事项未登记申请材料")
