"""取号机锁定 (kiosk lock): the kiosk cannot be left without the installer PIN, and restarts daily.

While the lock is engaged (``yichuang kiosk`` engages it; tests and smoke runs do not):

- closing the window is refused (Alt+F4, the window manager's close, Esc, Ctrl+Q/Ctrl+W) unless
  the installer PIN was entered, or the daily restart is due;
- no context menu, tooltip or "What's this?" ever opens: they would show the desktop's own
  menus (copy, paste, input methods) on a public screen; the kiosk has no file dialogs at all;
- the PIN pad (:class:`PinDialog`, our own widget, never a system dialog) opens on a hidden
  gesture: Ctrl+Alt+Shift+Q on a keyboard, or :data:`HIDDEN_TAPS` taps within
  :data:`TAP_WINDOW_S` seconds in the top-left corner of the touch screen. After
  :data:`MAX_PIN_FAILURES` wrong PINs the gesture is ignored for :data:`LOCKOUT_S` seconds.
  With no PIN configured (``kiosk.installer_pin`` empty) the pad only asks for confirmation;
- at ``kiosk.restart_at`` (HH:MM, Beijing time) the kiosk leaves with exit code
  :data:`EXIT_DAILY_RESTART` (75, EX_TEMPFAIL) as soon as no ticket is being issued; the systemd
  unit / autostart entry starts it again, as it does after a crash. Leaving with the PIN exits 0.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.clock import LOCAL_TZ, local_now
from app.services.clerks import verify_password

log = logging.getLogger(__name__)

#: The exit code of the daily restart; the kiosk's service restarts the program on it.
EXIT_DAILY_RESTART = 75
EXIT_BY_INSTALLER = 0
HIDDEN_TAPS = 5
TAP_WINDOW_S = 3.0
TAP_CORNER_PX = 90
MAX_PIN_FAILURES = 3
LOCKOUT_S = 60.0
RESTART_CHECK_MS = 20_000

#: Events that would open something of the desktop's own on the kiosk screen.
_SWALLOWED = frozenset(
    {QEvent.Type.ContextMenu, QEvent.Type.ToolTip, QEvent.Type.WhatsThis, QEvent.Type.QueryWhatsThis}
)
PIN_STYLE = (
    "QDialog{background:#eceff1}QLabel{font-size:24px}QLineEdit{font-size:32px;padding:8px}"
    "QPushButton{font-size:28px;min-width:96px;min-height:72px}"
)


def next_restart(now: dt.datetime, at: str) -> dt.datetime | None:
    """The first moment after ``now`` at the local time ``at`` ("HH:MM"); None when ``at`` is empty."""
    if not at:
        return None
    hour, minute = (int(part) for part in at.split(":"))
    local = now.astimezone(LOCAL_TZ)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += dt.timedelta(days=1)
    return candidate


def _is_exit_key(event: QKeyEvent) -> bool:
    key, mods = event.key(), event.modifiers()
    if key == Qt.Key.Key_Escape:
        return True
    if key == Qt.Key.Key_F4 and mods & Qt.KeyboardModifier.AltModifier:
        return True
    return key in (Qt.Key.Key_Q, Qt.Key.Key_W) and bool(mods & Qt.KeyboardModifier.ControlModifier)


def _is_unlock_combo(event: QKeyEvent) -> bool:
    wanted = (
        Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.AltModifier
        | Qt.KeyboardModifier.ShiftModifier
    )
    return event.key() == Qt.Key.Key_Q and (event.modifiers() & wanted) == wanted


class PinDialog(QDialog):
    """The installer's PIN pad: digits on screen, so a touch kiosk without a keyboard works too."""

    def __init__(self, pin_hash: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kiosk_pin_dialog")
        self.setWindowTitle(self.tr("实施人员退出"))
        self.setModal(True)
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setStyleSheet(PIN_STYLE)
        self._pin_hash = pin_hash
        self.failures = 0
        layout = QVBoxLayout(self)
        self.message = QLabel()
        self.message.setObjectName("pin_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.field = QLineEdit()
        self.field.setObjectName("pin_field")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.field.setValidator(QRegularExpressionValidator(r"\d{0,12}", self.field))
        self.field.returnPressed.connect(self.submit)
        layout.addWidget(self.field)
        pad = QGridLayout()
        for index, digit in enumerate("123456789"):
            pad.addWidget(self._key(digit, self._typer(digit)), index // 3, index % 3)
        pad.addWidget(self._key(self.tr("清除"), self.field.clear, "pin_clear"), 3, 0)
        pad.addWidget(self._key("0", self._typer("0")), 3, 1)
        self.ok_button = self._key(self.tr("退出"), self.submit, "pin_ok")
        pad.addWidget(self.ok_button, 3, 2)
        layout.addLayout(pad)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        cancel = self._key(self.tr("取消"), self.reject, "pin_cancel")
        bottom.addWidget(cancel)
        layout.addLayout(bottom)
        if pin_hash:
            self.message.setText(self.tr("请输入实施人员口令后退出取号机。"))
        else:
            self.field.hide()
            for button in self.findChildren(QPushButton):
                if button.objectName().startswith("pin_digit") or button.objectName() == "pin_clear":
                    button.hide()
            self.message.setText(
                self.tr("本机未设置实施人员口令（请运行 yichuang setup 设置）。确定要退出取号机吗？")
            )

    def _key(self, text: str, slot: Callable[[], object], name: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name or f"pin_digit_{text}")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _typer(self, digit: str) -> Callable[[], None]:
        def type_digit() -> None:
            self.field.insert(digit)

        return type_digit

    def submit(self) -> None:
        if not self._pin_hash or verify_password(self.field.text(), self._pin_hash):
            log.info("kiosk: installer PIN accepted")
            self.accept()
            return
        self.failures += 1
        self.field.clear()
        log.warning("kiosk: wrong installer PIN (%d of %d)", self.failures, MAX_PIN_FAILURES)
        if self.failures >= MAX_PIN_FAILURES:
            self.reject()
            return
        self.message.setText(
            self.tr("口令不对，还可以再试 {count} 次。").format(count=MAX_PIN_FAILURES - self.failures)
        )


class KioskLock(QObject):
    """Engaged on a kiosk window (see the module docstring); :attr:`exit_requested` carries the code.

    ``is_busy`` says whether a ticket is being issued (the restart waits for it); ``now`` is the
    clock (tests move it).
    """

    exit_requested = Signal(int)

    def __init__(
        self,
        window: QWidget,
        *,
        pin_hash: str,
        restart_at: str = "",
        is_busy: Callable[[], bool] = lambda: False,
        now: Callable[[], dt.datetime] = local_now,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._pin_hash = pin_hash
        self._is_busy = is_busy
        self._now = now
        self.allows_close = False
        self.restart_due_at = next_restart(now(), restart_at)
        self.dialog: PinDialog | None = None
        self._taps: list[float] = []
        self._last_press = -1
        self._locked_out_until = 0.0
        self._engaged = False
        self._timer = QTimer(self)
        self._timer.setInterval(RESTART_CHECK_MS)
        self._timer.timeout.connect(self.check_restart)

    def engage(self) -> None:
        """Start refusing close and swallowing desktop popups; start watching the restart time."""
        if self._engaged:
            return
        self._engaged = True
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        if self.restart_due_at is not None:
            self._timer.start()
            log.info("kiosk locked; daily restart at %s", self.restart_due_at.isoformat(timespec="minutes"))

    def release(self) -> None:
        """Let the window close (program shutdown); stops the timer and the event filter."""
        self.allows_close = True
        self._timer.stop()
        if self._engaged:
            self._engaged = False
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
        if self.dialog is not None:
            self.dialog.reject()

    # --- leaving ------------------------------------------------------------------------------

    def _leave(self, code: int) -> None:
        self.release()
        self.exit_requested.emit(code)

    def check_restart(self) -> None:
        """Leave with :data:`EXIT_DAILY_RESTART` when the restart time has come and nobody waits."""
        due = self.restart_due_at
        if due is None or self._now() < due or not self._engaged:
            return
        if self._is_busy() or self.dialog is not None:
            log.info("kiosk: daily restart waits for the ticket being issued")
            return
        log.info("kiosk: daily restart")
        self._leave(EXIT_DAILY_RESTART)

    def ask_pin(self) -> None:
        """Open the PIN pad (unless it is open, or the pad is locked out after wrong PINs)."""
        if self.dialog is not None or time.monotonic() < self._locked_out_until or not self._engaged:
            return
        dialog = PinDialog(self._pin_hash, self._window)
        self.dialog = dialog
        dialog.finished.connect(self._pin_finished)
        dialog.open()
        dialog.field.setFocus()

    def _pin_finished(self, result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted:
            log.info("kiosk left by the installer")
            self._leave(EXIT_BY_INSTALLER)
        elif dialog.failures >= MAX_PIN_FAILURES:
            self._locked_out_until = time.monotonic() + LOCKOUT_S

    # --- the event filter ---------------------------------------------------------------------

    def _in_kiosk(self, obj: QObject) -> bool:
        return isinstance(obj, QWidget) and (obj is self._window or self._window.isAncestorOf(obj))

    def _in_dialog(self, obj: QObject) -> bool:
        dialog = self.dialog
        return dialog is not None and isinstance(obj, QWidget) and (obj is dialog or dialog.isAncestorOf(obj))

    def _corner_tap(self, event: QMouseEvent) -> None:
        # A press a child ignores travels on to its parents: count each press once.
        if event.timestamp() == self._last_press:
            return
        self._last_press = event.timestamp()
        local = self._window.mapFromGlobal(event.globalPosition().toPoint())
        if not (0 <= local.x() < TAP_CORNER_PX and 0 <= local.y() < TAP_CORNER_PX):
            self._taps.clear()
            return
        moment = time.monotonic()
        self._taps = [t for t in self._taps if moment - t <= TAP_WINDOW_S] + [moment]
        if len(self._taps) >= HIDDEN_TAPS:
            self._taps.clear()
            self.ask_pin()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _SWALLOWED:
            return True
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if _is_unlock_combo(event):
                self.ask_pin()
                return True
            if _is_exit_key(event) and not self._in_dialog(watched):
                return True
        if (
            kind == QEvent.Type.MouseButtonPress
            and isinstance(event, QMouseEvent)
            and self._in_kiosk(watched)
        ):
            self._corner_tap(event)
        return False
