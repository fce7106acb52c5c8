"""Start the kiosk mode (自助取号机): Qt application, language, devices, op runner, full-screen window.

The kiosk needs no sign-in: it only issues tickets and checks appointments in. ``smoke`` shows the
window at 1280×800, waits until the board and the printer state have loaded (at most
:data:`SMOKE_TIMEOUT_S`), optionally saves a screenshot and exits; errors then go to stderr.

A real run is locked (ui.kiosk.lock): full screen and on top, no way out without the installer
PIN (``kiosk.installer_pin``). The return value is the program's exit code: 0 when the installer
left, :data:`~ui.kiosk.lock.EXIT_DAILY_RESTART` (75) at ``kiosk.restart_at``; the systemd unit
or autostart entry restarts the kiosk on 75 and after a crash.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt

from app.context import AppContext
from devices.manager import DeviceManager
from ui.kiosk.window import KioskWindow
from ui.mode_launch import SMOKE_TIMEOUT_S, ModeLaunch, device_drivers, wait_until

log = logging.getLogger(__name__)

#: A common kiosk touch screen; smoke runs and screenshots use it so pictures are comparable.
SMOKE_WINDOW_SIZE = (1280, 800)
#: The configuration key of the elderly-priority age.
ELDERLY_AGE_KEY = "kiosk.elderly_age"
PIN_KEY = "kiosk.installer_pin"
RESTART_KEY = "kiosk.restart_at"


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
            window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
            window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            window.engage_lock(
                pin_hash=ctx.config.get_str(PIN_KEY), restart_at=ctx.config.get_str(RESTART_KEY)
            )
            window.exit_requested.connect(launch.app.exit)
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
        if window is not None:
            window.release_lock()
        launch.close(window, devices)
