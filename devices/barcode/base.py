"""Barcode/QR scanning (扫码): scanners that type the code as keystrokes, ended by Enter.

Appointment codes (预约码) and e-licence QR codes arrive this way. The UI forwards the key text it
receives; the scanner object turns keystrokes into whole codes and calls its subscribers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

CodeCallback = Callable[[str], None]


@runtime_checkable
class BarcodeScanner(Protocol):
    """扫码枪 (keyboard-wedge model)."""

    def feed(self, text: str) -> None:
        """Keystroke text as typed ("\\r" or "\\n" ends a code). Subscribers run on the calling thread."""
        ...

    def subscribe(self, callback: CodeCallback) -> Callable[[], None]:
        """Call ``callback(code)`` for every decoded code; returns a function that unsubscribes."""
        ...
