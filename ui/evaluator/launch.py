"""Start the evaluator mode (`yichuang evaluator`): the rating screen of this PC's window.

It opens full screen on the second monitor when there is one (the counter's applicant-facing
screen), else on the primary one. ``--smoke`` loads the visit to rate, optionally saves a
screenshot, and exits; errors then go to stderr, never to a dialog.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from app import paths
from app.context import AppContext
from app.logs import LOG_FILE_NAME
from ui.application import apply_ui_font, ensure_application
from ui.evaluator.window import EvaluatorWindow
from ui.i18n import use_language
from ui.ops import OpRunner

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_S = 10.0
#: A common 10-inch evaluator pad; smoke runs and screenshots use it.
SMOKE_WINDOW_SIZE = (1280, 800)
EXIT_SMOKE_FAILED = 1


def wait_until_loaded(window: EvaluatorWindow, timeout_s: float) -> bool:
    if window.loaded:
        return True
    loop = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    window.target_did_load.connect(loop.quit)
    window.target_did_fail.connect(loop.quit)
    deadline.start(int(timeout_s * 1000))
    loop.exec()
    deadline.stop()
    window.target_did_load.disconnect(loop.quit)
    window.target_did_fail.disconnect(loop.quit)
    return window.loaded


def run_evaluator(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the rating screen until it is closed (or, with ``smoke``, until it has loaded)."""
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
    window = EvaluatorWindow(ctx, runner, window_number=ctx.config.get_int("station.window_number"))
    try:
        window.start()
        if not smoke:
            screens = app.screens()
            screen = screens[1] if len(screens) > 1 else app.primaryScreen()
            if screen is not None:
                window.setGeometry(screen.geometry())
            window.showFullScreen()
            return app.exec()
        window.resize(*SMOKE_WINDOW_SIZE)
        window.show()
        loaded = wait_until_loaded(window, SMOKE_TIMEOUT_S)
        app.processEvents()
        if window.error_label.text():
            print(window.error_label.text(), file=sys.stderr)
            return EXIT_SMOKE_FAILED
        if not loaded:
            text = QCoreApplication.translate(
                "EvaluatorLaunch", "冒烟检查失败：{s} 秒内没有载入本窗口的评价信息。"
            )
            print(text.format(s=f"{SMOKE_TIMEOUT_S:g}"), file=sys.stderr)
            return EXIT_SMOKE_FAILED
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(screenshot), "PNG"):
                raise OSError(f"could not write screenshot {screenshot}")
            log.info("screenshot saved to %s", screenshot)
        return EXIT_SMOKE_FAILED if smoke_errors else 0
    finally:
        window.close()
        runner.shutdown()
        window.deleteLater()
        app.processEvents()
