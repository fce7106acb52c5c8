"""Idle lock (锁屏): hides the counter when the clerk has walked away, until the same clerk's password.

A counter monitor faces the hall and shows applicants' names; a clerk called away must not leave
it open. After ``ui.idle_lock_minutes`` without a key press, click or wheel anywhere in the
application (an application-wide event filter), or at once on Ctrl+Shift+L, an opaque lock
screen covers the whole window and the window's widgets are disabled, so neither the mouse nor a
function key reaches them. 0 minutes means never lock by time; Ctrl+Shift+L still works.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.context import AppContext
from app.errors import DomainError, UserFacingError
from app.services.actor import Actor
from ui.i18n import role_label
from ui.ops import OpRunner
from ui.signin import ERROR_STYLE, sign_in_op

log = logging.getLogger(__name__)

LOCK_KEY = "Ctrl+Shift+L"
MS_PER_MINUTE = 60_000
TITLE_FONT_SCALE = 1.8
# Events that count as the clerk being there.
ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


def idle_timeout_ms(ctx: AppContext) -> int:
    """``ui.idle_lock_minutes`` in milliseconds; 0 = never lock by time."""
    return ctx.config.get_int("ui.idle_lock_minutes") * MS_PER_MINUTE


class LockScreen(QWidget):
    """The opaque cover: who is signed in and a password field; nothing of the counter shows through."""

    def __init__(self, actor: Actor, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lock_screen")
        self.setAutoFillBackground(True)  # opaque: the applicant's data must not show through

        title = QLabel(self.tr("已锁屏"))
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * TITLE_FONT_SCALE)
        font.setBold(True)
        title.setFont(font)
        who = actor.display_name or actor.username
        self.who_label = QLabel(
            self.tr("{name}（{role}，账号 {username}）已离开。输入密码继续工作。").format(
                name=who, role=role_label(actor.role), username=actor.username
            )
        )
        self.who_label.setObjectName("lock_who")
        self.password = QLineEdit()
        self.password.setObjectName("lock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("密码"))
        self.password.setMaximumWidth(self.fontMetrics().averageCharWidth() * 40)
        self.unlock_button = QPushButton(self.tr("解锁"))
        self.unlock_button.setObjectName("lock_unlock")
        self.message = QLabel()
        self.message.setObjectName("lock_message")
        self.message.setStyleSheet(ERROR_STYLE)

        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (title, self.who_label, self.password, self.unlock_button, self.message):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.hide()


class IdleLock(QObject):
    """Locks ``window`` after ``timeout_ms`` without input (0 = never) or on Ctrl+Shift+L.

    ``covered`` are the widgets disabled while locked (the window's content: central widget,
    status bar); the lock screen itself is a direct child of ``window`` outside them. Call
    :meth:`stop` before the window goes away: it stops the timer and removes the event filter.
    """

    lock_did_change = Signal(bool)  # True when locked, False when unlocked

    def __init__(
        self,
        window: QWidget,
        covered: list[QWidget],
        ctx: AppContext,
        runner: OpRunner,
        actor: Actor,
        *,
        timeout_ms: int,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._covered = covered
        self._ctx = ctx
        self._runner = runner
        self._actor = actor
        self._timeout_ms = timeout_ms
        self._locked = False
        self._checking = False
        self._focus_before: QWidget | None = None
        self.screen = LockScreen(actor, window)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.lock)
        self._filtering = False
        QShortcut(QKeySequence(LOCK_KEY), window, self.lock)
        self.screen.password.returnPressed.connect(self.try_unlock)
        self.screen.unlock_button.clicked.connect(self.try_unlock)
        window.installEventFilter(self)

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def timeout_ms(self) -> int:
        return self._timeout_ms

    def start(self) -> None:
        """Begin watching for input; the countdown starts now."""
        app = QApplication.instance()
        if app is not None and not self._filtering:
            app.installEventFilter(self)
            self._filtering = True
        self._restart_countdown()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._filtering:
            app.removeEventFilter(self)
            self._filtering = False

    def _restart_countdown(self) -> None:
        if self._timeout_ms > 0 and not self._locked:
            self._timer.start(self._timeout_ms)

    def lock(self) -> None:
        if self._locked:
            return
        self._locked = True
        self._timer.stop()
        focus = QApplication.focusWidget()
        self._focus_before = focus if focus is not None and focus.window() is self._window else None
        for widget in self._covered:
            widget.setEnabled(False)
        self.screen.message.clear()
        self.screen.password.clear()
        self.screen.setGeometry(self._window.rect())
        self.screen.raise_()
        self.screen.show()
        self.screen.password.setFocus()
        log.info("counter locked")
        self.lock_did_change.emit(True)

    def try_unlock(self) -> None:
        """Check the typed password against the signed-in clerk's account."""
        if not self._locked or self._checking:
            return
        password = self.screen.password.text()
        if not password:
            self.screen.message.setText(self.tr("请输入密码。"))
            return
        self._checking = True
        self.screen.password.setEnabled(False)
        op = sign_in_op(self._ctx, self._actor.username, password)
        self._runner.start(op.success(self._unlocked).failure(self._unlock_failed))

    def _unlocked(self, actor: Actor) -> None:
        self._checking = False
        self.screen.password.setEnabled(True)
        if actor.username != self._actor.username:  # sign_in returns the account asked for; be sure
            self._unlock_failed(DomainError("account mismatch"))
            return
        self._locked = False
        self.screen.password.clear()
        self.screen.hide()
        for widget in self._covered:
            widget.setEnabled(True)
        if self._focus_before is not None:
            self._focus_before.setFocus()
        log.info("counter unlocked")
        self.lock_did_change.emit(False)
        self._restart_countdown()

    def _unlock_failed(self, error: BaseException) -> None:
        self._checking = False
        self.screen.password.setEnabled(True)
        self.screen.password.clear()
        self.screen.password.setFocus()
        if isinstance(error, DomainError):
            self.screen.message.setText(self.tr("密码不正确，请重新输入。"))
        elif isinstance(error, UserFacingError):
            self.screen.message.setText(str(error))
        else:
            log.error("unlock failed unexpectedly", exc_info=(type(error), error, error.__traceback__))
            self.screen.message.setText(self._runner.apology())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._window and kind == QEvent.Type.Resize:
            self.screen.setGeometry(self._window.rect())
        elif kind in ACTIVITY_EVENTS and not self._locked:
            self._restart_countdown()
        return super().eventFilter(watched, event)
