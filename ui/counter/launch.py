"""Start the counter mode: Qt application, language, sign-in, devices, op runner and main window.

The clerk signs in first (:class:`~ui.signin.SignInDialog`); closing that dialog ends the program.
``--smoke`` skips the dialog: in demo mode it signs in as the first demo clerk, otherwise it runs
as a read-only actor. It shows the window, waits for the first catalog search to finish and for every device
in use to report its state (at most :data:`SMOKE_TIMEOUT_S`), optionally saves a screenshot, and exits — a check that the whole stack
starts on this machine. Errors an op raises during a smoke run go to stderr, never to a dialog
that would wait for a click nobody makes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QDialog

from app.context import AppContext
from app.errors import UserFacingError
from app.services.actor import Actor
from devices.manager import DeviceManager
from ui.counter.window import READ_ONLY_ACTOR, CounterWindow
from ui.mode_launch import SMOKE_TIMEOUT_S, ModeLaunch, device_drivers, wait_until
from ui.ops import OpRunner
from ui.signin import SignInDialog, demo_accounts, sign_in_op

__all__ = ["device_drivers", "run_counter", "sign_in_interactively", "smoke_actor"]

log = logging.getLogger(__name__)

#: A common counter monitor; smoke runs and screenshots use it so pictures are comparable.
SMOKE_WINDOW_SIZE = (1366, 768)


def smoke_actor(ctx: AppContext) -> Actor:
    """Who a smoke run acts as: the first demo clerk in demo mode, else a read-only actor.

    Signing in for real checks the accounts and the password hashing on this machine too.
    """
    if not ctx.config.get_bool("ui.demo"):
        return READ_ONLY_ACTOR
    username, _name, _role, password = demo_accounts()[0]
    return sign_in_op(ctx, username, password).run()


def sign_in_interactively(ctx: AppContext, runner: OpRunner) -> Actor | None:
    """Show the sign-in dialog; None when the clerk closed it instead of signing in."""
    dialog = SignInDialog(ctx, runner)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.actor
    finally:
        dialog.deleteLater()


def run_counter(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the counter window until it is closed (or, with ``smoke``, until it has loaded).

    ``screenshot`` implies ``smoke``: the picture is taken once the window has loaded.
    """
    launch = ModeLaunch(ctx, smoke=smoke, screenshot=screenshot)
    devices: DeviceManager | None = None
    window: CounterWindow | None = None
    try:
        if launch.smoke:
            try:
                actor: Actor | None = smoke_actor(ctx)
            except UserFacingError as error:
                return launch.fail(f"冒烟检查失败：演示账号无法登录（{error}）")
        else:
            actor = sign_in_interactively(ctx, launch.runner)
            if actor is None:
                return 0  # closed at the sign-in: nothing was opened, nothing is wrong
        devices = DeviceManager(
            device_drivers(ctx), work_dir=ctx.work_dir, options=ctx.config.device_options()
        )
        window = CounterWindow(ctx, launch.runner, devices, actor)
        devices.start()  # after the window subscribed, so it sees every device's first report
        window.start_watching()
        if not launch.smoke:
            return launch.run(window, "maximized")
        launch.show_for_smoke(window, SMOKE_WINDOW_SIZE)
        counter = window
        if not wait_until(lambda: counter.loaded, [counter.window_did_load], SMOKE_TIMEOUT_S):
            what = "设备状态" if window.catalog_loaded else "事项目录"
            return launch.fail(f"冒烟检查失败：{SMOKE_TIMEOUT_S:g} 秒内没有载入{what}。")
        return launch.finish_smoke(window)
    finally:
        launch.close(window, devices)
