"""Simulated barcode scanner (模拟扫码枪): a keyboard wedge a demo or test can "scan" into.

Ships in the product for demo mode and UI tests; ``push_code`` types a code as a real scanner would.
"""

from __future__ import annotations

from collections.abc import Callable

from devices.barcode.base import CodeCallback
from devices.barcode.wedge import KeyboardWedgeScanner
from devices.registry import DriverContext
from devices.simulated_plug import SimulatedPlugBase


class SimulatedBarcodeScanner(SimulatedPlugBase):
    """Delegates decoding to the real wedge logic; ``push_code`` is the simulated trigger pull."""

    def __init__(self) -> None:
        super().__init__("barcode")
        self._wedge = KeyboardWedgeScanner()
        self._scanned: list[str] = []
        self._wedge.subscribe(self._scanned.append)

    @property
    def scanned(self) -> list[str]:
        """Every code decoded so far, oldest first."""
        return list(self._scanned)

    def subscribe(self, callback: CodeCallback) -> Callable[[], None]:
        return self._wedge.subscribe(callback)

    def feed(self, text: str) -> None:
        self._wedge.feed(text)

    def push_code(self, code: str) -> None:
        """Scan ``code``: it is typed at scanner speed and ended with Enter."""
        self._require_plugged()
        self._wedge.feed(code + "\r")


def create(context: DriverContext) -> SimulatedBarcodeScanner:
    return SimulatedBarcodeScanner()
