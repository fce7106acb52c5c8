"""Start the kiosk mode (自助取号机): Qt application, language, devices, op runner, full-screen window.

The kiosk needs no sign-in: it only issues tickets and checks appointments in. ``smoke`` shows the
window at 1280×800, waits until the board and the printer state have loaded (at most
:data:`SMOKE_TIMEOUT_S`), optionally saves a screenshot and exits; errors then go to stderr.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from app.context import AppContext
from devices.manager import DeviceManager
from ui.kiosk.window import KioskWindow
from ui.mode_launch import SMOKE_TIMEOUT_S, ModeLaunch, device_drivers, wait_until

log = logging.getLogger(__name__)

#: A common kiosk touch screen; smoke runs and screenshots use it so pictures are comparable.
SMOKE_WINDOW_SIZE = (1280, 800)
#: The configuration key of the elderly-priority age.
ELDERLY_AGE_KEY = "kiosk.elderly_age"


def elderly_age(ctx: AppContext) -> int:
    return ctx.config.get_int(ELDERLY_AGE_KEY)


def run_kiosk(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the kiosk full screen until it is closed (or, with ``smoke``, until it has loaded)."""
    launch = ModeLaunch(ctx, smoke=smoke, screenshot=screenshot)
    devices: DeviceManager | None = None
    window: KioskWindow | None = None
    try:
        devices = DeviceManager(
            device_drivers(ctx), work_dir=ctx.work_dir, options=ctx.config.device_options()
        )
        window = KioskWindow(ctx, launch.runner, devices, elderly_age=elderly_age(ctx))
        devices.start()
        window.start_watching()
        if not launch.smoke:
            return launch.run(window, "full_screen")
        launch.show_for_smoke(window, SMOKE_WINDOW_SIZE)
        kiosk = window
        if not wait_until(lambda: kiosk.loaded, [kiosk.window_did_load], SMOKE_TIMEOUT_S):
            text = QCoreApplication.translate(
                "KioskLaunch", "冒烟检查失败：{seconds} 秒内没有载入取号类别和打印机状态。"
            )
            return launch.fail(text.format(seconds=f"{SMOKE_TIMEOUT_S:g}"))
        return launch.finish_smoke(window)
    finally:
        launch.close(window, devices)
