"""Start the kiosk mode (自助取号机): Qt application, language, devices, op runner, full-screen window.

The kiosk needs no sign-in: it only issues tickets and checks appointments in. ``smoke`` shows the
window at 1280×800, waits until the board and the printer state have loaded (at most
:data:`SMOKE_TIMEOUT_S`), optionally saves a screenshot and exits; errors then go to stderr.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QWidget

from app import paths
from app.config import KEYS_BY_NAME
from app.context import AppContext
from app.logs import LOG_FILE_NAME
from app.services.kiosk import DEFAULT_ELDERLY_AGE
from devices.kinds import DEVICE_KINDS
from devices.manager import DeviceManager
from ui.application import apply_ui_font, ensure_application
from ui.i18n import use_language
from ui.kiosk.window import KioskWindow
from ui.ops import OpRunner

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_S = 10.0
#: A common kiosk touch screen; smoke runs and screenshots use it so pictures are comparable.
SMOKE_WINDOW_SIZE = (1280, 800)
EXIT_SMOKE_FAILED = 1
#: The configuration key of the elderly-priority age, read when the configuration schema has it.
ELDERLY_AGE_KEY = "kiosk.elderly_age"


def device_drivers(ctx: AppContext) -> dict[str, str]:
    return {kind: ctx.config.get_str(f"devices.{kind}") for kind in DEVICE_KINDS}


def elderly_age(ctx: AppContext) -> int:
    if ELDERLY_AGE_KEY in KEYS_BY_NAME:
        return ctx.config.get_int(ELDERLY_AGE_KEY)
    return DEFAULT_ELDERLY_AGE


def wait_until_loaded(window: KioskWindow, timeout_s: float) -> bool:
    """Process events until the board and the printer state are in; False on timeout."""
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


def save_screenshot(window: QWidget, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(target), "PNG"):
        raise OSError(f"could not write screenshot {target}")
    log.info("screenshot saved to %s", target)


def run_kiosk(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the kiosk full screen until it is closed (or, with ``smoke``, until it has loaded)."""
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
    window: KioskWindow | None = None
    try:
        devices = DeviceManager(device_drivers(ctx), work_dir=ctx.work_dir)
        window = KioskWindow(ctx, runner, devices, elderly_age=elderly_age(ctx))
        devices.start()
        window.start_watching()
        if not smoke:
            screen = app.primaryScreen()
            if screen is not None:
                window.setGeometry(screen.geometry())
            window.showFullScreen()
            return app.exec()
        window.resize(*SMOKE_WINDOW_SIZE)
        window.show()
        if not wait_until_loaded(window, SMOKE_TIMEOUT_S):
            text = QCoreApplication.translate(
                "KioskLaunch", "冒烟检查失败：{seconds} 秒内没有载入取号类别和打印机状态。"
            )
            print(text.format(seconds=f"{SMOKE_TIMEOUT_S:g}"), file=sys.stderr)
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
