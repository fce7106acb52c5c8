from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.config import load_config
from app.context import AppContext
from app.model import AuditEvent, Role
from app.services.actor import Actor
from ui.idle_lock import IdleLock
from ui.ops import OpRunner
from ui.signin import SignInDialog, sign_in_op

CLERK = Actor(username="chuangkou", role=Role.CLERK, display_name="王小窗")


def audit_actions(ctx: AppContext, action_prefix: str) -> list[str]:
    with ctx.db.session() as session:
        rows = session.execute(select(AuditEvent.action).where(AuditEvent.action.like(f"{action_prefix}%")))
        return list(rows.scalars())


@pytest.fixture
def dialog(qtbot: QtBot, demo_ctx: AppContext) -> SignInDialog:
    d = SignInDialog(demo_ctx, OpRunner(inline=True))
    qtbot.addWidget(d)
    return d


def test_station_and_window_are_shown(dialog: SignInDialog) -> None:
    assert dialog.station_label.text() == "演示便民服务站 · 1 号窗口"
    assert dialog.windowTitle() == "一窗 · 登录"


def test_enter_signs_in_with_the_right_password(qtbot: QtBot, dialog: SignInDialog) -> None:
    qtbot.keyClicks(dialog.username, "chuangkou")
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)  # moves on to the password
    qtbot.keyClicks(dialog.password, "123456")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None
    assert (dialog.actor.username, dialog.actor.role, dialog.actor.display_name) == (
        "chuangkou", Role.CLERK, "王小窗",
    )  # fmt: skip


def test_wrong_password_says_so_in_chinese_and_is_audited(
    qtbot: QtBot, dialog: SignInDialog, demo_ctx: AppContext
) -> None:
    dialog.username.setText("chuangkou")
    qtbot.keyClicks(dialog.password, "654321")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.actor is None
    assert dialog.message.text() == "账号或密码不正确，请重新输入。"
    assert dialog.password.text() == ""  # ready for the next try
    # The failed attempt is kept in the audit trail although the sign-in raised.
    assert audit_actions(demo_ctx, "clerk.sign_in_failed") == ["clerk.sign_in_failed"]


def test_empty_fields_are_named(dialog: SignInDialog) -> None:
    dialog.submit()
    assert dialog.message.text() == "请输入账号。"
    dialog.username.setText("chuangkou")
    dialog.submit()
    assert dialog.message.text() == "请输入密码。"


def test_demo_accounts_are_listed_and_fill_the_form_in_demo_mode(dialog: SignInDialog) -> None:
    table = dialog.demo_table
    assert table is not None
    names = [table.item(row, 0).text() for row in range(table.rowCount())]
    assert names == ["chuangkou", "daiban", "zhibanzhang", "shishi"]
    assert table.item(3, 2).text() == "实施人员"
    table.cellClicked.emit(1, 0)
    assert (dialog.username.text(), dialog.password.text()) == ("daiban", "123456")


def test_demo_accounts_are_not_listed_outside_demo_mode(qtbot: QtBot, demo_ctx: AppContext) -> None:
    config = load_config(None, overrides={"ui.demo": "false", "storage.key_source": "file"})
    d = SignInDialog(dataclasses.replace(demo_ctx, config=config), OpRunner(inline=True))
    qtbot.addWidget(d)
    assert d.demo_table is None
    assert d.findChild(QWidget, "signin_demo_accounts") is None


# --- idle lock ---------------------------------------------------------------------------------


@pytest.fixture
def host(qtbot: QtBot) -> tuple[QWidget, QWidget, QLineEdit]:
    """A window with some content (a text field) the lock must cover."""
    window = QWidget()
    content = QWidget(window)
    field = QLineEdit(content)
    QVBoxLayout(content).addWidget(field)
    QVBoxLayout(window).addWidget(content)
    window.resize(400, 300)
    qtbot.addWidget(window)
    return window, content, field


def make_lock(host: tuple[QWidget, QWidget, QLineEdit], ctx: AppContext, timeout_ms: int) -> IdleLock:
    window, content, _field = host
    lock = IdleLock(window, [content], ctx, OpRunner(inline=True), CLERK, timeout_ms=timeout_ms)
    window.destroyed.connect(lock.stop)
    return lock


def test_locks_after_the_idle_time_and_unlocks_with_the_same_clerks_password(
    qtbot: QtBot, demo_ctx: AppContext, host: tuple[QWidget, QWidget, QLineEdit]
) -> None:
    window, content, _field = host
    window.show()
    lock = make_lock(host, demo_ctx, timeout_ms=50)
    lock.start()
    try:
        qtbot.waitUntil(lambda: lock.locked, timeout=2000)
        assert lock.screen.isVisible()
        assert lock.screen.geometry() == window.rect()
        assert not content.isEnabled()  # nothing under the cover takes input
        assert "王小窗" in lock.screen.who_label.text()

        qtbot.keyClicks(lock.screen.password, "000000")
        qtbot.keyClick(lock.screen.password, Qt.Key.Key_Return)
        assert lock.locked
        assert lock.screen.message.text() == "密码不正确，请重新输入。"

        qtbot.keyClicks(lock.screen.password, "123456")
        qtbot.keyClick(lock.screen.password, Qt.Key.Key_Return)
        assert not lock.locked
        assert not lock.screen.isVisible()
        assert content.isEnabled()
    finally:
        lock.stop()


def test_input_postpones_the_lock(
    qtbot: QtBot, demo_ctx: AppContext, host: tuple[QWidget, QWidget, QLineEdit]
) -> None:
    window, _content, field = host
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    lock = make_lock(host, demo_ctx, timeout_ms=300)
    lock.start()
    try:
        for _ in range(6):  # 6 × 100 ms of typing: longer than the timeout, never idle for it
            qtbot.keyClick(field, "a")
            qtbot.wait(100)
            assert not lock.locked
        qtbot.waitUntil(lambda: lock.locked, timeout=2000)
    finally:
        lock.stop()


def test_ctrl_shift_l_locks_at_once_even_when_idle_lock_is_off(
    qtbot: QtBot, demo_ctx: AppContext, host: tuple[QWidget, QWidget, QLineEdit]
) -> None:
    window, content, field = host
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    lock = make_lock(host, demo_ctx, timeout_ms=0)
    lock.start()
    try:
        qtbot.wait(50)
        assert not lock.locked  # 0 = never by time
        field.setFocus()
        qtbot.keyClick(field, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert lock.locked
        assert not content.isEnabled()
    finally:
        lock.stop()


def test_sign_in_op_returns_the_clerk(demo_ctx: AppContext) -> None:
    actor = sign_in_op(demo_ctx, "shishi", "123456").run()
    assert actor.role is Role.INSTALLER
