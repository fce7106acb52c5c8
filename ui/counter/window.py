"""CounterWindow (综合窗口受理): the clerk's main window.

Four panels side by side — 叫号 (queue), 申请人 (applicant), 办件 (find the service item) and 材料
(its checklist) — and a status bar with the station, the devices and the sync backlog. Every core
call goes through the OpRunner; device notices come in through a DeviceStatusBridge.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.services.catalog import ItemSummary
from app.services.status import CounterStatus
from devices.manager import DeviceManager, DeviceStatus
from ui.counter.applicant_panel import ApplicantPanel
from ui.counter.help_overlay import HELP_CHARACTERS, HELP_KEY, HelpOverlay, KeyHelp
from ui.counter.item_panel import ItemPanel
from ui.counter.materials_panel import MaterialsPanel
from ui.counter.operations import load_counter_status
from ui.counter.queue_panel import QUEUE_ACTIONS, QUEUE_DISABLED_TIP, QueuePanel
from ui.counter.status_bar import PLATFORM_URL_KEY, CounterStatusBar
from ui.device_bridge import DeviceStatusBridge
from ui.ops import Changes, OpRunner

WINDOW_TITLE = "一窗 · 综合窗口受理"
SEARCH_KEY = "Ctrl+F"
#: Widgets where "?" is text the clerk types, not a request for help.
TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)


class CounterWindow(QMainWindow):
    """The counter main window; loads the catalog and the status bar as soon as it is built.

    Device events arrive only for changes made after the window subscribed, so a caller that wants
    :attr:`window_did_load` to cover devices builds the window before ``DeviceManager.start()``:
    every device reports at least once after starting (ready, or why it could not open).
    """

    #: Emitted once, when the first catalog search is listed and every device in use has reported.
    window_did_load = Signal()

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("counter_window")
        self.setWindowTitle(WINDOW_TITLE)
        self._ctx = ctx
        self._runner = runner
        self.catalog_loaded = False
        self._devices_to_report: set[str] = set()

        self.queue_panel = QueuePanel()
        self.applicant_panel = ApplicantPanel()
        self.item_panel = ItemPanel(ctx, runner)
        self.materials_panel = MaterialsPanel(ctx, runner)
        self._build_layout()

        self.status_bar = CounterStatusBar()
        self.setStatusBar(self.status_bar)
        self.status_bar.show_platform(str(ctx.config.values.get(PLATFORM_URL_KEY) or ""))

        self.help_overlay = HelpOverlay(self._central)
        self.help_overlay.set_lines(self._key_help())
        self._add_shortcuts()

        self._bridge: DeviceStatusBridge | None = None
        if devices is not None:
            self._bridge = DeviceStatusBridge(devices, self)
            self._bridge.status_did_change.connect(self.status_bar.show_device)
            self._bridge.status_did_change.connect(self._device_reported)
            for status in devices.statuses():
                self.status_bar.show_device(status)
                if status.state != "absent":
                    self._devices_to_report.add(status.kind)

        self.item_panel.item_did_select.connect(self._item_selected)
        self.item_panel.results_did_load.connect(self._results_loaded)
        runner.operation_did_execute.connect(self._operation_executed)
        runner.progress_did_change.connect(self.status_bar.show_progress)

        # The clerk's first move is finding the item; the read-only applicant fields need no focus.
        self.item_panel.search_box.setFocus()
        self.refresh_status()
        self.item_panel.search("")

    def _build_layout(self) -> None:
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.queue_panel)
        left.addWidget(self.applicant_panel)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.setObjectName("counter_splitter")
        main.setChildrenCollapsible(False)
        for widget in (left, self.item_panel, self.materials_panel):
            main.addWidget(widget)
        main.setStretchFactor(0, 2)
        main.setStretchFactor(1, 3)
        main.setStretchFactor(2, 3)
        self._central = QWidget()
        layout = QVBoxLayout(self._central)
        layout.addWidget(main)
        self.setCentralWidget(self._central)

    def _key_help(self) -> list[KeyHelp]:
        lines = [
            KeyHelp(key, text, self.queue_panel.buttons[name].isEnabled(), QUEUE_DISABLED_TIP)
            for name, text, key in QUEUE_ACTIONS
        ]
        return [
            *lines,
            KeyHelp(SEARCH_KEY, "查找事项"),
            KeyHelp("↓ / Enter", "从查找框进入结果列表 / 重新查找"),
            KeyHelp(f"{HELP_KEY} 或 ?", "显示或隐藏快捷键帮助（? 在输入框外）"),
            KeyHelp("Esc", "关闭快捷键帮助"),
        ]

    def _add_shortcuts(self) -> None:
        QShortcut(QKeySequence(HELP_KEY), self, self.help_overlay.toggle)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, lambda: self.help_overlay.set_shown(False))
        QShortcut(QKeySequence(SEARCH_KEY), self, self._focus_search)

    def _focus_search(self) -> None:
        self.item_panel.search_box.setFocus()
        self.item_panel.search_box.selectAll()

    def refresh_status(self) -> None:
        self._runner.start(load_counter_status(self._ctx).success(self._show_status))

    def _show_status(self, status: CounterStatus) -> None:
        self.status_bar.show_counter_status(status)

    def _item_selected(self, item: ItemSummary) -> None:
        self.materials_panel.show_item(item)

    @property
    def loaded(self) -> bool:
        """True once the catalog is listed and every device in use has reported its state."""
        return self.catalog_loaded and not self._devices_to_report

    def _results_loaded(self, _count: int) -> None:
        if not self.catalog_loaded:
            self.catalog_loaded = True
            self._check_loaded()

    def _device_reported(self, status: DeviceStatus) -> None:
        if status.kind in self._devices_to_report:
            self._devices_to_report.discard(status.kind)
            self._check_loaded()

    def _check_loaded(self) -> None:
        if self.loaded:
            self.window_did_load.emit()

    def _operation_executed(self, changes: Changes) -> None:
        if changes.outbox or changes.cases:
            self.refresh_status()
        if changes.catalog:
            self.item_panel.search(self.item_panel.search_box.text())

    # "?" is watched through an application event filter rather than a QShortcut: a shortcut for
    # "?" misses Shift+/ on some platforms, and the result list would eat it for type-ahead search.
    # The filter is installed only while this window is shown.
    def showEvent(self, event: QShowEvent) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        super().hideEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.text() in HELP_CHARACTERS
            and isinstance(watched, QWidget)
            and watched.window() is self
            and (self.help_overlay.isVisible() or not isinstance(watched, TEXT_INPUTS))
        ):
            self.help_overlay.toggle()
            return True
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._bridge is not None:
            self._bridge.close()
        super().closeEvent(event)
