"""What every mode's start-up shares: the Qt application, the op runner, showing, smoke, teardown.

Each mode (counter, kiosk, display, evaluator, supervisor) builds its own window; this module does
the rest the same way everywhere:

- the application with the configured font scale and language;
- one OpRunner whose errors go to stderr during ``--smoke`` (never to a dialog nobody clicks);
- showing the window on a real screen (maximised, full screen, or full screen on a second monitor),
  sizing it ourselves because without a window manager those calls are only hints;
- ``--smoke``: wait for the window's "loaded" signal, save the screenshot, exit 1 on any error;
- teardown in the one safe order: close the window, stop the runner, stop the devices.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app import paths
from app.context import AppContext
from app.logs import LOG_FILE_NAME
from devices.kinds import DEVICE_KINDS
from devices.manager import DeviceManager
from ui.application import apply_ui_font, ensure_application
from ui.i18n import use_language
from ui.ops import OpRunner

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_S = 10.0
EXIT_SMOKE_FAILED = 1
Placement = Literal["maximized", "full_screen", "second_screen"]


def device_drivers(ctx: AppContext) -> dict[str, str]:
    """Driver name per device kind from the ``devices.<kind>`` configuration keys."""
    return {kind: ctx.config.get_str(f"devices.{kind}") for kind in DEVICE_KINDS}


def wait_until(loaded: Callable[[], bool], signals: Sequence[Any], timeout_s: float) -> bool:
    """Process events until ``loaded()`` or ``timeout_s``; any of ``signals`` wakes the check."""
    if loaded():
        return True
    loop = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    for signal in signals:
        signal.connect(loop.quit)
    deadline.start(int(timeout_s * 1000))
    loop.exec()
    deadline.stop()
    for signal in signals:
        signal.disconnect(loop.quit)
    return loaded()


def save_screenshot(window: QWidget, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(target), "PNG"):
        raise OSError(f"could not write screenshot {target}")
    log.info("screenshot saved to %s", target)


class ModeLaunch:
    """One mode's run: the application and runner it uses, and how its window is shown and closed."""

    def __init__(self, ctx: AppContext, *, smoke: bool, screenshot: Path | None) -> None:
        self.smoke = smoke or screenshot is not None  # a screenshot is taken by a smoke run
        self.screenshot = screenshot
        self.app: QApplication = ensure_application()
        apply_ui_font(self.app, ctx.config.get_float("ui.font_scale"))
        use_language(self.app, ctx.config.get_str("ui.language"))
        self.smoke_errors: list[str] = []
        self.runner = OpRunner(
            log_path=paths.log_dir() / LOG_FILE_NAME, show_message=self._report if self.smoke else None
        )

    def _report(self, text: str) -> None:
        self.smoke_errors.append(text)
        print(text, file=sys.stderr)

    def fail(self, message: str) -> int:
        """A smoke run that could not get going: say why on stderr."""
        print(message, file=sys.stderr)
        return EXIT_SMOKE_FAILED

    def run(self, window: QWidget, placement: Placement) -> int:
        """Show ``window`` on the screen and run the event loop until it is closed."""
        screens = self.app.screens()
        # The evaluator belongs on the applicant's side: the second monitor when there is one.
        screen = screens[1] if placement == "second_screen" and len(screens) > 1 else self.app.primaryScreen()
        if placement == "maximized":
            if screen is not None:
                window.setGeometry(screen.availableGeometry())
            window.showMaximized()
        else:
            if screen is not None:
                window.setGeometry(screen.geometry())
            window.showFullScreen()
        return self.app.exec()

    def show_for_smoke(self, window: QWidget, size: tuple[int, int]) -> None:
        """A fixed size, so smoke screenshots of one mode are comparable across machines."""
        window.resize(*size)
        window.show()

    def finish_smoke(self, window: QWidget) -> int:
        """After a smoke run loaded: the screenshot if asked, exit 1 if any op failed."""
        self.app.processEvents()
        if self.screenshot is not None:
            save_screenshot(window, self.screenshot)
        return EXIT_SMOKE_FAILED if self.smoke_errors else 0

    def close(self, window: QWidget | None, devices: DeviceManager | None = None) -> None:
        """Window first (it stops its timers), then the runner's threads, then the device threads."""
        if window is not None:
            window.close()
        self.runner.shutdown()
        if devices is not None:
            devices.stop()
        if window is not None:
            window.deleteLater()
        self.app.processEvents()
