"""The locked kiosk: no way out without the installer PIN, no desktop popups, a daily restart (exit 75)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QHelpEvent, QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.clock import LOCAL_TZ
from app.context import AppContext
from app.setup_profile import installer_pin_hash
from devices.manager import DeviceManager
from ui.kiosk import KioskWindow
from ui.kiosk.lock import (
    EXIT_DAILY_RESTART,
    HIDDEN_TAPS,
    LOCKOUT_S,
    MAX_PIN_FAILURES,
    KioskLock,
    next_restart,
)
from ui.ops import OpRunner

PIN = "246813"
WAIT_MS = 8000


@pytest.fixture
def kiosk(qtbot: QtBot, demo_ctx: AppContext, tmp_path: Path) -> Iterator[KioskWindow]:
    devices = DeviceManager({"printer": "simulated"}, work_dir=tmp_path / "devices", poll_interval_s=0.1)
    runner = OpRunner()
    window = KioskWindow(demo_ctx, runner, devices)
    qtbot.addWidget(window)
    devices.start()
    window.start_watching()
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.loaded, timeout=WAIT_MS)
    yield window
    window.release_lock()
    window.close()
    runner.shutdown()
    devices.stop()


def press_combo(widget: object) -> None:
    mods = (
        Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.AltModifier
        | Qt.KeyboardModifier.ShiftModifier
    )
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Q, mods, "Q"))


def enter_pin(qtbot: QtBot, lock: KioskLock, pin: str) -> None:
    dialog = lock.dialog
    assert dialog is not None and dialog.isVisible()
    for digit in pin:
        qtbot.mouseClick(
            dialog.findChild(type(dialog.ok_button), f"pin_digit_{digit}"), Qt.MouseButton.LeftButton
        )
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_the_locked_kiosk_refuses_to_close(qtbot: QtBot, kiosk: KioskWindow) -> None:
    kiosk.engage_lock(pin_hash=installer_pin_hash(PIN))
    assert not kiosk.close()  # Alt+F4 and the window manager's close end here
    assert kiosk.isVisible()
    for key, mods in (
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
    ):
        qtbot.keyClick(kiosk.scan_input, key, mods)
    assert kiosk.isVisible()
    kiosk.tap("A")  # still issues tickets
    qtbot.waitUntil(lambda: kiosk.result_number.text() == "A001", timeout=WAIT_MS)


def test_the_locked_kiosk_opens_no_context_menu_or_tooltip(kiosk: KioskWindow) -> None:
    lock = kiosk.engage_lock(pin_hash=installer_pin_hash(PIN))
    field = kiosk.scan_input
    menu = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), field.mapToGlobal(QPoint(5, 5)))
    tip = QHelpEvent(QEvent.Type.ToolTip, QPoint(5, 5), field.mapToGlobal(QPoint(5, 5)))
    assert lock.eventFilter(field, menu) and lock.eventFilter(field, tip)
    assert field.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
    assert not lock.eventFilter(
        field, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_5, Qt.KeyboardModifier.NoModifier, "5")
    )


def test_the_installer_leaves_with_the_pin_only(qtbot: QtBot, kiosk: KioskWindow) -> None:
    lock = kiosk.engage_lock(pin_hash=installer_pin_hash(PIN))
    press_combo(kiosk.scan_input)
    assert lock.dialog is not None
    enter_pin(qtbot, lock, "135792")
    assert lock.dialog is not None and "还可以再试 2 次" in lock.dialog.message.text()
    assert kiosk.isVisible()
    with qtbot.waitSignal(kiosk.exit_requested, timeout=WAIT_MS) as left:
        enter_pin(qtbot, lock, PIN)
    assert left.args == [0]
    assert not kiosk.isVisible()  # closed: the program ends with exit code 0


def test_five_taps_in_the_top_left_corner_open_the_pin_pad(qtbot: QtBot, kiosk: KioskWindow) -> None:
    lock = kiosk.engage_lock(pin_hash=installer_pin_hash(PIN))
    corner, elsewhere = QPoint(20, 20), QPoint(600, 20)
    for _ in range(HIDDEN_TAPS - 1):
        qtbot.mouseClick(kiosk, Qt.MouseButton.LeftButton, pos=corner)
    qtbot.mouseClick(kiosk, Qt.MouseButton.LeftButton, pos=elsewhere)  # starts the count again
    qtbot.mouseClick(kiosk, Qt.MouseButton.LeftButton, pos=corner)
    assert lock.dialog is None
    for _ in range(HIDDEN_TAPS - 1):
        qtbot.mouseClick(kiosk, Qt.MouseButton.LeftButton, pos=corner)
    assert lock.dialog is not None and lock.dialog.isVisible()
    qtbot.mouseClick(
        lock.dialog.findChild(type(lock.dialog.ok_button), "pin_cancel"), Qt.MouseButton.LeftButton
    )
    assert lock.dialog is None and kiosk.isVisible()


def test_wrong_pins_lock_the_pad_out_for_a_while(
    qtbot: QtBot, kiosk: KioskWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = kiosk.engage_lock(pin_hash=installer_pin_hash(PIN))
    press_combo(kiosk)
    for _ in range(MAX_PIN_FAILURES):
        enter_pin(qtbot, lock, "111111")
    assert lock.dialog is None
    press_combo(kiosk)
    assert lock.dialog is None  # ignored during the lockout
    import ui.kiosk.lock as lock_module

    later = lock_module.time.monotonic() + LOCKOUT_S + 1
    monkeypatch.setattr(lock_module.time, "monotonic", lambda: later)
    press_combo(kiosk)
    assert lock.dialog is not None
    lock.dialog.reject()


def test_without_a_pin_configured_leaving_asks_for_confirmation(qtbot: QtBot, kiosk: KioskWindow) -> None:
    lock = kiosk.engage_lock(pin_hash="")
    assert not kiosk.close()
    press_combo(kiosk)
    assert lock.dialog is not None and "未设置实施人员口令" in lock.dialog.message.text()
    assert not lock.dialog.field.isVisible()
    with qtbot.waitSignal(kiosk.exit_requested, timeout=WAIT_MS) as left:
        qtbot.mouseClick(lock.dialog.ok_button, Qt.MouseButton.LeftButton)
    assert left.args == [0]


# --- the daily restart ------------------------------------------------------------------------------


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def test_the_next_restart_is_the_first_one_after_now() -> None:
    assert next_restart(at("2025-03-01 01:00"), "03:30") == at("2025-03-01 03:30")
    assert next_restart(at("2025-03-01 03:30"), "03:30") == at("2025-03-02 03:30")  # just restarted
    assert next_restart(at("2025-03-01 22:00"), "03:30") == at("2025-03-02 03:30")
    assert next_restart(at("2025-03-01 22:00").astimezone(dt.UTC), "03:30") == at("2025-03-02 03:30")
    assert next_restart(at("2025-03-01 22:00"), "") is None


def test_the_kiosk_restarts_daily_with_exit_code_75_once_idle(qtbot: QtBot, kiosk: KioskWindow) -> None:
    clock = [at("2025-03-01 03:29")]
    kiosk.lock = KioskLock(
        kiosk, pin_hash="", restart_at="03:30", is_busy=lambda: kiosk.busy, now=lambda: clock[0]
    )
    kiosk.lock.exit_requested.connect(kiosk._exit_requested)
    kiosk.engage_lock(pin_hash="")
    with qtbot.assertNotEmitted(kiosk.exit_requested):
        kiosk.lock.check_restart()
    clock[0] = at("2025-03-01 03:31")
    kiosk.busy = True  # a ticket is being issued: the restart waits for it
    with qtbot.assertNotEmitted(kiosk.exit_requested):
        kiosk.lock.check_restart()
    assert kiosk.isVisible()
    kiosk.busy = False
    with qtbot.waitSignal(kiosk.exit_requested, timeout=WAIT_MS) as left:
        kiosk.lock.check_restart()
    assert left.args == [EXIT_DAILY_RESTART] == [75]
    assert not kiosk.isVisible()


def test_run_kiosk_returns_the_exit_code_the_window_asks_for(
    qtbot: QtBot, demo_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real (non-smoke) run is locked and its exit code is the window's: 75 for the daily restart."""
    import ui.kiosk.launch as launch_module
    from ui.mode_launch import ModeLaunch

    seen: list[KioskWindow] = []

    def run(self: ModeLaunch, window: KioskWindow, placement: str) -> int:
        seen.append(window)
        assert window.lock is not None and not window.close()  # locked while it runs
        assert window.lock.restart_due_at is not None
        codes: list[int] = []
        # Not into QApplication.exit(): without a running loop it would end every later test's loops.
        window.exit_requested.disconnect()
        window.exit_requested.connect(codes.append)
        window.lock._leave(EXIT_DAILY_RESTART)
        return codes[0]

    monkeypatch.setattr(ModeLaunch, "run", run)
    config = demo_ctx.config
    values = dict(config.values)
    values["kiosk.restart_at"] = "04:00"
    monkeypatch.setattr(demo_ctx, "config", type(config)(values=values, source=None))
    assert launch_module.run_kiosk(demo_ctx) == 75
    assert seen and not seen[0].isVisible()
