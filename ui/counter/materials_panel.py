"""材料 panel: the material checklist (材料清单) and, once a case exists, the capture panel for it.

Before a case is opened the panel previews the chosen item's or bundle's checklist: what to
collect, whether it is 必要 (required, bold), 非必要 (optional) or 容缺后补 (may follow after
acceptance), and how many originals and copies. Once ``visit.case`` is set it lists the case's
materials with their status and the verdict of their pages; the selected material is the one the
:class:`~ui.counter.capture.CapturePanel` beside it captures into (live preview, 拍照, 扫描, 导入文件,
and the page strip with 前移/后移, 旋转, 删除, 重拍). Here stay what concerns a material as a whole:
原件已核验, 复用 and 容缺. F7 takes a page from the 高拍仪 (or scans, on a PC with a scanner and no
高拍仪); without a case it first opens one (收件) for the visit.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.case_states import CaseState
from app.context import AppContext
from app.errors import DomainError
from app.imaging.profiles import DEFAULT_PROFILE_KEY
from app.services import materials as material_service
from app.services.actor import Actor
from app.services.case_views import CaseView
from app.services.catalog import ItemSummary
from app.services.materials import MaterialView, ReusableSet
from devices.manager import DeviceManager
from devices.registry import NO_DRIVER
from ui import core_labels
from ui.counter import material_operations as ops
from ui.counter.capture import CapturePanel
from ui.counter.capture_preview import has_camera
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
from ui.ops import Op, OpRunner

REQUIRED = "1"
CAPTURE_KEY = "F7"
OK_COLOUR = "#1b5e20"
BAD_COLOUR = "#b71c1c"
EDITABLE_STATES = frozenset({CaseState.PRE_REGISTERED, CaseState.RECEIVED, CaseState.CORRECTION_REQUESTED})
#: Below this width the checklist hides 要求 (required rows are bold anyway), below the second
#: also its last column (份数 or 页面检查); each row's tooltip still says everything.
NARROW_WIDTH = 420
NARROWER_WIDTH = 330
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
NO_CASE_HINT = str(
    QT_TRANSLATE_NOOP("MaterialsPanel", "点“开始收件”或按 F7 建立办件后，即可拍摄、扫描或导入材料。")
)
# What concerns a material as a whole (the page actions are the capture panel's).
ACTIONS = (
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


def load_checklist(
    ctx: AppContext, case_id: int, *, profile_key: str = DEFAULT_PROFILE_KEY
) -> Op[tuple[MaterialView, ...]]:
    """The case's checklist with each page's verdict (no thumbnails: the capture panel has its own)."""

    def run() -> tuple[MaterialView, ...]:
        with ctx.db.session() as session:
            return tuple(material_service.case_materials(session, case_id, profile_key=profile_key))

    return Op(run=run, name="load_checklist")


class _Checklist(QTreeWidget):
    """The material table; beside the camera preview it is narrow, so it gives the names the room."""

    def sizeHint(self) -> QSize:
        return QSize(200, 192)  # what the camera preview beside it leaves; it grows with the window

    def resizeEvent(self, event: QResizeEvent) -> None:
        width = event.size().width()
        self.setColumnHidden(1, width < NARROW_WIDTH)
        self.setColumnHidden(3, width < NARROWER_WIDTH)
        super().resizeEvent(event)

    def row_tip(self, cells: list[str]) -> str:
        """The name, then "column: value" for every other column."""
        header = self.headerItem()
        lines = [f"{header.text(column)}：{text}" for column, text in enumerate(cells) if column and text]
        return "\n".join([cells[0], *lines])


class MaterialsPanel(QGroupBox):
    """The checklist of the visit's item, then of its case, with the capture panel for its materials."""

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
        self._loaded_case: int | None = None  # the case whose checklist is shown
        self._capture_when_loaded = False  # F7 came while the new case's checklist was loading
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
        self.table = _Checklist()
        self.table.setObjectName("materials_table")
        self.table.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setMinimumWidth(180)
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.currentItemChanged.connect(lambda *_: self._material_changed())

        # The selected material's own actions sit in the heading row, beside the case they belong to:
        # beside the preview there is no width to spare, under it no height.
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        self.original_seen = QCheckBox(self.tr("原件已核验"))
        self.original_seen.setObjectName("original_seen")
        self.original_seen.clicked.connect(self.set_original_seen)
        actions.addWidget(self.original_seen)
        for name, text, tip in ACTIONS:
            button = QPushButton(self.tr(text))
            button.setObjectName(f"material_{name}")
            button.setToolTip(self.tr(tip))
            actions.addWidget(button)
            self.buttons[name] = button
        self.buttons["reuse"].clicked.connect(self.reuse)
        self.buttons["defer"].clicked.connect(self.defer)
        self._material_actions: tuple[QWidget, ...] = (self.original_seen, *self.buttons.values())

        self.capture_panel = CapturePanel(ctx, runner, devices, self._actor, parent=self)
        self.capture_panel.put_beside(self.table, share=0.5)
        self.capture_panel.material_did_change.connect(self._pages_changed)
        self.capture_panel.scanning_did_change.connect(lambda _scanning: self._update_actions())
        self.capture_panel.capturer.scan_did_progress.connect(self.scan_did_progress)
        # A QShortcut, not button.setShortcut: that one clicks 100 ms later (animateClick), and a
        # held key must not take a burst of pictures. Window-wide: F7 works wherever the focus is.
        self.capture_shortcut = QShortcut(QKeySequence(CAPTURE_KEY), self, self.capture)
        self.capture_shortcut.setAutoRepeat(False)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(actions)
        layout.addLayout(top)
        layout.addWidget(self.capture_panel, 1)
        self._update_actions()
        if visit is not None:
            visit.visit_did_change.connect(self._visit_changed)
            self._visit_changed()
        else:
            self._follow_material()

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
        if self._case is None or self._loaded_case != self._case.id:
            return None  # the rows may still be another case's
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

    def stop(self) -> None:
        """The window closes: the camera preview and a scan let go before the devices stop."""
        self.capture_panel.stop()

    # --- before a case: the checklist preview ------------------------------------------------------

    def show_item(self, item: ItemSummary) -> None:
        """Preview the checklist of ``item`` (until the visit has a case)."""
        if self._case is not None:
            return
        self._preview(("item", item.impl_code), f"{item.name}\n{item.department}")

    def _set_preview_header(self) -> None:
        self.table.clear()
        self.table.setHeaderLabels([self.tr(c) for c in COLUMNS])

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
            row.setToolTip(0, self.table.row_tip([name, label, copies, form]))
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

    def _has_choice(self) -> bool:
        return self._visit is not None and bool(self._visit.item_impl_code or self._visit.bundle_code)

    def _visit_changed(self) -> None:
        assert self._visit is not None
        case = self._visit.case
        if case is None:
            if self._case is not None:
                self._case = None
                self._materials = ()
                self._loaded_case = None
                self._preview_key = None
            self._preview_visit_choice()
            self._follow_material()
            self._update_actions()
            return
        changed = self._case is None or self._case.id != case.id or self._case.state != case.state
        if self._case is None or self._case.id != case.id:
            self._loaded_case = None
        self._case = case
        if changed:
            self.heading.setText(
                self.tr("{number}　{title}\n状态：{state}").format(
                    number=case.local_number, title=case.title, state=core_labels.case_state(case.state_label)
                )
            )
            self.reload()
        self._follow_material()
        self._update_actions()

    def reload(self) -> None:
        """Load the case's checklist with the verdicts of its pages."""
        if self._case is None:
            return
        op = load_checklist(self._ctx, self._case.id, profile_key=self.capture_panel.capturer.profile_key)
        case_id = self._case.id
        self._runner.start(op.success(lambda loaded: self._show_case_materials(case_id, loaded)))

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

    def _show_case_materials(self, case_id: int, loaded: tuple[MaterialView, ...]) -> None:
        if self._case is None or case_id != self._case.id:
            return
        keep = self.current_material()
        self._materials = loaded
        self._loaded_case = case_id
        self.table.blockSignals(True)
        self.table.clear()
        self.table.setHeaderLabels([self.tr(c) for c in CASE_COLUMNS])
        for material in self._materials:
            check, ok = check_text(material)
            necessity = core_labels.necessity(material.necessity_label)
            cells = [material.name, necessity, status_text(material), check]
            row = QTreeWidgetItem(cells)
            row.setToolTip(0, self.table.row_tip(cells))
            if material.necessity == REQUIRED:
                self._bold(row)
            if ok is not None:
                row.setForeground(3, QBrush(QColor(OK_COLOUR if ok else BAD_COLOUR)))
            if not material.satisfied and material.necessity == REQUIRED:
                row.setForeground(2, QBrush(QColor(BAD_COLOUR)))
            self.table.addTopLevelItem(row)
        target = next((i for i, m in enumerate(self._materials) if keep and m.id == keep.id), None)
        if target is None:
            target = next((i for i, m in enumerate(self._materials) if not m.satisfied), 0)
        target_row = self.table.topLevelItem(target)
        if target_row is not None:
            self.table.setCurrentItem(target_row)
        self.table.blockSignals(False)
        self._material_changed()
        self.materials_did_load.emit(self._materials)
        if self._capture_when_loaded:
            self._capture_when_loaded = False
            self.capture()

    def _material_changed(self) -> None:
        material = self.current_material()
        if material is not None:
            self.original_seen.setChecked(material.original_seen)
        self._follow_material()
        self._update_actions()

    def _editable(self) -> bool:
        return self._case is not None and self._case.state in EDITABLE_STATES

    def _follow_material(self) -> None:
        """Point the capture panel at the selected material, or say why nothing can be captured."""
        panel = self.capture_panel
        material = self.current_material()
        if self._case is None:
            panel.set_material(None, None, why=self.tr(NO_CASE_HINT if self._has_choice() else NO_ITEM_HINT))
        elif material is None:
            panel.set_material(None, None)
        else:
            why = "" if self._editable() else self._locked_text()
            panel.set_material(
                self._case.id, material.id, name=material.name, editable=self._editable(), why=why
            )

    def _locked_text(self) -> str:
        assert self._case is not None
        return self.tr("办件{state}，材料不能再修改。").format(
            state=core_labels.case_state(self._case.state_label)
        )

    def _update_actions(self) -> None:
        self.start_button.setVisible(self._case is None and self._has_choice())
        for widget in self._material_actions:
            widget.setVisible(self._case is not None)
        material = self.current_material()
        editable = self._editable() and material is not None and not self.capture_panel.capturer.scanning
        self.buttons["reuse"].setEnabled(editable)
        self.buttons["defer"].setEnabled(editable and material is not None and material.necessity == "3")
        self.original_seen.setEnabled(editable)

    # --- capture ----------------------------------------------------------------------------------

    def capture(self) -> None:
        """F7: a page from the 高拍仪 into the selected material, or a scan on a PC without one;
        without a case the case is opened first (收件)."""
        if self._case is None:
            if self._has_choice():
                self.open_case(then=self.capture)
            return
        if self._loaded_case != self._case.id:
            self._capture_when_loaded = True  # the new case's checklist is on its way
            return
        panel = self.capture_panel
        scanner = self._devices is not None and self._devices.drivers.get("scanner", NO_DRIVER) != NO_DRIVER
        if has_camera(self._devices) or not scanner:
            panel.capture()  # without either device it says what to use instead
        else:
            panel.scan()  # F7 means 扫描 on a PC with a scanner and no 高拍仪

    # --- material edits ---------------------------------------------------------------------------

    def set_original_seen(self, seen: bool) -> None:
        material = self.current_material()
        if material is None or self._case is None:
            return
        op = ops.set_original_seen(self._ctx, self._actor(), self._case.id, material.id, seen)
        self._runner.start(op.success(self._pages_changed))

    def reuse(self) -> None:
        material = self.current_material()
        if material is None or self._case is None:
            return
        case_id, material_id, name = self._case.id, material.id, material.name
        op = ops.find_reusable(self._ctx, case_id, name)
        self._runner.start(op.success(lambda sets: self._offer_reuse(case_id, material_id, name, sets)))

    def _offer_reuse(self, case_id: int, material_id: int, name: str, sets: list[ReusableSet]) -> None:
        if not sets:
            self.capture_panel.say(
                self.tr("该申请人以前的办件中没有可复用的“{name}”，请拍摄或扫描。").format(name=name)
            )
            return
        self.reuse_dialog = ReuseDialog(name, sets, self)

        def chosen() -> None:
            assert self.reuse_dialog is not None
            source = self.reuse_dialog.chosen()
            if source is not None:
                op = ops.reuse_pages(self._ctx, self._actor(), case_id, material_id, source.material_id)
                self._runner.start(op.success(self._reused))

        self.reuse_dialog.accepted.connect(chosen)
        self.reuse_dialog.open()

    def _reused(self, change: ops.MaterialChange) -> None:
        self._pages_changed(change)
        self.capture_panel.reload()  # the reused pages join the strip

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
            self._runner.start(op.success(self._pages_changed))

        self.defer_dialog.accepted.connect(committed)
        self.defer_dialog.open()

    def _actor(self) -> Actor:
        if self._visit is None:
            raise DomainError(self.tr("没有登录的工作人员，请重新登录。"))
        return self._visit.actor

    def _pages_changed(self, change: object) -> None:
        """A page or a material changed: redraw the checklist (status and verdicts)."""
        if (
            self._case is not None
            and isinstance(change, ops.MaterialChange)
            and change.case_id == self._case.id
        ):
            self.reload()
