"""Start the display mode (``yichuang display``): Qt application, speech device, op runner, board.

No sign-in: the board only reads the queue. Only the "speech" device is opened — a display PC has
no card reader or printer to wait for. Full screen on the primary screen; ``--smoke`` shows the board
at 1920×1080 until its first load (at most :data:`SMOKE_TIMEOUT_S`), optionally saves a screenshot,
and exits, which checks that the database, the watcher and the speech driver start on this machine.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from app import paths
from app.context import AppContext
from app.logs import LOG_FILE_NAME
from devices.manager import DeviceManager
from ui.application import apply_ui_font, ensure_application
from ui.display.board import DisplayWindow
from ui.i18n import use_language
from ui.ops import OpRunner

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_S = 10.0
# A full-HD TV; smoke runs and screenshots use it so pictures are comparable.
SMOKE_WINDOW_SIZE = (1920, 1080)
EXIT_SMOKE_FAILED = 1
# How often the watcher polls when no notice arrives: SQLite has only the poll, PostgreSQL also NOTIFY.
POLL_INTERVAL_SQLITE_S = 1.0
POLL_INTERVAL_POSTGRES_S = 3.0


def poll_interval_s(ctx: AppContext) -> float:
    return POLL_INTERVAL_SQLITE_S if ctx.db.is_sqlite else POLL_INTERVAL_POSTGRES_S


def wait_until_loaded(window: DisplayWindow, timeout_s: float) -> bool:
    """Process events until the board has loaded once; False on timeout."""
    if window.loaded:
        return True
    loop = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    window.board_did_load.connect(loop.quit)
    deadline.start(int(timeout_s * 1000))
    loop.exec()
    deadline.stop()
    window.board_did_load.disconnect(loop.quit)
    return window.loaded


def run_display(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the calling board until it is closed (or, with ``smoke``, until it has loaded once).

    ``screenshot`` implies ``smoke``: the picture is taken once the board has loaded.
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
    devices = DeviceManager({"speech": ctx.config.get_str("devices.speech")}, work_dir=ctx.work_dir)
    window: DisplayWindow | None = None
    try:
        window = DisplayWindow(ctx, runner, devices, poll_interval_s=poll_interval_s(ctx))
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
            message = QCoreApplication.translate("DisplayLaunch", "冒烟检查失败：%1 秒内没有载入叫号信息。")
            print(message.replace("%1", f"{SMOKE_TIMEOUT_S:g}"), file=sys.stderr)
            return EXIT_SMOKE_FAILED
        app.processEvents()
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(screenshot), "PNG"):
                raise OSError(f"could not write screenshot {screenshot}")
            log.info("screenshot saved to %s", screenshot)
        return EXIT_SMOKE_FAILED if smoke_errors else 0
    finally:
        if window is not None:
            window.close()
        runner.shutdown()
        devices.stop()
        if window is not None:
            window.deleteLater()
        app.processEvents()
