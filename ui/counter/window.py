"""CounterWindow (综合窗口受理): the clerk's main window, one screen per visit.

Left: 叫号 (queue) over 申请人 (applicant). Middle: 办件 (find the service item) over the
办事指南 (guide). Right: 材料 (the checklist of the case) with the decision buttons under it.
A status bar shows station, window, clerk, devices, platform link and the sync backlog. All
panels share one :class:`~ui.counter.visit.Visit`; every core call goes through the OpRunner;
device notices come in through a DeviceStatusBridge. With devices, a
:class:`~devices.printer.spooler.PrintSpooler` prints the receipts waiting in this counter's print
queue whenever the printer is ready; the 打印 menu (Ctrl+Shift+P) opens the print-jobs view. The
signed-in :class:`Actor` decides what is enabled; an :class:`~ui.idle_lock.IdleLock` covers the
window when the clerk is away. When ``sync.platform_url`` is set, a
:class:`~ui.sync_service.SyncService` sends to the provincial platform from :meth:`start_watching`
until the window closes; its :class:`~ui.sync_indicator.SyncIndicator` takes the status bar's
platform and backlog fields, and the 同步 menu opens the sync log or syncs now (Ctrl+Shift+S).
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QMainWindow,
    QMenuBar,
    QPlainTextEdit,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.model import Role
from app.services.actor import Actor
from app.services.queue import COUNTER_ROLES
from app.services.status import CounterStatus
from devices.manager import DeviceManager, DeviceStatus
from devices.printer.spooler import PrintSpooler
from sync.runner import RunReport
from ui.counter.applicant_panel import ApplicantPanel
from ui.counter.case_list import CaseListWindow
from ui.counter.decision_dialogs import DecisionBar
from ui.counter.guide_view import GuideView
from ui.counter.help_overlay import HELP_CHARACTERS, HELP_KEY, HelpOverlay, KeyHelp
from ui.counter.item_panel import ItemPanel
from ui.counter.materials_panel import MaterialsPanel
from ui.counter.operations import load_counter_status
from ui.counter.print_jobs import OPEN_KEY as PRINT_JOBS_KEY
from ui.counter.print_jobs import PrintJobsDialog
from ui.counter.print_preview import queue_printer
from ui.counter.queue_panel import QueuePanel
from ui.counter.status_bar import STATUS_REFRESH_MS, CounterStatusBar
from ui.counter.sync_log import SYNC_NOW_KEY, SyncLogDialog
from ui.counter.visit import Visit, gate_by_role, role_required_tip
from ui.device_bridge import DeviceStatusBridge
from ui.idle_lock import LOCK_KEY, IdleLock, idle_timeout_ms
from ui.ops import Changes, OpRunner
from ui.queue_reset import daily_reset_op
from ui.sync_indicator import SyncIndicator
from ui.sync_service import SyncService, platform_url

SEARCH_KEY = "Ctrl+F"
CASE_LIST_KEY = "Ctrl+L"
# Widgets where "?" is text the clerk types, not a request for help.
TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)
# Who may open and decide cases (收件、受理…); the others (实施人员) may only look.
CASE_ROLES = frozenset({Role.CLERK, Role.STATION_STAFF, Role.SUPERVISOR})
# Who a window opened without signing in acts as: an installer, who may look but not act.
READ_ONLY_ACTOR = Actor(username="readonly", role=Role.INSTALLER, display_name="只读")

# The key map of the counter (shown by the help overlay): key, action, roles needed (None: anyone).
KEY_MAP: tuple[tuple[str, str, frozenset[Role] | None], ...] = (
    ("F1", str(QT_TRANSLATE_NOOP("KeyMap", "叫号（办结当前号并叫下一位）")), COUNTER_ROLES),
    ("F2", str(QT_TRANSLATE_NOOP("KeyMap", "读身份证")), COUNTER_ROLES),
    ("F3", str(QT_TRANSLATE_NOOP("KeyMap", "重呼")), COUNTER_ROLES),
    ("F4", str(QT_TRANSLATE_NOOP("KeyMap", "过号")), COUNTER_ROLES),
    ("F5", str(QT_TRANSLATE_NOOP("KeyMap", "转移")), COUNTER_ROLES),
    ("F6", str(QT_TRANSLATE_NOOP("KeyMap", "暂停 / 恢复服务")), COUNTER_ROLES),
    ("Ctrl+F1", str(QT_TRANSLATE_NOOP("KeyMap", "指定号码叫号")), COUNTER_ROLES),
    ("Ctrl+F3", str(QT_TRANSLATE_NOOP("KeyMap", "挂起当前号")), COUNTER_ROLES),
    ("Ctrl+F4", str(QT_TRANSLATE_NOOP("KeyMap", "取消当前号")), COUNTER_ROLES),
    ("F7", str(QT_TRANSLATE_NOOP("KeyMap", "拍照 / 扫描当前材料")), CASE_ROLES),
    ("F8", str(QT_TRANSLATE_NOOP("KeyMap", "受理")), CASE_ROLES),
    ("F9", str(QT_TRANSLATE_NOOP("KeyMap", "补正告知")), CASE_ROLES),
    ("F10", str(QT_TRANSLATE_NOOP("KeyMap", "不予受理")), CASE_ROLES),
    ("Ctrl+P", str(QT_TRANSLATE_NOOP("KeyMap", "打印")), CASE_ROLES),
    (CASE_LIST_KEY, str(QT_TRANSLATE_NOOP("KeyMap", "办件列表")), None),
    (PRINT_JOBS_KEY, str(QT_TRANSLATE_NOOP("KeyMap", "打印任务（补打、重新打印、取消）")), None),
    (SYNC_NOW_KEY, str(QT_TRANSLATE_NOOP("KeyMap", "立即同步（等待重试的记录马上发送）")), None),
    (SEARCH_KEY, str(QT_TRANSLATE_NOOP("KeyMap", "搜索事项")), None),
    ("↓ / Enter", str(QT_TRANSLATE_NOOP("KeyMap", "从搜索框进入结果列表 / 重新搜索")), None),
    (f"{HELP_KEY} / ?", str(QT_TRANSLATE_NOOP("KeyMap", "显示或隐藏快捷键帮助（? 在输入框外）")), None),
    (LOCK_KEY, str(QT_TRANSLATE_NOOP("KeyMap", "锁屏")), None),
    ("Esc", str(QT_TRANSLATE_NOOP("KeyMap", "关闭快捷键帮助")), None),
)


class CounterWindow(QMainWindow):
    """The counter main window; loads the catalog, the queue and the status bar once it is built.

    Device events arrive only for changes made after the window subscribed, so a caller that wants
    :attr:`window_did_load` to cover devices builds the window before ``DeviceManager.start()``:
    every device reports at least once after starting (ready, or why it could not open).
    Call :meth:`start_watching` once the window is shown (``run_counter`` does): it starts the
    idle lock, the card-reader poll and the draft restore.
    """

    # Emitted once, when the first catalog search is listed and every device in use has reported.
    window_did_load = Signal()

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager | None = None,
        actor: Actor | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("counter_window")
        self.setWindowTitle(self.tr("一窗 · 综合窗口受理"))
        self._ctx = ctx
        self._runner = runner
        self._devices = devices
        self.actor = actor or READ_ONLY_ACTOR
        self.visit = Visit(self.actor, self)
        self.catalog_loaded = False
        self._devices_to_report: set[str] = set()
        self._closed = False
        self.case_list: CaseListWindow | None = None
        self.print_jobs: PrintJobsDialog | None = None
        self.sync_log: SyncLogDialog | None = None
        # Receipts wait in the print queue until the printer takes them (started by start_watching).
        self.spooler: PrintSpooler | None = None
        if devices is not None:
            self.spooler = PrintSpooler(ctx.db, ctx.blobs, devices, printer=queue_printer(ctx))

        self.queue_panel = QueuePanel(ctx, runner, self.visit)
        self.applicant_panel = ApplicantPanel(ctx, runner, self.visit, devices)
        self.item_panel = ItemPanel(ctx, runner, self.visit, devices)
        self.guide_view = GuideView(ctx, runner, self.visit, devices)
        self.materials_panel = MaterialsPanel(ctx, runner, self.visit, devices)
        self.decision_bar = DecisionBar(ctx, runner, self.visit, devices)
        self._build_layout()

        self.status_bar = CounterStatusBar()
        self.setStatusBar(self.status_bar)
        url = platform_url(ctx)
        self.status_bar.show_platform(url)
        self.status_bar.show_clerk(self.actor)
        # Sync only when a platform is configured; the indicator then says more than the two fields.
        self.sync_service: SyncService | None = None
        self.sync_indicator: SyncIndicator | None = None
        if url:
            self.sync_service = SyncService(ctx, runner, parent=self)
            self.sync_indicator = SyncIndicator(url)
            self.status_bar.platform_label.hide()
            self.status_bar.outbox_label.hide()
            self.status_bar.addPermanentWidget(self.sync_indicator)
            self.sync_service.status_did_change.connect(self.sync_indicator.show_status)
            self.sync_service.mode_did_change.connect(self.sync_indicator.show_mode)
            self.sync_service.round_did_finish.connect(self._sync_round_finished)
            self.sync_indicator.clicked.connect(self.show_sync_log)

        # The case workspace as a whole: a disabled parent keeps every button in it disabled, whatever
        # the panels decide for themselves, so a role without case rights cannot open a case.
        for panel in (self.materials_panel, self.decision_bar):
            gate_by_role(panel, self.actor, CASE_ROLES)

        self.help_overlay = HelpOverlay(self._central)
        self.help_overlay.set_lines(self.key_help())
        self._build_menu()
        self.idle_lock = IdleLock(
            self,
            [self._central, self.status_bar, self.menuBar()],
            ctx,
            runner,
            self.actor,
            timeout_ms=idle_timeout_ms(ctx),
        )
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

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self._refresh_periodically)

        self.item_panel.results_did_load.connect(self._results_loaded)
        self.visit.visit_did_change.connect(self._visit_changed)
        runner.operation_did_execute.connect(self._operation_executed)
        runner.progress_did_change.connect(self.status_bar.show_progress)

        # The clerk's first move is calling a number or finding the item; the search box is ready.
        self.item_panel.search_box.setFocus()
        self.refresh_status()
        self.queue_panel.start()
        self.item_panel.search("")

    def _build_layout(self) -> None:
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.queue_panel)
        left.addWidget(self.applicant_panel)
        left.setStretchFactor(0, 1)
        left.setStretchFactor(1, 3)
        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.item_panel)
        middle.addWidget(self.guide_view)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.materials_panel, 1)
        right_layout.addWidget(self.decision_bar)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.setObjectName("counter_splitter")
        main.setChildrenCollapsible(False)
        for widget in (left, middle, right):
            main.addWidget(widget)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 3)
        main.setStretchFactor(2, 4)
        self._central = QWidget()
        layout = QVBoxLayout(self._central)
        layout.addWidget(main)
        self.setCentralWidget(self._central)

    def _build_menu(self) -> None:
        bar = QMenuBar(self)
        bar.setObjectName("counter_menu")
        print_menu = bar.addMenu(self.tr("打印(&P)"))
        # The key is shown, not bound, here: the QShortcut on the central widget owns it, so the
        # idle lock disables it with everything else (two bindings of one key would both go dead).
        action = print_menu.addAction(self.tr("打印任务…") + f"\t{PRINT_JOBS_KEY}")
        action.setObjectName("open_print_jobs")
        action.triggered.connect(self.show_print_jobs)
        sync_menu = bar.addMenu(self.tr("同步(&S)"))
        sync_now = sync_menu.addAction(self.tr("立即同步") + f"\t{SYNC_NOW_KEY}")
        sync_now.setObjectName("sync_now")
        sync_now.triggered.connect(self.sync_now)
        sync_now.setEnabled(self.sync_service is not None)
        log_action = sync_menu.addAction(self.tr("同步记录…"))
        log_action.setObjectName("open_sync_log")
        log_action.triggered.connect(self.show_sync_log)
        self.setMenuBar(bar)

    def key_help(self) -> list[KeyHelp]:
        """Every key of the counter, greyed out with the reason where this clerk's role lacks it."""
        lines = []
        for key, action, roles in KEY_MAP:
            why = role_required_tip(self.actor, roles) if roles is not None else ""
            lines.append(KeyHelp(key, QCoreApplication.translate("KeyMap", action), not why, why))
        return lines

    def _add_shortcuts(self) -> None:
        # Parented to the central widget: while the idle lock disables it, none of these fire.
        QShortcut(QKeySequence(HELP_KEY), self._central, self.help_overlay.toggle)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self._central, lambda: self.help_overlay.set_shown(False))
        QShortcut(QKeySequence(SEARCH_KEY), self._central, self._focus_search)
        QShortcut(QKeySequence(CASE_LIST_KEY), self._central, self.show_case_list)
        QShortcut(QKeySequence(PRINT_JOBS_KEY), self._central, self.show_print_jobs)
        QShortcut(QKeySequence(SYNC_NOW_KEY), self._central, self.sync_now)

    def _focus_search(self) -> None:
        self.item_panel.search_box.setFocus()
        self.item_panel.search_box.selectAll()

    def show_case_list(self) -> CaseListWindow:
        """Ctrl+L: the case list in its own window (one per counter window)."""
        if self.case_list is None:
            self.case_list = CaseListWindow(self._ctx, self._runner, self.visit, self._devices, self)
        self.case_list.show()
        self.case_list.raise_()
        self.case_list.activateWindow()
        return self.case_list

    def show_print_jobs(self) -> PrintJobsDialog:
        """Ctrl+Shift+P: this counter's print jobs, for 补打, 重新打印 and 取消."""
        if self.print_jobs is None:
            self.print_jobs = PrintJobsDialog(self._ctx, self._runner, self._devices, self.actor, self)
        else:
            self.print_jobs.refresh()
        self.print_jobs.show()
        self.print_jobs.raise_()
        self.print_jobs.activateWindow()
        return self.print_jobs

    def show_sync_log(self) -> SyncLogDialog:
        """The sync log and what the platform refused (also a click on the status bar's indicator)."""
        if self.sync_log is None:
            self.sync_log = SyncLogDialog(self._ctx, self._runner, self.sync_service, self.actor, self)
        else:
            self.sync_log.refresh()
        self.sync_log.show()
        self.sync_log.raise_()
        self.sync_log.activateWindow()
        return self.sync_log

    def sync_now(self) -> None:
        """Ctrl+Shift+S: waiting rows go now and the platform's changes are fetched."""
        if self.sync_service is None:
            self.status_bar.showMessage(
                self.tr("尚未设置省级平台地址（配置项 sync.platform_url），本机不向平台同步。"), 8000
            )
            return
        self.sync_service.sync_now()

    def _sync_round_finished(self, report: RunReport) -> None:
        # A round that sent or pulled something changed cases: let every screen redraw what it shows.
        pulled = report.pull.changes if report.pull is not None else 0
        if not self._closed and (report.send.sent or report.send.quarantined or pulled):
            self._runner.operation_did_execute.emit(Changes(cases=True, outbox=True))

    def start_watching(self) -> None:
        """Start what watches the clerk and the reader: idle lock, card poll, status refresh, draft,
        the print spooler (which first fails jobs an earlier run left half-printed) and, with a
        platform configured, the sync service."""
        self.idle_lock.start()
        self.applicant_panel.start_auto_read()
        self.applicant_panel.restore_draft()
        self._status_timer.start()
        if self.spooler is not None and not self.spooler.running:
            self.spooler.start()
        if self.sync_service is not None:
            self.sync_service.start()

    # --- status ------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        self._runner.start(load_counter_status(self._ctx).success(self._show_status))

    def _refresh_periodically(self) -> None:
        self.refresh_status()
        self.queue_panel.refresh()  # tickets are issued by the kiosk, another program
        self._runner.start(daily_reset_op(self._ctx))

    def _show_status(self, status: CounterStatus) -> None:
        if not self._closed:
            self.status_bar.show_counter_status(status)

    def _visit_changed(self) -> None:
        # The applicant is at the window: the called ticket is now being served.
        if self.visit.applicant is not None:
            self.queue_panel.start_service()

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
        if self._closed:
            return
        if changes.outbox or changes.cases:
            self.refresh_status()
        if changes.catalog:
            self.item_panel.search(self.item_panel.search_box.text())

    # --- events ------------------------------------------------------------------------------

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
            and not self.idle_lock.locked
            and (self.help_overlay.isVisible() or not isinstance(watched, TEXT_INPUTS))
        ):
            self.help_overlay.toggle()
            return True
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        self._status_timer.stop()
        self.idle_lock.stop()
        self.applicant_panel.stop()
        self.materials_panel.stop()  # camera preview and scan, before the DeviceManager stops
        if self.case_list is not None:
            self.case_list.close()
        if self.print_jobs is not None:
            self.print_jobs.close()
        if self.sync_log is not None:
            self.sync_log.close()
        if self.sync_service is not None:
            self.sync_service.stop()
        if self.spooler is not None:
            self.spooler.stop()  # before the DeviceManager stops (ModeLaunch.close closes us first)
        if self._bridge is not None:
            self._bridge.close()
        super().closeEvent(event)
