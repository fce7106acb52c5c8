"""Sign-in (登录): who is at this window, before the counter opens.

The password is checked by ``app.services.clerks.sign_in`` on the DB thread (scrypt takes a
noticeable moment); a failed attempt is audited and committed even though it raises. Demo
accounts are listed only in demo mode (``ui.demo``), where their passwords are public anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import DomainError, UserFacingError
from app.model import Role
from app.services.actor import Actor
from app.services.clerks import sign_in
from ui.i18n import role_label
from ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

ERROR_STYLE = "color:#b00020"
TITLE_FONT_SCALE = 1.6
DIALOG_WIDTH_CHARS = 48


def sign_in_op(ctx: AppContext, username: str, password: str) -> Op[Actor]:
    """Check a clerk's password; raises DomainError("账号或密码不正确…") on a wrong one.

    The failed attempt's audit event must survive the error, so the error is raised only after
    the session has committed.
    """

    def run() -> Actor:
        failure: DomainError | None = None
        with ctx.db.session() as session:
            try:
                return sign_in(session, username, password)
            except DomainError as error:
                failure = error
        assert failure is not None
        raise failure

    return Op(run=run, name="sign_in")


def demo_accounts() -> Sequence[tuple[str, str, Role, str]]:
    """(username, display name, role, password) of the demo station's accounts."""
    from app.demo.loader import DEMO_ACCOUNTS  # only demo mode pays for importing the loader

    return DEMO_ACCOUNTS


class SignInDialog(QDialog):
    """Asks for username and password; on success :attr:`actor` holds the clerk and the dialog accepts.

    Enter in the username field moves to the password, Enter in the password field signs in.
    """

    def __init__(self, ctx: AppContext, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signin_dialog")
        self.setWindowTitle(self.tr("一窗 · 登录"))
        self._ctx = ctx
        self._runner = runner
        self.actor: Actor | None = None
        self._busy = False

        station = ctx.config.get_str("station.name")
        window_number = ctx.config.get_int("station.window_number")
        title = QLabel(self.tr("综合窗口受理"))
        title_font = QFont(title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * TITLE_FONT_SCALE)
        title_font.setBold(True)
        title.setFont(title_font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.station_label = QLabel(
            self.tr("{station} · {number} 号窗口").format(station=station, number=window_number)
        )
        self.station_label.setObjectName("signin_station")
        self.station_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.username = QLineEdit()
        self.username.setObjectName("signin_username")
        self.username.setPlaceholderText(self.tr("工作人员账号"))
        self.password = QLineEdit()
        self.password.setObjectName("signin_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("密码"))
        self.message = QLabel()
        self.message.setObjectName("signin_message")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.submit_button = QPushButton(self.tr("登录"))
        self.submit_button.setObjectName("signin_submit")
        self.submit_button.setDefault(True)

        form = QFormLayout()
        form.addRow(self.tr("账号"), self.username)
        form.addRow(self.tr("密码"), self.password)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.station_label)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.submit_button)

        self.demo_table: QTableWidget | None = None
        if ctx.config.get_bool("ui.demo"):
            layout.addWidget(self._demo_box())

        # Wide enough for the demo table and long station names without eliding them.
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * DIALOG_WIDTH_CHARS)
        self.username.returnPressed.connect(self._username_entered)
        self.password.returnPressed.connect(self.submit)
        self.submit_button.clicked.connect(self.submit)
        self.username.setFocus()

    def _demo_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("演示账号（点击填入）"))
        box.setObjectName("signin_demo_accounts")
        accounts = demo_accounts()
        table = QTableWidget(len(accounts), 4)
        table.setObjectName("signin_demo_table")
        table.setHorizontalHeaderLabels([self.tr("账号"), self.tr("姓名"), self.tr("角色"), self.tr("密码")])
        for row, (username, name, role, password) in enumerate(accounts):
            for column, text in enumerate((username, name, role_label(role), password)):
                cell = QTableWidgetItem(text)
                cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                table.setItem(row, column, cell)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keyboard flow stays username → password → Enter
        rows_height = sum(table.rowHeight(r) for r in range(len(accounts)))
        table.setFixedHeight(rows_height + table.horizontalHeader().sizeHint().height() + 4)
        table.cellClicked.connect(self._demo_chosen)
        self.demo_table = table
        layout = QVBoxLayout(box)
        layout.addWidget(table)
        return box

    def _demo_chosen(self, row: int, _column: int) -> None:
        username, _name, _role, password = demo_accounts()[row]
        self.username.setText(username)
        self.password.setText(password)
        self.password.setFocus()

    def _username_entered(self) -> None:
        if self.password.text():
            self.submit()
        else:
            self.password.setFocus()

    def submit(self) -> None:
        """Check the typed account; does nothing while a check is already running."""
        if self._busy:
            return
        username = self.username.text().strip()
        if not username:
            self._show_error(self.tr("请输入账号。"), self.username)
            return
        if not self.password.text():
            self._show_error(self.tr("请输入密码。"), self.password)
            return
        self._set_busy(True)
        self.message.setText(self.tr("正在登录…"))
        self.message.setStyleSheet("")
        op = sign_in_op(self._ctx, username, self.password.text())
        self._runner.start(op.success(self._signed_in).failure(self._failed))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.username, self.password, self.submit_button):
            widget.setEnabled(not busy)

    def _signed_in(self, actor: Actor) -> None:
        self._set_busy(False)
        self.actor = actor
        self.password.clear()
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, DomainError):
            text = self.tr("账号或密码不正确，请重新输入。")
        elif isinstance(error, UserFacingError):
            text = str(error)
        else:
            log.error("sign-in failed unexpectedly", exc_info=(type(error), error, error.__traceback__))
            text = self._runner.apology()
        self.password.clear()
        self._show_error(text, self.password)

    def _show_error(self, text: str, focus: QLineEdit) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)
        focus.setFocus()
