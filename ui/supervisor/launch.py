"""Start the supervisor's KPI view on its own (`run_supervisor`), as the counter mode starts its window.

A 值班长 signs in first (closing the dialog ends the program); only that role may record
rectifications, anyone else signed in may read. ``--smoke`` signs in as the counter's smoke run
does, loads the figures once, optionally saves a screenshot, and exits.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from app import paths
from app.context import AppContext
from app.errors import UserFacingError
from app.logs import LOG_FILE_NAME
from app.services.actor import Actor
from ui.application import apply_ui_font, ensure_application
from ui.counter.launch import sign_in_interactively, smoke_actor
from ui.i18n import use_language
from ui.ops import OpRunner
from ui.supervisor.kpi_window import KpiWindow

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_S = 10.0
SMOKE_WINDOW_SIZE = (1366, 768)
EXIT_SMOKE_FAILED = 1


def wait_until_loaded(window: KpiWindow, timeout_s: float) -> bool:
    if window.loaded:
        return True
    loop = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    window.data_did_load.connect(loop.quit)
    deadline.start(int(timeout_s * 1000))
    loop.exec()
    deadline.stop()
    window.data_did_load.disconnect(loop.quit)
    return window.loaded


def run_supervisor(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the KPI view until it is closed (or, with ``smoke``, until the figures have loaded)."""
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
    window: KpiWindow | None = None
    try:
        if smoke:
            try:
                actor: Actor | None = smoke_actor(ctx)
            except UserFacingError as error:
                print(
                    QCoreApplication.translate(
                        "SupervisorLaunch", "冒烟检查失败：演示账号无法登录（{error}）"
                    ).format(error=error),
                    file=sys.stderr,
                )
                return EXIT_SMOKE_FAILED
        else:
            actor = sign_in_interactively(ctx, runner)
            if actor is None:
                return 0
        window = KpiWindow(
            ctx,
            runner,
            actor=actor,
            rectify_days=ctx.config.get_int("evaluation.rectify_days"),
            wait_target_min=ctx.config.get_int("kpi.wait_target_min"),
        )
        window.reload()
        if not smoke:
            window.showMaximized()
            return app.exec()
        window.resize(*SMOKE_WINDOW_SIZE)
        window.show()
        window.table.setFocus()  # not the first date field, whose selected year would show in the picture
        if not wait_until_loaded(window, SMOKE_TIMEOUT_S):
            text = QCoreApplication.translate(
                "SupervisorLaunch", "冒烟检查失败：{s} 秒内没有载入运行指标。"
            ).format(s=f"{SMOKE_TIMEOUT_S:g}")
            print(text, file=sys.stderr)
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
        if window is not None:
            window.deleteLater()
        app.processEvents()
