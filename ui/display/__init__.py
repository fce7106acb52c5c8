"""叫号屏 (display mode): the full-screen calling board with voice; ``run_display`` starts it."""

from ui.display.board import DisplayWindow
from ui.display.launch import run_display

__all__ = ["DisplayWindow", "run_display"]
