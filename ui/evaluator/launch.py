"""Start the evaluator mode (`yichuang evaluator`): the rating screen of this PC's window.

It opens full screen on the second monitor when there is one (the counter's applicant-facing
screen), else on the primary one. ``--smoke`` loads the visit to rate, optionally saves a
screenshot, and exits; errors then go to stderr, never to a dialog.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from app.context import AppContext
from ui.evaluator.window import EvaluatorWindow
from ui.mode_launch import SMOKE_TIMEOUT_S, ModeLaunch, wait_until

log = logging.getLogger(__name__)

#: A common 10-inch evaluator pad; smoke runs and screenshots use it.
SMOKE_WINDOW_SIZE = (1280, 800)


def run_evaluator(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the rating screen until it is closed (or, with ``smoke``, until it has loaded)."""
    launch = ModeLaunch(ctx, smoke=smoke, screenshot=screenshot)
    window = EvaluatorWindow(ctx, launch.runner, window_number=ctx.config.get_int("station.window_number"))
    try:
        window.start()
        if not launch.smoke:
            return launch.run(window, "second_screen")
        launch.show_for_smoke(window, SMOKE_WINDOW_SIZE)
        signals = [window.target_did_load, window.target_did_fail]
        loaded = wait_until(lambda: window.loaded, signals, SMOKE_TIMEOUT_S)
        launch.app.processEvents()
        if window.error_label.text():
            return launch.fail(window.error_label.text())
        if not loaded:
            text = QCoreApplication.translate(
                "EvaluatorLaunch", "冒烟检查失败：{s} 秒内没有载入本窗口的评价信息。"
            )
            return launch.fail(text.format(s=f"{SMOKE_TIMEOUT_S:g}"))
        return launch.finish_smoke(window)
    finally:
        launch.close(window)
