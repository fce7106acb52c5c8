"""取号机 window: one large button per category, 预约签到 by QR or ID card, and the printed ticket.

The board refreshes every :data:`REFRESH_MS`. A tap disables every button until the issue op has
finished, and taps are ignored for :data:`QUIET_AFTER_TICKET_S` after a ticket, so a hurried
double tap never prints two tickets. The printer is asked before every ticket and after every
change it reports; while it cannot print, a red banner tells applicants to go to the service desk
and no ticket is issued. The scanner types codes (and Enter) into a hidden field: an appointment
code checks the appointment in, the QR code of a ticket shows where it stands.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import Cancelled, DeviceUnavailable, SyncError, UserFacingError
from app.services.kiosk import DEFAULT_ELDERLY_AGE, TicketStatus, is_status_key, priority_for_birth_date
from app.services.queue import CategoryView
from devices.idcard.base import IdCardData
from devices.manager import DeviceManager, DeviceStatus
from ui.device_bridge import DeviceStatusBridge
from ui.kiosk.lock import KioskLock
from ui.kiosk.operations import (
    IssueOutcome,
    PrinterCheck,
    check_in_with_card,
    check_in_with_code,
    check_printer,
    load_board,
    look_up_status,
    read_card,
    take_ticket,
)
from ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

REFRESH_MS = 5000
RESULT_SHOWN_MS = 6000
QUIET_AFTER_TICKET_S = 2.0
NOTICE_SHOWN_MS = 10000
#: How long an elderly card's priority waits for the category tap.
PRIORITY_HELD_MS = 30000
GRID_COLUMNS = 3

BANNER_STYLE = "background:#c62828;color:white;font-size:30px;font-weight:bold;padding:14px;border-radius:6px"
NOTICE_STYLE = "font-size:24px;color:#0d47a1;padding:6px"
NOTICE_ERROR_STYLE = "font-size:24px;color:#b71c1c;padding:6px"
CATEGORY_STYLE = (
    "QPushButton{background:#1565c0;color:white;font-size:34px;font-weight:bold;border-radius:14px;"
    "padding:12px}QPushButton:pressed{background:#0d47a1}"
    "QPushButton:disabled{background:#90a4ae;color:#eceff1}"
)
CARD_STYLE = (
    "QPushButton{background:#2e7d32;color:white;font-size:26px;font-weight:bold;border-radius:10px;"
    "padding:10px 24px}QPushButton:disabled{background:#90a4ae}"
)

# Banner per printer state (the hall's usual wording), marked for translation.
_BANNERS = {
    "paper_out": str(QT_TRANSLATE_NOOP("KioskWindow", "打印机缺纸，暂停出票，请到服务台取号")),
    "cover_open": str(QT_TRANSLATE_NOOP("KioskWindow", "打印机纸仓盖未关好，暂停出票，请到服务台取号")),
    "offline": str(QT_TRANSLATE_NOOP("KioskWindow", "打印机未连接，暂停出票，请到服务台取号")),
}
_PRIORITY_NAMES = {
    "appointment": str(QT_TRANSLATE_NOOP("KioskWindow", "预约优先")),
    "elderly": str(QT_TRANSLATE_NOOP("KioskWindow", "老年人优先")),
    "disabled": str(QT_TRANSLATE_NOOP("KioskWindow", "残疾人优先")),
    "green": str(QT_TRANSLATE_NOOP("KioskWindow", "绿色通道")),
}
_STATES = {
    "waiting": str(QT_TRANSLATE_NOOP("KioskWindow", "等候中")),
    "called": str(QT_TRANSLATE_NOOP("KioskWindow", "已叫号")),
    "serving": str(QT_TRANSLATE_NOOP("KioskWindow", "办理中")),
    "done": str(QT_TRANSLATE_NOOP("KioskWindow", "已办结")),
    "no_show": str(QT_TRANSLATE_NOOP("KioskWindow", "过号")),
    "parked": str(QT_TRANSLATE_NOOP("KioskWindow", "挂起")),
    "cancelled": str(QT_TRANSLATE_NOOP("KioskWindow", "已取消")),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("KioskWindow", text)


class ScanBridge(QObject):
    """Codes from the scanner's subscribers (any thread) arrive as :attr:`code_did_arrive` on the UI thread."""

    code_did_arrive = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._closed = False

    def deliver(self, code: str) -> None:
        with self._lock:
            if not self._closed:
                self.code_did_arrive.emit(code)

    def close(self) -> None:
        with self._lock:
            self._closed = True


