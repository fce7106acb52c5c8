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
import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QDialog

from app import paths
from app.context import AppContext
from app.errors import UserFacingError
from app.logs import LOG_FILE_NAME
from app.services.actor import Actor
from devices.kinds import DEVICE_KINDS
from devices.manager import DeviceManager
from ui.application import apply_ui_font, ensure_application
from ui.counter.window import READ_ONLY_ACTOR, CounterWindow
from ui.i18n import use_language
from ui.ops import OpRunner
from ui.signin import SignInDialog, demo_accounts, sign_in_op

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_S = 10.0
#: A common counter monitor; smoke runs and screenshots use it so pictures are comparable.
SMOKE_WINDOW_SIZE = (1366, 768)
EXIT_SMOKE_FAILED = 1


def device_drivers(ctx: AppContext) -> dict[str, str]:
    """Driver name per device kind from the ``devices.<kind>`` configuration keys."""
    return {kind: ctx.config.get_str(f"devices.{kind}") for kind in DEVICE_KINDS}


def wait_until_loaded(window: CounterWindow, timeout_s: float) -> bool:
    """Process events until the window has loaded (catalog listed, devices reported); False on timeout."""
    if window.loaded:
        return True
    loop = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    window.window_did_load.connect(loop.quit)
    deadline.start(int(timeout_s * 1000))
    loop.exec()
    deadline.stop()
    window.window_did_load.disconnect(loop.quit)
    return window.loaded


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


def save_screenshot(window: CounterWindow, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(target), "PNG"):
        raise OSError(f"could not write screenshot {target}")
    log.info("screenshot saved to %s", target)


def run_counter(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the counter window until it is closed (or, with ``smoke``, until it has loaded).

    ``screenshot`` implies ``smoke``: the picture is taken once the window has loaded.
    """
    smoke = smoke or screenshot is not None
    app = ensure_application()
    apply_ui_font(app, ctx.config.get_float("ui.font_scale"))
    use_language(app, ctx.config.get_str("ui.language"))
    smoke_errors: list[str] = []

    def report_to_stderr(text: str) -> None:
        smoke_errors.append(text)
        print(text, file=sys.stderr)

    runner = OpRunner(
        log_path=paths.log_dir() / LOG_FILE_NAME, show_message=report_to_stderr if smoke else None
    )
    devices: DeviceManager | None = None
    window: CounterWindow | None = None
    try:
        if smoke:
            try:
                actor: Actor | None = smoke_actor(ctx)
            except UserFacingError as error:
                print(f"冒烟检查失败：演示账号无法登录（{error}）", file=sys.stderr)
                return EXIT_SMOKE_FAILED
        else:
            actor = sign_in_interactively(ctx, runner)
            if actor is None:
                return 0  # closed at the sign-in: nothing was opened, nothing is wrong
        devices = DeviceManager(device_drivers(ctx), work_dir=ctx.work_dir)
        window = CounterWindow(ctx, runner, devices, actor)
        devices.start()  # after the window subscribed, so it sees every device's first report
        window.start_watching()
        if not smoke:
            # Without a window manager (kiosk PCs, bare X) showMaximized is only a hint: size it ourselves.
            screen = app.primaryScreen()
            if screen is not None:
                window.setGeometry(screen.availableGeometry())
            window.showMaximized()
            return app.exec()
        window.resize(*SMOKE_WINDOW_SIZE)
        window.show()
        if not wait_until_loaded(window, SMOKE_TIMEOUT_S):
            what = "设备状态" if window.catalog_loaded else "事项目录"
            print(f"冒烟检查失败：{SMOKE_TIMEOUT_S:g} 秒内没有载入{what}。", file=sys.stderr)
            return EXIT_SMOKE_FAILED
        app.processEvents()
        if screenshot is not None:
            save_screenshot(window, screenshot)
        return EXIT_SMOKE_FAILED if smoke_errors else 0
    finally:
        if window is not None:
            window.close()
        runner.shutdown()
        if devices is not None:
            devices.stop()
        if window is not None:
            window.deleteLater()
        app.processEvents()
