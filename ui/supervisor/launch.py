"""Start the supervisor's KPI view on its own (`run_supervisor`), as the counter mode starts its window.

A 值班长 signs in first (closing the dialog ends the program); only that role may record
rectifications, anyone else signed in may read. ``--smoke`` signs in as the counter's smoke run
does, loads the figures once, optionally saves a screenshot, and exits.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from app.context import AppContext
from app.errors import UserFacingError
from app.services.actor import Actor
from ui.counter.launch import sign_in_interactively, smoke_actor
from ui.mode_launch import SMOKE_TIMEOUT_S, ModeLaunch, wait_until
from ui.supervisor.kpi_window import KpiWindow

log = logging.getLogger(__name__)

SMOKE_WINDOW_SIZE = (1366, 768)


def run_supervisor(ctx: AppContext, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    """Run the KPI view until it is closed (or, with ``smoke``, until the figures have loaded)."""
    launch = ModeLaunch(ctx, smoke=smoke, screenshot=screenshot)
    window: KpiWindow | None = None
    try:
        if launch.smoke:
            try:
                actor: Actor | None = smoke_actor(ctx)
            except UserFacingError as error:
                text = QCoreApplication.translate(
                    "SupervisorLaunch", "冒烟检查失败：演示账号无法登录（{error}）"
                )
                return launch.fail(text.format(error=error))
        else:
            actor = sign_in_interactively(ctx, launch.runner)
            if actor is None:
                return 0
        window = KpiWindow(
            ctx,
            launch.runner,
            actor=actor,
            rectify_days=ctx.config.get_int("evaluation.rectify_days"),
            wait_target_min=ctx.config.get_int("kpi.wait_target_min"),
        )
        window.reload()
        if not launch.smoke:
            return launch.run(window, "maximized")
        launch.show_for_smoke(window, SMOKE_WINDOW_SIZE)
        window.table.setFocus()  # not the first date field, whose selected year would show in the picture
        view = window
        if not wait_until(lambda: view.loaded, [view.data_did_load], SMOKE_TIMEOUT_S):
            text = QCoreApplication.translate("SupervisorLaunch", "冒烟检查失败：{s} 秒内没有载入运行指标。")
            return launch.fail(text.format(s=f"{SMOKE_TIMEOUT_S:g}"))
        return launch.finish_smoke(window)
    finally:
        launch.close(window)
