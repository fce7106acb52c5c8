"""材料 panel: the material checklist (材料清单) and, once a case exists, every page of every material.

Before a case is opened the panel previews the chosen item's or bundle's checklist: what to
collect, whether it is 必要 (required, bold), 非必要 (optional) or 容缺后补 (may follow after
acceptance), and how many originals and copies. Once ``visit.case`` is set it lists the case's
materials with their status and, for the selected material, the page thumbnails with each page's
verdict against the output profile in green or red words. The actions work on the selected
material or page: F7 拍照, 扫描 (feeder, with progress and 取消), 导入文件, 上移/下移, 旋转, 删除, 重拍,
原件已核验, 复用 and 容缺. F7 without a case first opens one (收件) for the visit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.case_states import CaseState
from app.context import AppContext
from app.errors import DomainError
from app.services.actor import Actor
from app.services.case_views import CaseView
from app.services.catalog import ItemSummary
from app.services.materials import MaterialView, PageView, ReusableSet
from devices.manager import DeviceManager
from devices.registry import NO_DRIVER
from ui import core_labels
from ui.counter import material_operations as ops
from ui.counter.capture import PageCapture
from ui.counter.case_operations import (
    CaseResult,
    ItemGuide,
    facts_of,
    load_bundle_guide,
    load_item_guide,
    open_visit_case,
)
from ui.counter.decision_dialogs import DeferDialog, ReuseDialog
from ui.counter.visit import Visit
from ui.ops import OpRunner

REQUIRED = "1"
CAPTURE_KEY = "F7"
OK_COLOUR = "#1b5e20"
BAD_COLOUR = "#b71c1c"
EDITABLE_STATES = frozenset({CaseState.PRE_REGISTERED, CaseState.RECEIVED, CaseState.CORRECTION_REQUESTED})
# Texts below are Chinese source strings of the "MaterialsPanel" translation context.
COLUMNS = (
    str(QT_TRANSLATE_NOOP("MaterialsPanel", "材料名称")),
    str(QT_TRANSLATE_NOOP("MaterialsPanel", "要求")),
    str(QT_TRANSLATE_NOOP("MaterialsPanel", "份数")),
    str(QT_TRANSLATE_NOOP("MaterialsPanel", "形式")),
)
CASE_COLUMNS = (
    str(QT_TRANSLATE_NOOP("MaterialsPanel", "材料名称")),
    str(QT_TRANSLATE_NOOP("MaterialsPanel", "要求")),
    str(QT_TRANSLATE_NOOP("MaterialsPanel", "状态")),
    str(QT_TRANSLATE_NOOP("MaterialsPanel", "页面检查")),
)
NO_ITEM_HINT = str(QT_TRANSLATE_NOOP("MaterialsPanel", "请先在左侧选择事项"))
IMPORT_FILTER = str(QT_TRANSLATE_NOOP("MaterialsPanel", "图片或 PDF (*.jpg *.jpeg *.png *.pdf)"))
ACTIONS = (
    (
        "capture",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "拍照 (F7)")),
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "用高拍仪拍摄一页，加到选中的材料（没有高拍仪时扫描）")),
    ),
    (
        "scan",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "扫描")),
        str(
            QT_TRANSLATE_NOOP(
                "MaterialsPanel", "用扫描仪扫描进纸器中的全部页面（进纸器空时扫描平板上的一页）"
            )
        ),
    ),
    (
        "import",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "导入文件")),
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "导入 JPG、PNG 或 PDF 文件")),
    ),
    (
        "up",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "上移")),
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "选中的页前移一位")),
    ),
    (
        "down",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "下移")),
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "选中的页后移一位")),
    ),
    (
        "rotate",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "旋转")),
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "选中的页顺时针旋转 90°")),
    ),
    (
        "delete",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "删除")),
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "删除选中的页")),
    ),
    (
        "retake",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "重拍")),
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "用高拍仪重新拍摄选中的页")),
    ),
    (
        "reuse",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "复用…")),
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "复用该申请人以前办件中的同名材料")),
    ),
    (
        "defer",
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "容缺…")),
        str(QT_TRANSLATE_NOOP("MaterialsPanel", "容缺后补材料：登记申请人的承诺和补交日期")),
    ),
)
PAGE_ACTIONS = frozenset({"up", "down", "rotate", "delete", "retake"})


def status_text(material: MaterialView) -> str:
    """ "已收 2 页，已核验原件", "未收", "容缺后补（2026-01-09 前补交）"."""
    text = core_labels.material_status(material.status_label)
    if material.pages:
        text += QCoreApplication.translate("MaterialsPanel", " {n} 页").format(n=len(material.pages))
    if material.original_seen:
        text += QCoreApplication.translate("MaterialsPanel", "，已核验原件")
    if material.deferred_due is not None:
        due = material.deferred_due.isoformat()
        text += QCoreApplication.translate("MaterialsPanel", "（{date} 前补交）").format(date=due)
    return text


def check_text(material: MaterialView) -> tuple[str, bool | None]:
    """The pages' verdict in words and whether they all pass (None: no pages to judge)."""
    if not material.pages:
        return "—", None
    bad = sum(1 for p in material.pages if not p.verdict.ok)
    if bad:
        return QCoreApplication.translate("MaterialsPanel", "{n} 页不合格").format(n=bad), False
    return QCoreApplication.translate("MaterialsPanel", "全部合格"), True


