"""Start the display mode (``yichuang display``): Qt application, speech device, op runner, board.

No sign-in: the board only reads the queue. Only the "speech" device is opened — a display PC has
no card reader or printer to wait for. Full screen on the primary screen; ``--smoke`` shows the board
at 1920×1080 until its first load (at most :data:`SMOKE_TIMEOUT_S`), optionally saves a screenshot,
and exits, which checks that the database, the watcher and the speech driver start on this machine.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from app.context import AppContext
from devices.manager import DeviceManager
from ui.display.board import DisplayWindow
from ui.mode_launch import SMOKE_TIMEOUT_S, ModeLaunch, wait_until

log = logging.getLogger(__name__)

# A full-HD TV; smoke runs and screenshots use it so pictures are comparable.
SMOKE_WINDOW_SIZE = (1920, 1080)
# How often the watcher polls when no notice arrives: SQLite has only the poll, PostgreSQL also NOTIFY.
POLL_INTERVAL_SQLITE_S = 1.0
POLL_INTERVAL_POSTGRES_S = 3.0


def poll_interval_s(ctx: AppContext) -> float:
    return POLL_INTERVAL_SQLITE_S if ctx.db.is_sqlite else POLL_INTERVAL_POSTGRES_S


def run_display(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the calling board until it is closed (or, with ``smoke``, until it has loaded once).

    ``screenshot`` implies ``smoke``: the picture is taken once the board has loaded.
    """
    launch = ModeLaunch(ctx, smoke=smoke, screenshot=screenshot)
    devices = DeviceManager({"speech": ctx.config.get_str("devices.speech")}, work_dir=ctx.work_dir)
    window: DisplayWindow | None = None
    try:
        window = DisplayWindow(ctx, launch.runner, devices, poll_interval_s=poll_interval_s(ctx))
        devices.start()
        window.start_watching()
        if not launch.smoke:
            return launch.run(window, "full_screen")
        launch.show_for_smoke(window, SMOKE_WINDOW_SIZE)
        board = window
        if not wait_until(lambda: board.loaded, [board.board_did_load], SMOKE_TIMEOUT_S):
            message = QCoreApplication.translate("DisplayLaunch", "冒烟检查失败：%1 秒内没有载入叫号信息。")
            return launch.fail(message.replace("%1", f"{SMOKE_TIMEOUT_S:g}"))
        return launch.finish_smoke(window)
    finally:
        launch.close(window, devices)