class KioskWindow(QWidget):
    """The kiosk screen; see the module docstring. Call :meth:`start_watching` once devices run."""

    window_did_load = Signal()
    ticket_did_issue = Signal(object)  # KioskTicket
    #: The kiosk wants the program to end with this exit code (installer PIN, daily restart).
    exit_requested = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager,
        *,
        elderly_age: int = DEFAULT_ELDERLY_AGE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kiosk_window")
        self.setWindowTitle(self.tr("自助取号"))
        self._ctx = ctx
        self._runner = runner
        self._devices = devices
        self.elderly_age = elderly_age
        self.station_name = ctx.config.get_str("station.name")
        self.categories: list[CategoryView] = []
        self.printer: PrinterCheck | None = None
        self.busy = False
        self.pending_priority = "normal"
        self.board_loaded = False
        self._quiet_until = 0.0
        self._board_running = False
        self._printer_running = False
        self._closed = False
        self._unsubscribe_scanner: Callable[[], None] | None = None
        self._subscription: Future[Callable[[], None]] | None = None
        self.lock: KioskLock | None = None

        self._status_bridge = DeviceStatusBridge(devices, self)
        self._status_bridge.status_did_change.connect(self._device_changed)
        self._scan_bridge = ScanBridge(self)
        self._scan_bridge.code_did_arrive.connect(self.handle_code)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._result_timer = self._single_shot(RESULT_SHOWN_MS, self.show_board)
        self._quiet_timer = self._single_shot(int(QUIET_AFTER_TICKET_S * 1000), self._sync_buttons)
        self._notice_timer = self._single_shot(NOTICE_SHOWN_MS, self._clear_notice)
        self._priority_timer = self._single_shot(PRIORITY_HELD_MS, self._drop_priority)

        self._build()
        self._sync_buttons()

    def _single_shot(self, msec: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(msec)
        timer.timeout.connect(slot)
        return timer

    # --- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.setStyleSheet("KioskWindow{background:#eef3f8}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        title = QLabel(self.tr("{station} · 自助取号").format(station=self.station_name))
        title.setObjectName("kiosk_title")
        title.setStyleSheet("font-size:36px;font-weight:bold;color:#0d47a1")
        self.clock_label = QLabel()
        self.clock_label.setObjectName("kiosk_clock")
        self.clock_label.setStyleSheet("font-size:32px;color:#37474f")
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(self.clock_label)

        self.banner = QLabel()
        self.banner.setObjectName("printer_banner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()

        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_board())
        self.stack.addWidget(self._build_result())

        self.notice = QLabel()
        self.notice.setObjectName("kiosk_notice")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setMinimumHeight(48)

        # The scanner types into this field. It must be visible to keep the focus, so it is 1×1 and blank.
        self.scan_input = QLineEdit(self)
        self.scan_input.setObjectName("scan_input")
        self.scan_input.setFixedSize(1, 1)
        self.scan_input.setStyleSheet("border:none;background:transparent;color:transparent")
        self.scan_input.returnPressed.connect(self._scanned_into_field)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 20, 32, 20)
        layout.setSpacing(14)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.scan_input)

    def _build_board(self) -> QWidget:
        page = QWidget()
        page.setObjectName("kiosk_board")
        self.hint = QLabel(self.tr("请点击您要办理的业务类别取号"))
        self.hint.setObjectName("kiosk_hint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("font-size:30px;color:#263238")
        self.grid = QGridLayout()
        self.grid.setSpacing(20)
        self.buttons: dict[str, QPushButton] = {}

        self.card_button = QPushButton(self.tr("刷身份证：预约签到 / 老年人优先"))
        self.card_button.setObjectName("card_button")
        self.card_button.setStyleSheet(CARD_STYLE)
        self.card_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.card_button.setVisible(self._devices.drivers.get("idcard", "none") != "none")
        self.card_button.clicked.connect(self.read_card)
        scan_hint = QLabel(self.tr("已预约的群众，请将预约二维码对准扫码口签到"))
        scan_hint.setObjectName("scan_hint")
        scan_hint.setStyleSheet("font-size:24px;color:#37474f")
        bottom = QHBoxLayout()
        bottom.addWidget(self.card_button)
        bottom.addSpacing(24)
        bottom.addWidget(scan_hint, 1)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.hint)
        layout.addLayout(self.grid, 1)
        layout.addLayout(bottom)
        return page

    def _build_result(self) -> QWidget:
        page = QWidget()
        page.setObjectName("kiosk_result")
        page.setStyleSheet("QWidget#kiosk_result{background:white;border-radius:16px}")
        page.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        caption = QLabel(self.tr("您的号码"))
        caption.setStyleSheet("font-size:34px;color:#37474f")
        self.result_number = QLabel()
        self.result_number.setObjectName("result_number")
        self.result_number.setStyleSheet("font-size:200px;font-weight:bold;color:#0d47a1")
        self.result_detail = QLabel()
        self.result_detail.setObjectName("result_detail")
        self.result_detail.setStyleSheet("font-size:34px;color:#263238")
        self.result_hint = QLabel()
        self.result_hint.setObjectName("result_hint")
        self.result_hint.setWordWrap(True)
        layout = QVBoxLayout(page)
        for label in (caption, self.result_number, self.result_detail, self.result_hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        return page

    def _fill_grid(self, categories: list[CategoryView]) -> None:
        known = [(c.code, c.name) for c in self.categories]
        if known != [(c.code, c.name) for c in categories] or not self.buttons:
            for button in self.buttons.values():
                self.grid.removeWidget(button)
                button.deleteLater()
            self.buttons = {}
            for index, category in enumerate(categories):
                button = QPushButton()
                button.setObjectName(f"category_{category.code}")
                button.setStyleSheet(CATEGORY_STYLE)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the focus
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
                button.clicked.connect(lambda _=False, code=category.code: self.tap(code))
                self.buttons[category.code] = button
                self.grid.addWidget(button, index // GRID_COLUMNS, index % GRID_COLUMNS)
        self.categories = list(categories)
        for category in categories:
            waiting = self.tr("等候 {count} 人").format(count=category.waiting)
            self.buttons[category.code].setText(f"{category.code}  {category.name}\n{waiting}")
        self._sync_buttons()

    # --- start, refresh, stop -----------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self.board_loaded and self.printer is not None

    def start_watching(self) -> None:
        """First load, the 5-second refresh and the scanner subscription; call after devices.start()."""
        self._subscribe_scanner()
        self._refresh_timer.start()
        self._update_clock()
        self._start_board(ensure_categories=True)
        self._start_printer_check()

    def _subscribe_scanner(self) -> None:
        try:
            self._subscription = self._devices.submit(
                "barcode", lambda s: s.subscribe(self._scan_bridge.deliver)
            )
        except DeviceUnavailable:
            log.info("kiosk has no barcode device configured; scans typed into the kiosk are read directly")

    def refresh(self) -> None:
        self._update_clock()
        self._start_board()
        self._start_printer_check()

    def _update_clock(self) -> None:
        self.clock_label.setText(QTime.currentTime().toString("HH:mm"))

    def _start_board(self, *, ensure_categories: bool = False) -> None:
        if self._board_running or self._closed:
            return
        self._board_running = True
        op = load_board(self._ctx, ensure_categories=ensure_categories)
        self._runner.start(op.success(self._board_loaded).failure(self._board_failed))

    def _board_loaded(self, categories: list[CategoryView]) -> None:
        self._board_running = False
        self._fill_grid(categories)
        if not categories:
            self.hint.setText(self.tr("本服务点暂未开放取号，请到服务台咨询"))
        first = not self.board_loaded
        self.board_loaded = True
        if first and self.loaded:
            self.window_did_load.emit()

    def _board_failed(self, error: BaseException) -> None:
        self._board_running = False
        self.show_error(error)

    def _start_printer_check(self) -> None:
        if self._printer_running or self._closed:
            return
        self._printer_running = True
        self._runner.start(
            check_printer(self._devices).success(self._printer_checked).failure(self._printer_failed)
        )

    def _printer_checked(self, check: PrinterCheck) -> None:
        self._printer_running = False
        first = self.printer is None
        self.set_printer(check)
        if first and self.loaded:
            self.window_did_load.emit()

    def _printer_failed(self, error: BaseException) -> None:
        self._printer_running = False
        self.show_error(error)

    def _device_changed(self, status: DeviceStatus) -> None:
        if status.kind == "printer" and status.state != "busy":
            self._start_printer_check()

    def engage_lock(self, *, pin_hash: str, restart_at: str = "") -> KioskLock:
        """Lock the kiosk (ui.kiosk.lock): no leaving without the installer PIN, a daily restart."""
        if self.lock is None:
            self.lock = KioskLock(self, pin_hash=pin_hash, restart_at=restart_at, is_busy=lambda: self.busy)
            self.lock.exit_requested.connect(self._exit_requested)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.scan_input.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.lock.engage()
        return self.lock

    def _exit_requested(self, code: int) -> None:
        self.exit_requested.emit(code)
        self.close()

    def release_lock(self) -> None:
        """Let the window close (the program is ending)."""
        if self.lock is not None:
            self.lock.release()

    def shutdown(self) -> None:
        """Stop the timers and the device subscriptions; the window shows nothing new afterwards."""
        if self._closed:
            return
        self._closed = True
        self.release_lock()
        for timer in (
            self._refresh_timer,
            self._result_timer,
            self._quiet_timer,
            self._notice_timer,
            self._priority_timer,
        ):
            timer.stop()
        self._status_bridge.close()
        self._scan_bridge.close()
        subscription = self._subscription
        if subscription is not None and subscription.done() and subscription.exception() is None:
            subscription.result()()
        elif subscription is not None:
            subscription.cancel()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.lock is not None and not self.lock.allows_close:
            log.info("kiosk: close refused (locked; the installer PIN opens it)")
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.scan_input.setFocus()

    # --- printer ----------------------------------------------------------------------------

    def set_printer(self, check: PrinterCheck) -> None:
        self.printer = check
        if check.ok:
            self.banner.hide()
        else:
            self.banner.setText(_tr(_BANNERS[check.state]))
            self.banner.show()
        self._sync_buttons()

    @property
    def can_issue(self) -> bool:
        return self.printer is not None and self.printer.ok

    def _sync_buttons(self) -> None:
        enabled = self.can_issue and not self.busy and time.monotonic() >= self._quiet_until
        for button in self.buttons.values():
            button.setEnabled(enabled)
        self.card_button.setEnabled(enabled)

    def _accepting(self) -> bool:
        return not self._closed and not self.busy and time.monotonic() >= self._quiet_until

    # --- issuing ----------------------------------------------------------------------------

    def tap(self, category: str) -> None:
        """A category button was tapped: issue one ticket (with the card's priority, if one is held)."""
        if not self._accepting():
            return
        priority = self.pending_priority
        op = take_ticket(self._ctx, self._devices, category, priority, station_name=self.station_name)
        self._start_issue(op)

    def _start_issue(self, op: Op[IssueOutcome]) -> None:
        self.busy = True
        self._sync_buttons()
        self._runner.start(op.success(self._issued).failure(self._issue_failed))

    def _issued(self, outcome: IssueOutcome) -> None:
        self.busy = False
        self.set_printer(outcome.printer)
        issued = outcome.issued
        if issued is None:
            self._sync_buttons()
            if outcome.printer.ok:
                self.show_notice(self.tr("未查到您今天的预约，请点击业务类别取号"))
            return
        self._drop_priority()
        self._quiet_until = time.monotonic() + QUIET_AFTER_TICKET_S
        self._quiet_timer.start()
        self._sync_buttons()
        ticket = issued.ticket
        self.result_number.setText(ticket.number)
        detail = f"{ticket.category_name}（{ticket.category}）" if ticket.category_name else ticket.category
        priority = _PRIORITY_NAMES.get(ticket.priority)
        if priority:
            detail += "  " + _tr(priority)
        self.result_detail.setText(detail)
        if outcome.print_error:
            self.result_hint.setStyleSheet("font-size:28px;color:#b71c1c")
            self.result_hint.setText(
                self.tr("号票未能打印（{reason}）请记下您的号码，留意叫号。").format(
                    reason=outcome.print_error
                )
            )
        else:
            self.result_hint.setStyleSheet("font-size:30px;color:#2e7d32")
            ahead = (
                self.tr("您前面没有人等候。请取走号票，留意叫号。")
                if issued.people_ahead == 0
                else self.tr("您前面还有 {count} 人等候。请取走号票，留意叫号。").format(
                    count=issued.people_ahead
                )
            )
            self.result_hint.setText(ahead)
        self.stack.setCurrentIndex(1)
        self._result_timer.start()
        self._clear_notice()
        self.ticket_did_issue.emit(issued)
        self._start_board()

    def _issue_failed(self, error: BaseException) -> None:
        self.busy = False
        self._sync_buttons()
        self.show_error(error)

    def show_board(self) -> None:
        self._result_timer.stop()
        self.stack.setCurrentIndex(0)
        self.scan_input.setFocus()

    # --- ID card ----------------------------------------------------------------------------

    def read_card(self) -> None:
        if not self._accepting():
            return
        self.busy = True
        self._sync_buttons()
        self.show_notice(self.tr("正在读取身份证，请将证件平放在阅读器上…"))
        self._runner.start(read_card(self._devices).success(self._card_read).failure(self._issue_failed))

    def _card_read(self, card: IdCardData) -> None:
        if self._closed:
            return
        priority = priority_for_birth_date(card.birth_date, elderly_age=self.elderly_age)
        op = check_in_with_card(self._ctx, self._devices, card, station_name=self.station_name)

        def after(outcome: IssueOutcome) -> None:
            self._issued(outcome)
            if outcome.issued is None and outcome.printer.ok and priority == "elderly":
                self.hold_priority("elderly")

        self._runner.start(op.success(after).failure(self._issue_failed))

    def hold_priority(self, priority: str) -> None:
        """The next category tap issues with ``priority`` (for :data:`PRIORITY_HELD_MS`)."""
        self.pending_priority = priority
        self._priority_timer.start()
        self.show_notice(
            self.tr("您已满 {age} 周岁，可优先办理。请点击业务类别取号。").format(age=self.elderly_age)
        )

    def _drop_priority(self) -> None:
        self._priority_timer.stop()
        self.pending_priority = "normal"

    # --- scanner ----------------------------------------------------------------------------

    def _scanned_into_field(self) -> None:
        text = self.scan_input.text()
        self.scan_input.clear()
        if not text.strip():
            return
        # The scanner device decodes (and drops stray keys); its subscribers bring the code back.
        try:
            future = self._devices.submit("barcode", lambda s: s.feed(text + "\r"))
        except DeviceUnavailable:
            self.handle_code(text.strip())
            return
        future.add_done_callback(
            lambda f: (
                None if f.cancelled() or f.exception() is None else self._scan_bridge.deliver(text.strip())
            )
        )

    def handle_code(self, code: str) -> None:
        """A scanned code: a ticket's QR shows its status, anything else is an appointment code."""
        if self._closed:
            return
        if is_status_key(code):
            self._runner.start(
                look_up_status(self._ctx, code).success(self._show_status).failure(self.show_error)
            )
            return
        if not self._accepting():
            return
        op = check_in_with_code(self._ctx, self._devices, code, station_name=self.station_name)
        self._start_issue(op)

    def _show_status(self, status: TicketStatus) -> None:
        ticket = status.ticket
        state = _tr(_STATES.get(ticket.state, ticket.state))
        if ticket.state == "waiting":
            text = self.tr("{number} 号{state}，前面还有 {count} 人").format(
                number=ticket.number, state=state, count=status.people_ahead
            )
        elif ticket.window_number is not None and ticket.state in ("called", "serving"):
            text = self.tr("{number} 号{state}，请到 {window} 号窗口").format(
                number=ticket.number, state=state, window=ticket.window_number
            )
        else:
            text = self.tr("{number} 号{state}").format(number=ticket.number, state=state)
        self.show_notice(text)

    # --- messages ---------------------------------------------------------------------------

    def show_notice(self, text: str, *, error: bool = False) -> None:
        self.notice.setStyleSheet(NOTICE_ERROR_STYLE if error else NOTICE_STYLE)
        self.notice.setText(text)
        self._notice_timer.start()

    def _clear_notice(self) -> None:
        self._notice_timer.stop()
        self.notice.clear()

    def show_error(self, error: BaseException) -> None:
        """On a kiosk nobody clicks a message box away: errors go to the notice line."""
        if isinstance(error, Cancelled) or self._closed:
            return
        if isinstance(error, UserFacingError | SyncError):
            text = str(error)
        else:
            log.error("kiosk op failed", exc_info=(type(error), error, error.__traceback__))
            text = self.tr("抱歉，出现意外错误，请重试或到服务台取号。")
        self.show_notice(text, error=True)
