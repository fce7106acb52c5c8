"""The capture panel (采集面板) of the materials step: pages from the 高拍仪, the scanner or files.

:class:`CapturePanel` shows the live preview with 拍照 (Space) and auto-capture, the scanner's
source / resolution / colour with per-sheet progress and 取消, 导入文件 (Ctrl+O and drag and
drop) and the page strip with reorder, rotate, delete, 重拍 and per-page verdicts. The work
behind it (device I/O, the page pipeline, storing) is in :mod:`ui.counter.capture_ops`; the names
callers used to import from here are re-exported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import UserFacingError
from app.imaging.pipeline import Corners
from app.imaging.profiles import DEFAULT_PROFILE_KEY, Image
from app.services.actor import Actor
from devices.manager import DeviceManager
from devices.registry import NO_DRIVER
from devices.scanner.base import ColorMode
from ui.counter import material_operations
from ui.counter.capture_ops import (
    DEVICE_TIMEOUT_S,
    SHEET_TIMEOUT_S,
    MaterialPages,
    PageCapture,
    ScannerOptions,
    ScanSettings,
    StoredPages,
    grab_frame,
    load_material_pages,
    scan_sheets,
    scanner_options,
)
from ui.counter.capture_preview import CapturePreview, has_camera
from ui.counter.corner_editor import CornerEditor
from ui.counter.material_operations import MaterialChange
from ui.counter.page_strip import PageStrip, strip_pages
from ui.ops import Op, OpRunner

__all__ = [
    "DEVICE_TIMEOUT_S",
    "SHEET_TIMEOUT_S",
    "CapturePanel",
    "PageCapture",
    "ScanSettings",
    "grab_frame",
    "scan_sheets",
]

log = logging.getLogger(__name__)

CAPTURE_KEY = "Space"
IMPORT_KEY = "Ctrl+O"
#: Files a clerk may import or drop: JPEG, PNG, TIFF and PDF.
IMPORT_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".pdf"})
ERROR_STYLE = "color: #b71c1c; font-weight: bold;"
#: What stands in for the preview while nothing can be captured: the preview's own dark look.
IDLE_STYLE = "background: #1e1e1e; color: #eeeeee; padding: 20px;"
#: Wide enough for the scanner's choices; the preview and what sits beside it get the rest.
SIDE_WIDTH = 230
# Texts below are source strings of the "CapturePanel" translation context.
SOURCE_LABELS = {
    "flatbed": str(QT_TRANSLATE_NOOP("CapturePanel", "平板")),
    "adf": str(QT_TRANSLATE_NOOP("CapturePanel", "自动进纸器（ADF）")),
    "adf_duplex": str(QT_TRANSLATE_NOOP("CapturePanel", "双面（ADF）")),
}
COLOUR_LABELS: tuple[tuple[ColorMode, str], ...] = (
    ("color", str(QT_TRANSLATE_NOOP("CapturePanel", "彩色"))),
    ("gray", str(QT_TRANSLATE_NOOP("CapturePanel", "灰度"))),
    ("bw", str(QT_TRANSLATE_NOOP("CapturePanel", "黑白"))),
)
STATION_SETTING = str(QT_TRANSLATE_NOOP("CapturePanel", "按本机设置"))
IMPORT_FILTER = str(QT_TRANSLATE_NOOP("CapturePanel", "图片或 PDF (*.jpg *.jpeg *.png *.tif *.tiff *.pdf)"))
NO_TARGET = str(QT_TRANSLATE_NOOP("CapturePanel", "请先在材料清单中选中要采集的材料。"))
EMPTY_STRIP = str(
    QT_TRANSLATE_NOOP(
        "CapturePanel", "这份材料还没有页面：按空格拍照、点“扫描”或“导入文件”，也可以把文件拖到这里。"
    )
)
HINT_STYLE = "color: #757575; padding: 12px;"
# Page actions under the strip: name, text, tooltip (with the key the strip takes for it).
PAGE_ACTIONS = (
    ("earlier", str(QT_TRANSLATE_NOOP("CapturePanel", "← 前移")), "Alt+←"),
    ("later", str(QT_TRANSLATE_NOOP("CapturePanel", "后移 →")), "Alt+→"),
    ("rotate", str(QT_TRANSLATE_NOOP("CapturePanel", "↻ 顺时针")), "Ctrl+R"),
    ("rotate_back", str(QT_TRANSLATE_NOOP("CapturePanel", "↺ 逆时针")), "Ctrl+Shift+R"),
    ("delete", str(QT_TRANSLATE_NOOP("CapturePanel", "删除")), "Delete"),
    ("retake", str(QT_TRANSLATE_NOOP("CapturePanel", "重拍")), ""),
)


# --- the panel --------------------------------------------------------------------------------------


class _View(QStackedWidget):
    """The preview or the card saying why there is none. It asks for little room, so what the host
    puts beside it keeps its share; it grows with the space there is."""

    def sizeHint(self) -> QSize:
        return QSize(200, 150)


class CapturePanel(QWidget):
    """采集面板: captures pages into one material (:meth:`set_material`) and shows them in a strip.

    Emits ``material_did_change`` after every stored or edited page, so the checklist can redraw.
    """

    material_did_change = Signal(object)  # MaterialChange
    scanning_did_change = Signal(bool)  # a scan started (True) or ended (False)

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager | None,
        actor: Callable[[], Actor],
        *,
        profile_key: str = DEFAULT_PROFILE_KEY,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("capture_panel")
        self.setAcceptDrops(True)
        self._ctx = ctx
        self._runner = runner
        self._devices = devices
        self._target: tuple[int, int] | None = None
        self._editable = False
        self._why = ""  # what to do while nothing can be captured
        self._scanner_ready = False
        self._scanner_loading = False
        self._thumbnails: dict[str, QImage | None] = {}
        self._blank: dict[str, bool] = {}
        self._select_id: int | None = None
        self._select_row: int | None = None
        self.corner_editor: CornerEditor | None = None
        self.capturer = PageCapture(ctx, runner, devices, actor, self, profile_key=profile_key)
        self.capturer.errors_inline = True
        self.capturer.confirm_corners = self._ask_corners

        # The preview holds the camera only while pages can be taken; otherwise a dark card says why.
        self.preview = CapturePreview(devices, self)
        self.preview.setMinimumSize(180, 135)
        self.preview.still_did_capture.connect(self._auto_shot)
        self.idle_view = QLabel(self.tr(NO_TARGET))
        self.idle_view.setObjectName("capture_idle")
        self.idle_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle_view.setWordWrap(True)
        self.idle_view.setStyleSheet(IDLE_STYLE)
        self.view = _View()
        self.view.addWidget(self.preview)
        self.view.addWidget(self.idle_view)
        self.view.setCurrentWidget(self.idle_view)
        self.target_label = QLabel(self.tr(NO_TARGET))
        self.target_label.setObjectName("capture_target")
        self.target_label.setWordWrap(True)
        self.target_label.hide()  # shown with a target; till then the card in place of the preview speaks

        camera_box = QGroupBox(self.tr("高拍仪"))
        self.capture_button = QPushButton(self.tr("拍照 (空格)"))
        self.capture_button.setObjectName("capture_photo")
        self.capture_button.setToolTip(self.tr("拍下高拍仪下的这一页，加到选中的材料"))
        self.capture_button.clicked.connect(self.capture)
        self.auto_capture = QCheckBox(self.tr("自动拍摄"))
        self.auto_capture.setObjectName("capture_auto")
        self.auto_capture.setToolTip(self.tr("放好一页、手离开后自动拍下；换下一页后再自动拍"))
        self.auto_capture.toggled.connect(self.preview.set_auto_capture)
        camera_layout = QHBoxLayout(camera_box)
        camera_layout.addWidget(self.capture_button, 1)
        camera_layout.addWidget(self.auto_capture)
        camera_box.setEnabled(has_camera(devices))

        scanner_box = QGroupBox(self.tr("扫描仪"))
        self.source_box = QComboBox()
        self.source_box.setObjectName("scan_source")
        self.dpi_box = QComboBox()
        self.dpi_box.setObjectName("scan_dpi")
        self.colour_box = QComboBox()
        self.colour_box.setObjectName("scan_colour")
        for combo in (self.source_box, self.dpi_box, self.colour_box):
            # Long choices are cut short in the box (whole in its list) rather than widening the side.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        self.colour_box.addItem(self.tr(STATION_SETTING), None)
        for mode, label in COLOUR_LABELS:
            self.colour_box.addItem(self.tr(label), mode)
        self.scan_button = QPushButton(self.tr("扫描"))
        self.scan_button.setObjectName("capture_scan")
        self.scan_button.clicked.connect(self.scan)
        form = QFormLayout(scanner_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("来源"), self.source_box)
        form.addRow(self.tr("分辨率"), self.dpi_box)
        form.addRow(self.tr("颜色"), self.colour_box)
        self.scanner_box = scanner_box

        self.import_button = QPushButton(self.tr("导入文件… (Ctrl+O)"))
        self.import_button.setObjectName("capture_import")
        self.import_button.setToolTip(self.tr("导入 JPEG、PNG、TIFF 或 PDF 文件；也可以把文件拖到这里"))
        self.import_button.clicked.connect(self.choose_files)

        self.status = QLabel()
        self.status.setObjectName("capture_status")
        self.status.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setObjectName("capture_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("scan_progress_text")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("scan_progress")
        self.progress_bar.setRange(0, 0)  # a feeder does not say how many sheets it holds
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton(self.tr("取消扫描"))
        self.cancel_button.setObjectName("scan_cancel")
        self.cancel_button.clicked.connect(self.cancel_scan)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        self._progress_widgets = (self.progress_label, self.progress_bar, self.cancel_button)
        self._show_progress(False)

        self.strip = PageStrip(self.capturer.profile)
        self.strip.page_did_request_move.connect(self._move)
        self.strip.page_did_request_rotation.connect(self._rotate)
        self.strip.page_did_request_delete.connect(self._delete)
        self.strip.files_did_drop.connect(lambda files: self.import_paths(list(files)))
        self.strip.currentRowChanged.connect(lambda _row: self._update_actions())
        # Said inside the empty strip, so the clerk sees where pages will go and how to get them.
        self.strip_hint = QLabel(self.tr(EMPTY_STRIP), self.strip.viewport())
        self.strip_hint.setObjectName("strip_hint")
        self.strip_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.strip_hint.setWordWrap(True)
        self.strip_hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.strip_hint.setStyleSheet(HINT_STYLE)
        self.strip.viewport().installEventFilter(self)
        handlers: dict[str, Callable[[], None]] = {
            "earlier": lambda: self.strip.move_current(-1),
            "later": lambda: self.strip.move_current(1),
            "rotate": lambda: self.strip.rotate_current(1),
            "rotate_back": lambda: self.strip.rotate_current(-1),
            "delete": self.strip.delete_current,
            "retake": self.retake,
        }
        self.page_buttons: dict[str, QPushButton] = {}
        # A column beside the strip, not a row under it: the materials step is short of height.
        page_column = QVBoxLayout()
        for name, text, key in PAGE_ACTIONS:
            button = QPushButton(self.tr(text))
            button.setObjectName(f"page_{name}")
            if key:
                button.setToolTip(key)
            button.clicked.connect(lambda _checked=False, h=handlers[name]: h())
            page_column.addWidget(button)
            self.page_buttons[name] = button
        self.page_buttons["retake"].setToolTip(self.tr("用高拍仪重新拍摄选中的页，位置不变"))
        self.corners_button = QPushButton(self.tr("调整四角…"))
        self.corners_button.setObjectName("capture_corners")
        self.corners_button.setToolTip(self.tr("重新调整选中页的纸张四角（仅限本次拍摄的页）"))
        self.corners_button.clicked.connect(self.adjust_corners)
        page_column.addWidget(self.corners_button)
        page_column.addStretch(1)

        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.target_label)
        side.addWidget(camera_box)
        side.addWidget(scanner_box)
        actions = QHBoxLayout()  # under the boxes, not in them: the materials step is short of height
        actions.addWidget(self.scan_button)
        actions.addWidget(self.import_button, 1)
        side.addLayout(actions)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(max(SIDE_WIDTH, side_widget.sizeHint().width()))
        # What the host puts beside the preview (the materials checklist) shares this splitter.
        self.beside = QSplitter(Qt.Orientation.Horizontal)
        self.beside.setObjectName("capture_beside")
        self.beside.setChildrenCollapsible(False)
        self.beside.addWidget(self.view)
        top = QHBoxLayout()
        top.addWidget(self.beside, 1)
        top.addWidget(side_widget)
        bottom = QHBoxLayout()
        bottom.addWidget(self.strip, 1)
        bottom.addLayout(page_column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addLayout(progress_row)
        layout.addLayout(bottom)

        # QShortcuts, not button.setShortcut (that clicks 100 ms later, and a held key must not take
        # a burst of pictures); they act while the focus is anywhere in this panel.
        self.capture_shortcut = QShortcut(QKeySequence(CAPTURE_KEY), self, self.capture)
        self.import_shortcut = QShortcut(QKeySequence(IMPORT_KEY), self, self.choose_files)
        for shortcut in (self.capture_shortcut, self.import_shortcut):
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setAutoRepeat(False)

        self.capturer.page_did_store.connect(self._stored)
        self.capturer.progress_did_change.connect(self.say)
        self.capturer.problem_did_occur.connect(self._show_problem)
        self.capturer.sheet_will_scan.connect(self._sheet_started)
        self.capturer.scan_did_finish.connect(self._scan_finished)
        self.capturer.capture_did_end.connect(self._update_actions)
        self._load_scanner_options()
        self._update_actions()

    def put_beside(self, widget: QWidget, *, share: float = 0.5) -> None:
        """Show ``widget`` left of the preview (the clerk can drag the border); it takes ``share``
        of their width. Keys and dropped files of this panel work inside it too."""
        self.beside.insertWidget(0, widget)
        self.beside.setStretchFactor(0, round(share * 10))
        self.beside.setStretchFactor(1, round((1 - share) * 10))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.strip.viewport() and event.type() == QEvent.Type.Resize:
            self.strip_hint.setGeometry(self.strip.viewport().rect())
        return super().eventFilter(watched, event)

    def stop(self) -> None:
        """Let go of the devices before they stop: the preview ends, a scan stops after this sheet."""
        self.preview.stop()
        self.capturer.stop()

    # --- what is shown ------------------------------------------------------------------------------

    @property
    def target(self) -> tuple[int, int] | None:
        """(case id, material id) pages go to, or None."""
        return self._target

    def set_material(
        self,
        case_id: int | None,
        material_id: int | None,
        *,
        name: str = "",
        editable: bool = True,
        why: str = "",
    ) -> None:
        """Capture into this material from now on (None: nothing selected) and show its pages.

        ``why`` tells the clerk what to do while nothing can be captured (no material, or one
        that may not change any more); by default: choose a material.
        """
        target = None if case_id is None or material_id is None else (case_id, material_id)
        if target is not None and self._target is not None and target[0] != self._target[0]:
            self._thumbnails.clear()  # keep the caches to one case's pages
            self._blank.clear()
        changed = target != self._target
        self._target, self._editable = target, editable and target is not None
        if target is None:
            self._why = why or self.tr(NO_TARGET)
            self.target_label.setText(self._why)
        elif editable:
            self._why = ""
            self.target_label.setText(self.tr("采集到：{name}").format(name=name))
        else:
            self._why = why or self.tr("该材料不能再修改，不能再采集。")
            self.target_label.setText(self.tr("{name}（材料不能再修改）").format(name=name))
        self.idle_view.setText(self._why)
        self.target_label.setVisible(target is not None)  # else the card in place of the preview says it
        self.view.setCurrentWidget(self.preview if self._editable else self.idle_view)
        if self._editable:
            self._load_scanner_options()
        if changed:
            self.strip.show_pages([])
            self.reload()
        self._update_actions()

    def reload(self) -> None:
        if self._target is None:
            return
        case_id, material_id = self._target
        op = load_material_pages(
            self._ctx, case_id, material_id, self._thumbnails.keys(), profile_key=self.capturer.profile_key
        )
        self._runner.start(op.success(self._show_pages))

    def _show_pages(self, loaded: MaterialPages) -> None:
        if self._target != (loaded.case_id, loaded.material_id):
            return  # another material was chosen meanwhile
        self._thumbnails.update(loaded.thumbnails)
        self._blank.update(loaded.blank)
        select = self._select_row
        self.strip.show_pages(strip_pages(loaded.pages, self._thumbnails, self._blank_keys()), select=select)
        if self._select_id is not None:
            self.strip.select_page_id(self._select_id)
        self._select_id = self._select_row = None
        self._update_actions()

    def _blank_keys(self) -> set[str]:
        return {key for key, blank in self._blank.items() if blank}

    def _update_actions(self) -> None:
        ready = self._target is not None and self._editable
        scanning = self.capturer.scanning
        capturing = self.capturer.capturing
        page = self.strip.current_page()
        self.capture_button.setEnabled(ready and not scanning and not capturing)
        self.corners_button.setEnabled(
            ready and page is not None and self.capturer.can_adjust(page.id) and not capturing
        )
        self.scan_button.setEnabled(ready and self._scanner_ready and not scanning)
        self.import_button.setEnabled(ready and not scanning)
        self.strip.editable = ready and not scanning
        for name, button in self.page_buttons.items():
            enabled = ready and not scanning and page is not None
            if page is not None and name == "earlier":
                enabled = enabled and page.position > 0
            if page is not None and name == "later":
                enabled = enabled and page.position < self.strip.count() - 1
            if name == "retake":
                enabled = enabled and has_camera(self._devices) and not capturing
            button.setEnabled(enabled)
        self.strip_hint.setVisible(ready and self.strip.count() == 0)

    def say(self, text: str) -> None:
        """Tell the clerk how capturing goes (the line under the preview)."""
        self.status.setText(text)

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _clear_problem(self) -> None:
        self._show_problem("")

    def _require_target(self) -> tuple[int, int] | None:
        if self._target is None or not self._editable:
            self._show_problem(self._why or self.tr(NO_TARGET))
            return None
        return self._target

    # --- camera ------------------------------------------------------------------------------------

    def capture(self) -> None:
        """拍照 (Space): the page under the camera into the material."""
        target = self._require_target()
        if target is None or self.capturer.scanning:
            return
        if not has_camera(self._devices):
            self._show_problem(self.tr("本机没有配置高拍仪，请用扫描仪扫描或导入文件。"))
            return
        self._clear_problem()
        self.capturer.camera_page(*target)
        self._update_actions()

    def _auto_shot(self, frame: object) -> None:
        assert isinstance(frame, np.ndarray)
        if self._target is None or not self._editable:
            self.say(self.tr("自动拍摄：请先在材料清单中选中材料，这一页没有保存。"))
            return
        if self.capturer.capturing or self.capturer.scanning:
            return  # the clerk is still busy with the last page
        self._clear_problem()
        self.capturer.camera_frame(self._target[0], self._target[1], frame)
        self._update_actions()

    def retake(self) -> None:
        """重拍: a new camera picture for the selected page, in the same place."""
        page = self.strip.current_page()
        target = self._require_target()
        if page is None or target is None or self.capturer.scanning or self.capturer.capturing:
            return
        if not has_camera(self._devices):
            self._show_problem(self.tr("本机没有配置高拍仪，不能重拍；请删除这一页后扫描或导入。"))
            return
        self._clear_problem()
        self._select_id = page.id
        self.capturer.retake(target[0], page.id)
        self._update_actions()

    def adjust_corners(self) -> None:
        """调整四角: cut the selected camera page again along corners the clerk sets."""
        page = self.strip.current_page()
        if page is None or self._target is None or not self._editable:
            return
        self._select_id = page.id
        self.capturer.adjust_corners(self._target[0], page.id)
        self._update_actions()

    def _ask_corners(
        self, frame: Image, corners: Corners | None, unsure: bool, done: Callable[[Corners | None], None]
    ) -> None:
        if self.corner_editor is not None:
            self.corner_editor.deleteLater()
        editor = CornerEditor(frame, corners, unsure=unsure, parent=self)
        self.corner_editor = editor
        editor.accepted.connect(lambda: done(editor.corners()))
        editor.rejected.connect(lambda: done(None))
        editor.open()

    # --- scanner -----------------------------------------------------------------------------------

    def _load_scanner_options(self) -> None:
        """Ask the scanner what it offers; again later when it was not ready (the counter window is
        built before its devices start, and a scanner may be plugged in during the day)."""
        devices = self._devices
        if devices is None or devices.drivers.get("scanner", NO_DRIVER) == NO_DRIVER:
            self.scanner_box.setEnabled(False)
            self.scanner_box.setToolTip(self.tr("本机没有配置扫描仪"))
            return
        if self._scanner_ready or self._scanner_loading:
            return
        self._scanner_loading = True  # before starting: an inline runner finishes within the call
        self.scanner_box.setEnabled(False)
        self.scanner_box.setToolTip(self.tr("正在读取扫描仪…"))
        self._runner.start(
            scanner_options(devices).success(self._show_scanner_options).failure(self._no_scanner)
        )

    def _show_scanner_options(self, options: ScannerOptions) -> None:
        self._scanner_loading = False
        self.source_box.clear()
        self.source_box.addItem(self.tr("自动（进纸器优先）"), None)
        for source in options.sources:
            self.source_box.addItem(
                self.tr(SOURCE_LABELS[source]) if source in SOURCE_LABELS else source, source
            )
        self.dpi_box.clear()
        self.dpi_box.addItem(self.tr(STATION_SETTING), None)
        for dpi in options.resolutions:
            self.dpi_box.addItem(f"{dpi} dpi", dpi)
        self._scanner_ready = True
        self.scanner_box.setEnabled(True)
        self.scanner_box.setToolTip("")
        self._update_actions()

    def _no_scanner(self, error: BaseException) -> None:
        self._scanner_loading = False
        self.scanner_box.setToolTip(
            str(error) if isinstance(error, UserFacingError) else self.tr("扫描仪无法使用")
        )
        log.info("scanner options could not be read: %s", type(error).__name__)

    def scan_settings(self) -> ScanSettings:
        return ScanSettings(
            source=self.source_box.currentData(),
            dpi=self.dpi_box.currentData(),
            color_mode=self.colour_box.currentData(),
        )

    def scan(self) -> None:
        """扫描: every sheet from the chosen source into the material, with progress and 取消."""
        target = self._require_target()
        if target is None or self.capturer.scanning:
            return
        if not self._scanner_ready:
            self._load_scanner_options()  # it may have come up since
        if not self._scanner_ready:
            self._show_problem(self.scanner_box.toolTip() or self.tr("扫描仪无法使用"))
            return
        self._clear_problem()
        self._show_progress(True)  # before starting: an inline runner finishes within the call
        self.progress_label.setText(self.tr("正在启动扫描仪…"))
        self.capturer.scan(target[0], target[1], self.scan_settings())
        self._update_actions()
        self.scanning_did_change.emit(self.capturer.scanning)

    def cancel_scan(self) -> None:
        self.capturer.cancel_scan()
        self.cancel_button.setEnabled(False)

    def _sheet_started(self, number: int) -> None:
        self.progress_label.setText(self.tr("正在扫描第 {n} 页…").format(n=number))

    def _show_progress(self, shown: bool) -> None:
        for widget in self._progress_widgets:
            widget.setVisible(shown)
        self.cancel_button.setEnabled(shown)

    def _scan_finished(self, _result: object) -> None:
        self._show_progress(False)
        self._update_actions()
        self.reload()
        self.scanning_did_change.emit(False)

    # --- files ---------------------------------------------------------------------------------------

    def choose_files(self) -> None:
        """导入文件 (Ctrl+O)."""
        if self._require_target() is None:
            return
        paths, _filter = QFileDialog.getOpenFileNames(
            self, self.tr("导入材料文件"), str(Path.home()), self.tr(IMPORT_FILTER)
        )
        if paths:
            self.import_paths([Path(p) for p in paths])

    def import_paths(self, paths: Sequence[Path | str]) -> None:
        """Import the JPEG/PNG/TIFF/PDF files among ``paths``; the others are named in a message."""
        target = self._require_target()
        if target is None or self.capturer.scanning:
            return
        files = [Path(p) for p in paths]
        usable = [p for p in files if p.suffix.lower() in IMPORT_SUFFIXES]
        refused = [p.name for p in files if p.suffix.lower() not in IMPORT_SUFFIXES]
        self._clear_problem()
        if refused:
            self._show_problem(
                self.tr("不能导入：{names}。只能导入 JPEG、PNG、TIFF 或 PDF 文件。").format(
                    names="、".join(refused)
                )
            )
        if usable:
            self.capturer.import_files(target[0], target[1], usable)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = PageStrip.dropped_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_paths(files)

    # --- page edits ----------------------------------------------------------------------------------

    def _edit(self, op: Op[MaterialChange], done: str = "") -> None:
        self._clear_problem()

        def edited(change: MaterialChange) -> None:
            if done:
                self.say(done)
            self._changed(change)

        self._runner.start(op.success(edited))

    def _move(self, page_id: int, position: int) -> None:
        if self._target is None:
            return
        self._select_id = page_id
        self._edit(
            material_operations.move_page(
                self._ctx, self.capturer.actor(), self._target[0], page_id, position
            )
        )

    def _rotate(self, page_id: int, quarter_turns: int) -> None:
        if self._target is None:
            return
        self._select_id = page_id
        self.capturer.forget_frame(page_id)
        op = material_operations.rotate_page(
            self._ctx, self.capturer.actor(), self._target[0], page_id, quarter_turns
        )
        self._edit(op)

    def _delete(self, page_id: int) -> None:
        if self._target is None:
            return
        self._select_row = max(self.strip.currentRow() - 1, 0)
        self.capturer.forget_frame(page_id)
        number = self.strip.currentRow() + 1
        op = material_operations.delete_page(self._ctx, self.capturer.actor(), self._target[0], page_id)
        self._edit(op, self.tr("已删除第 {n} 页。").format(n=number))

    def _stored(self, change: MaterialChange) -> None:
        if isinstance(change, StoredPages) and change.page_ids:
            self._select_id = change.page_ids[-1]
        self._changed(change)

    def _changed(self, change: MaterialChange) -> None:
        if self._target is None or change.case_id != self._target[0]:
            return
        self.material_did_change.emit(change)
        self.reload()
