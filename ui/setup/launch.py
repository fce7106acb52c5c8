"""Start the setup wizard (`yichuang setup`): Qt application, op runner, the wizard, teardown.

Returns the exit code: 0 when the configuration was written, 1 when the wizard was cancelled
(the old configuration stays as it was). ``smoke`` opens the wizard, waits for its categories to
load, optionally saves a screenshot of the first page and exits.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from app.context import AppContext
from ui.mode_launch import SMOKE_TIMEOUT_S, ModeLaunch, wait_until
from ui.setup.wizard import SetupWizard

WIZARD_SIZE = (960, 760)
EXIT_CANCELLED = 1


def run_setup(ctx: AppContext, target: Path, *, smoke: bool = False, screenshot: Path | None = None) -> int:
    launch = ModeLaunch(ctx, smoke=smoke, screenshot=screenshot)
    wizard = SetupWizard(ctx, launch.runner, target)
    try:
        if launch.smoke:
            launch.show_for_smoke(wizard, WIZARD_SIZE)
            if not wait_until(lambda: wizard.loaded, [], SMOKE_TIMEOUT_S):
                text = QCoreApplication.translate(
                    "SetupLaunch", "冒烟检查失败：{seconds} 秒内没有载入取号类别。"
                )
                return launch.fail(text.format(seconds=f"{SMOKE_TIMEOUT_S:g}"))
            return launch.finish_smoke(wizard)
        wizard.resize(*WIZARD_SIZE)
        wizard.exec()
        if wizard.saved is None:
            print(QCoreApplication.translate("SetupLaunch", "设置向导已取消，配置未改动。"), file=sys.stderr)
            return EXIT_CANCELLED
        print(QCoreApplication.translate("SetupLaunch", "设置已保存：{path}").format(path=target))
        return 0
    finally:
        wizard.stop_devices()
        launch.close(wizard)