def page_text(page: PageView) -> str:
    """ "第 2 页" and the page's verdict (the verdict is the core's, in Chinese)."""
    number = QCoreApplication.translate("MaterialsPanel", "第 {n} 页").format(n=page.position + 1)
    return number + "\n" + page.verdict.message


class MaterialsPanel(QGroupBox):
    """The checklist of the visit's item, then of its case with pages and page actions."""

    materials_did_load = Signal(object)  # tuple[MaterialView, ...] of the shown case
    case_did_open = Signal(object)  # CaseView opened here (收件 before the first page)
    scan_did_progress = Signal(int)  # sheets scanned so far

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        visit: Visit | None = None,
        devices: DeviceManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("材料"))
        self.setObjectName("materials_panel")
        self._ctx = ctx
        self._runner = runner
        self._visit = visit
        self._devices = devices
        self._preview_key: tuple[str, str] | None = None
        self._case: CaseView | None = None
        self._materials: tuple[MaterialView, ...] = ()
        self._thumbnails: dict[str, QImage | None] = {}
        self.capturer = PageCapture(ctx, runner, devices, self._actor, self)
        self.reuse_dialog: ReuseDialog | None = None
        self.defer_dialog: DeferDialog | None = None

        self.heading = QLabel(self.tr(NO_ITEM_HINT))
        self.heading.setObjectName("materials_heading")
        self.heading.setWordWrap(True)
        self.start_button = QPushButton(self.tr("开始收件"))
        self.start_button.setObjectName("start_case")
        self.start_button.setToolTip(self.tr("为本次办事建立办件，之后即可拍摄、扫描材料"))
        self.start_button.clicked.connect(lambda: self.open_case())
        self.start_button.hide()
        self.table = QTreeWidget()
        self.table.setObjectName("materials_table")
        self.table.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.currentItemChanged.connect(lambda *_: self._material_changed())

        self.page_strip = QListWidget()
        self.page_strip.setObjectName("page_strip")
        self.page_strip.setViewMode(QListView.ViewMode.IconMode)
        self.page_strip.setFlow(QListView.Flow.LeftToRight)
        self.page_strip.setWrapping(False)
        self.page_strip.setMovement(QListView.Movement.Static)
        self.page_strip.setIconSize(QSize(ops.THUMBNAIL_HEIGHT, ops.THUMBNAIL_HEIGHT))
        self.page_strip.setGridSize(QSize(ops.THUMBNAIL_HEIGHT + 90, ops.THUMBNAIL_HEIGHT + 56))
        self.page_strip.setWordWrap(True)
        self.page_strip.setFixedHeight(ops.THUMBNAIL_HEIGHT + 76)
        self.page_strip.currentRowChanged.connect(lambda _row: self._update_actions())

        self.buttons: dict[str, QPushButton] = {}
        row_one, row_two = QHBoxLayout(), QHBoxLayout()
        for index, (name, text, tip) in enumerate(ACTIONS):
            button = QPushButton(self.tr(text))
            button.setObjectName(f"material_{name}")
            button.setToolTip(self.tr(tip))
            (row_one if index < 3 else row_two).addWidget(button)
            self.buttons[name] = button
        # A QShortcut, not button.setShortcut: that one clicks 100 ms later (animateClick), and a
        # held key must not take a burst of pictures.
        self.capture_shortcut = QShortcut(QKeySequence(CAPTURE_KEY), self, self.buttons["capture"].click)
        self.capture_shortcut.setAutoRepeat(False)
        self.original_seen = QCheckBox(self.tr("原件已核验"))
        self.original_seen.setObjectName("original_seen")
        self.original_seen.clicked.connect(self.set_original_seen)
        row_one.addWidget(self.original_seen)
        row_one.addStretch(1)
        row_two.addStretch(1)
        handlers = {
            "capture": self.capture,
            "scan": self.scan,
            "import": self.choose_files,
            "up": lambda: self.move_selected(-1),
            "down": lambda: self.move_selected(1),
            "rotate": self.rotate_selected,
            "delete": self.delete_selected,
            "retake": self.retake_selected,
            "reuse": self.reuse,
            "defer": self.defer,
        }
        for name, handler in handlers.items():
            self.buttons[name].clicked.connect(lambda _checked=False, h=handler: h())

        self.progress = QLabel()
        self.progress.setObjectName("materials_progress")
        self.progress.setWordWrap(True)
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.setObjectName("cancel_scan")
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.cancel_button.hide()
        self.capturer.page_did_store.connect(self._changed)
        self.capturer.progress_did_change.connect(self.progress.setText)
        self.capturer.scan_did_progress.connect(self.scan_did_progress)
        self.capturer.scan_did_finish.connect(self._scan_finished)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.page_strip)
        layout.addLayout(row_one)
        layout.addLayout(row_two)
        layout.addLayout(progress_row)
        self._update_actions()
        if visit is not None:
            visit.visit_did_change.connect(self._visit_changed)
            self._visit_changed()

    # --- what is shown ----------------------------------------------------------------------------

    @property
    def case(self) -> CaseView | None:
        return self._case

    def materials(self) -> tuple[MaterialView, ...]:
        return self._materials

    def rows(self) -> list[tuple[str, ...]]:
        """What the table shows, row by row."""
        return [
            tuple(row.text(column) for column in range(self.table.columnCount()))
            for row in (self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount()))
            if row is not None
        ]

    def current_material(self) -> MaterialView | None:
        if self._case is None:
            return None
        current = self.table.currentItem()
        index = self.table.indexOfTopLevelItem(current) if current is not None else -1
        return self._materials[index] if 0 <= index < len(self._materials) else None

    def select_material(self, material_id: int) -> None:
        for index, material in enumerate(self._materials):
            row = self.table.topLevelItem(index)
            if material.id == material_id and row is not None:
                self.table.setCurrentItem(row)
                return
        raise KeyError(material_id)

    def current_page(self) -> PageView | None:
        material = self.current_material()
        row = self.page_strip.currentRow()
        if material is None or not 0 <= row < len(material.pages):
            return None
        return material.pages[row]

    def select_page(self, position: int) -> None:
        self.page_strip.setCurrentRow(position)

    def page_texts(self) -> list[str]:
        """Each thumbnail's caption in the strip: page number and verdict."""
        return [self.page_strip.item(i).text() for i in range(self.page_strip.count())]

    def page_colours(self) -> list[str]:
        return [self.page_strip.item(i).foreground().color().name() for i in range(self.page_strip.count())]

    # --- before a case: the checklist preview ------------------------------------------------------

    def show_item(self, item: ItemSummary) -> None:
        """Preview the checklist of ``item`` (until the visit has a case)."""
        if self._case is not None:
            return
        self._preview(("item", item.impl_code), f"{item.name}\n{item.department}")

    def _set_preview_header(self) -> None:
        self.table.clear()
        self.table.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.page_strip.clear()

    def _preview_visit_choice(self) -> None:
        assert self._visit is not None
        code, bundle = self._visit.item_impl_code, self._visit.bundle_code
        if bundle:
            self._preview(("bundle", bundle))
        elif code:
            self._preview(("item", code))
        else:
            self._preview_key = None
            self._set_preview_header()
            self.heading.setText(self.tr(NO_ITEM_HINT))

    def _preview(self, key: tuple[str, str], heading: str | None = None) -> None:
        """Load the checklist of the item or bundle ``key``; the heading names it, never the hint.

        Items and bundles both come through their guide, whose material list is the one a case
        opened for them gets (duplicates merged), so the preview matches the case that follows.
        """
        if heading is not None:
            self.heading.setText(heading)
        if key == self._preview_key:
            return
        self._preview_key = key
        if heading is None:
            self.heading.setText(self.tr("正在读取材料清单…"))
        self._set_preview_header()
        kind, code = key
        op = load_bundle_guide(self._ctx, code) if kind == "bundle" else load_item_guide(self._ctx, code)
        op.success(lambda guide: self._show_guide_rows(key, guide))
        self._runner.start(op.with_progress(self.tr("正在读取材料清单…")))

    def _show_guide_rows(self, key: tuple[str, str], guide: ItemGuide) -> None:
        if key != self._preview_key or self._case is not None:
            return  # the clerk already picked another item, or a case was opened meanwhile
        if guide.is_bundle:
            heading = self.tr("{title}（一件事，{n} 个事项）\n材料已合并去重").format(
                title=guide.title, n=len(guide.item_names)
            )
        else:
            heading = f"{guide.title}\n{guide.department}"
        self.heading.setText(heading)
        rows = [(m.name, m.necessity_label, m.copies, m.form_label, m.necessity) for m in guide.materials]
        self._fill_preview(rows)

    def _fill_preview(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        self.table.clear()
        for name, label, copies, form, necessity in rows:
            row = QTreeWidgetItem([name, label, copies, form])
            row.setToolTip(0, name)
            if necessity == REQUIRED:
                self._bold(row)
            self.table.addTopLevelItem(row)
        if not rows:
            self.heading.setText(self.heading.text() + "\n" + self.tr("该事项未登记申请材料"))
        self._update_actions()

    def _bold(self, row: QTreeWidgetItem) -> None:
        bold = QFont(self.table.font())
        bold.setBold(True)
        row.setFont(0, bold)
        row.setFont(1, bold)

    # --- the visit and its case -------------------------------------------------------------------

    def _visit_changed(self) -> None:
        assert self._visit is not None
        case = self._visit.case
        if case is None:
            if self._case is not None:
                self._case = None
                self._materials = ()
                self._preview_key = None
            self._preview_visit_choice()
            self._update_actions()
            return
        if self._case is not None and self._case.id != case.id:
            self._thumbnails.clear()  # keep the cache to one case's pages
        changed = self._case is None or self._case.id != case.id or self._case.state != case.state
        self._case = case
        if changed:
            self.heading.setText(
                self.tr("{number}　{title}\n状态：{state}").format(
                    number=case.local_number, title=case.title, state=core_labels.case_state(case.state_label)
                )
            )
            self.reload()
        self._update_actions()

    def reload(self) -> None:
        """Load the case's checklist and the thumbnails not seen yet."""
        if self._case is None:
            return
        op = ops.load_case_materials(self._ctx, self._case.id, self._thumbnails.keys())
        self._runner.start(op.success(self._show_case_materials))

    def open_case(self, then: Callable[[], None] | None = None) -> None:
        """收件: open a case for the visit's applicant and item; ``then`` runs once it exists."""
        if self._visit is None:
            raise DomainError(self.tr("没有当前办事，无法建立办件。"))
        op = open_visit_case(self._ctx, facts_of(self._visit))

        def opened(result: CaseResult) -> None:
            assert self._visit is not None
            self._visit.case = result.case
            self.case_did_open.emit(result.case)
            if then is not None:
                then()

        self._runner.start(op.success(opened).with_progress(self.tr("正在建立办件…")))

    def _show_case_materials(self, loaded: ops.CaseMaterials) -> None:
        if self._case is None or loaded.case_id != self._case.id:
            return
        self._thumbnails.update(loaded.thumbnails)
        keep = self.current_material()
        keep_page = self.page_strip.currentRow()
        self._materials = loaded.materials
        self.table.blockSignals(True)
        self.table.clear()
        self.table.setHeaderLabels([self.tr(c) for c in CASE_COLUMNS])
        for material in self._materials:
            check, ok = check_text(material)
            necessity = core_labels.necessity(material.necessity_label)
            row = QTreeWidgetItem([material.name, necessity, status_text(material), check])
            row.setToolTip(0, material.name)
            if material.necessity == REQUIRED:
                self._bold(row)
            if ok is not None:
                row.setForeground(3, QBrush(QColor(OK_COLOUR if ok else BAD_COLOUR)))
            if not material.satisfied and material.necessity == REQUIRED:
                row.setForeground(2, QBrush(QColor(BAD_COLOUR)))
            self.table.addTopLevelItem(row)
        self.table.blockSignals(False)
        target = next((i for i, m in enumerate(self._materials) if keep and m.id == keep.id), None)
        if target is None:
            target = next((i for i, m in enumerate(self._materials) if not m.satisfied), 0)
        target_row = self.table.topLevelItem(target)
        if target_row is not None:
            self.table.setCurrentItem(target_row)
        self._fill_pages(keep_page if keep is not None and self._materials[target].id == keep.id else -1)
        self.materials_did_load.emit(self._materials)

    def _material_changed(self) -> None:
        self._fill_pages(-1)

    def _fill_pages(self, select: int) -> None:
        self.page_strip.clear()
        material = self.current_material()
        if material is not None:
            for page in material.pages:
                item = QListWidgetItem(page_text(page))
                thumb = self._thumbnails.get(ops.thumbnail_key(page))
                if thumb is not None:
                    item.setIcon(QIcon(QPixmap.fromImage(thumb)))
                item.setForeground(QBrush(QColor(OK_COLOUR if page.verdict.ok else BAD_COLOUR)))
                item.setToolTip(page.verdict.message)
                self.page_strip.addItem(item)
            if material.pages:
                count = len(material.pages)
                self.page_strip.setCurrentRow(min(select, count - 1) if select >= 0 else count - 1)
            self.original_seen.setChecked(material.original_seen)
        self._update_actions()

    def _editable(self) -> bool:
        return self._case is not None and self._case.state in EDITABLE_STATES

    def _update_actions(self) -> None:
        has_choice = self._visit is not None and bool(self._visit.item_impl_code or self._visit.bundle_code)
        self.start_button.setVisible(self._case is None and has_choice)
        material = self.current_material()
        page = self.current_page()
        scanning = self.capturer.scanning
        editable = self._editable() and not scanning
        can_capture = (editable and material is not None) or (self._case is None and has_choice)
        self.buttons["capture"].setEnabled(can_capture and not scanning)
        for name in ("scan", "import", "reuse"):
            self.buttons[name].setEnabled(editable and material is not None)
        for name in PAGE_ACTIONS:
            self.buttons[name].setEnabled(editable and page is not None)
        if page is not None and material is not None:
            self.buttons["up"].setEnabled(editable and page.position > 0)
            self.buttons["down"].setEnabled(editable and page.position < len(material.pages) - 1)
        self.buttons["defer"].setEnabled(editable and material is not None and material.necessity == "3")
        self.original_seen.setEnabled(editable and material is not None)
        if self._case is not None and not self._editable():
            self.progress.setText(
                self.tr("办件{state}，材料不能再修改。").format(
                    state=core_labels.case_state(self._case.state_label)
                )
            )

    # --- capture ----------------------------------------------------------------------------------

    def _target_material(self) -> MaterialView | None:
        material = self.current_material()
        if material is None:
            self.progress.setText(self.tr("请先在清单中选中要拍摄的材料。"))
        return material

    def capture(self) -> None:
        """F7: one page from the camera into the selected material (opening the case first if needed)."""
        if self._case is None:
            self.open_case(then=self.capture)
            return
        material = self._target_material()
        if material is None:
            return
        if self._devices is not None and self._devices.drivers.get("camera") == NO_DRIVER:
            self.scan()  # F7 means 扫描 on a PC with a scanner and no 高拍仪
            return
        self.capturer.camera_page(self._case.id, material.id)

    def retake_selected(self) -> None:
        page = self.current_page()
        if page is not None and self._case is not None:
            self.capturer.retake(self._case.id, page.id)

    def scan(self) -> None:
        """Scan every sheet in the feeder into the selected material, with progress and 取消."""
        material = self._target_material()
        if material is None or self._case is None or self.capturer.scanning:
            return
        self.cancel_button.show()  # before starting: an inline runner finishes the scan within the call
        self.capturer.scan(self._case.id, material.id)
        self._update_actions()

    def cancel_scan(self) -> None:
        self.capturer.cancel_scan()

    def _scan_finished(self, _result: object) -> None:
        self.cancel_button.hide()
        self._update_actions()
        self.reload()

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self, self.tr("导入材料文件"), str(Path.home()), self.tr(IMPORT_FILTER)
        )
        if paths:
            self.import_paths([Path(p) for p in paths])

    def import_paths(self, paths: list[Path]) -> None:
        material = self._target_material()
        if material is not None and self._case is not None:
            self.capturer.import_paths(self._case.id, material.id, paths)

    # --- page and material edits ------------------------------------------------------------------

    def move_selected(self, step: int) -> None:
        page = self.current_page()
        if page is None or self._case is None:
            return
        op = ops.move_page(self._ctx, self._actor(), self._case.id, page.id, page.position + step)
        self._runner.start(op.success(lambda change: self._changed(change, page.position + step)))

    def rotate_selected(self) -> None:
        page = self.current_page()
        if page is None or self._case is None:
            return
        op = ops.rotate_page(self._ctx, self._actor(), self._case.id, page.id, 1)
        self._runner.start(op.success(lambda change: self._changed(change, page.position)))

    def delete_selected(self) -> None:
        page = self.current_page()
        if page is None or self._case is None:
            return
        op = ops.delete_page(self._ctx, self._actor(), self._case.id, page.id)
        self._runner.start(op.success(lambda change: self._changed(change, max(page.position - 1, 0))))

    def set_original_seen(self, seen: bool) -> None:
        material = self.current_material()
        if material is None or self._case is None:
            return
        op = ops.set_original_seen(self._ctx, self._actor(), self._case.id, material.id, seen)
        self._runner.start(op.success(self._changed))

    def reuse(self) -> None:
        material = self.current_material()
        if material is None or self._case is None:
            return
        case_id, material_id, name = self._case.id, material.id, material.name
        op = ops.find_reusable(self._ctx, case_id, name)
        self._runner.start(op.success(lambda sets: self._offer_reuse(case_id, material_id, name, sets)))

    def _offer_reuse(self, case_id: int, material_id: int, name: str, sets: list[ReusableSet]) -> None:
        if not sets:
            self.progress.setText(
                self.tr("该申请人以前的办件中没有可复用的“{name}”，请拍摄或扫描。").format(name=name)
            )
            return
        self.reuse_dialog = ReuseDialog(name, sets, self)

        def chosen() -> None:
            assert self.reuse_dialog is not None
            source = self.reuse_dialog.chosen()
            if source is not None:
                op = ops.reuse_pages(self._ctx, self._actor(), case_id, material_id, source.material_id)
                self._runner.start(op.success(self._changed))

        self.reuse_dialog.accepted.connect(chosen)
        self.reuse_dialog.open()

    def defer(self) -> None:
        material = self.current_material()
        if material is None or self._case is None:
            return
        case_id, material_id = self._case.id, material.id
        self.defer_dialog = DeferDialog(material.name, self)

        def committed() -> None:
            assert self.defer_dialog is not None
            due, text = self.defer_dialog.values()
            op = ops.defer_material(self._ctx, self._actor(), case_id, material_id, due=due, commitment=text)
            self._runner.start(op.success(self._changed))

        self.defer_dialog.accepted.connect(committed)
        self.defer_dialog.open()

    def _actor(self) -> Actor:
        if self._visit is None:
            raise DomainError(self.tr("没有登录的工作人员，请重新登录。"))
        return self._visit.actor

    def _changed(self, change: ops.MaterialChange, select_page: int | None = None) -> None:
        if self._case is None or change.case_id != self._case.id:
            return
        if select_page is not None:
            self.page_strip.setCurrentRow(select_page)
        self.reload()
