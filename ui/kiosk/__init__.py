"""Kiosk mode (自助取号机): category buttons, appointment check-in and printed queue tickets."""

from ui.kiosk.launch import run_kiosk
from ui.kiosk.window import KioskWindow

__all__ = ["KioskWindow", "run_kiosk"]
