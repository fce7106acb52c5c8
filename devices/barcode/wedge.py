"""Keyboard-wedge scanner driver (键盘仿真扫码枪): assembles keystrokes into codes.

A scanner types a whole code in a few milliseconds; a person types far slower. Keystrokes more than
``max_key_gap_s`` apart therefore mark the sequence as typed by hand and it is not taken as a scan,
so a clerk typing into a search field never triggers a code lookup. Codes shorter than
``min_length`` are dropped too: a lone Enter or a stray key is not an appointment code.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from devices.barcode.base import CodeCallback
from devices.registry import DriverContext

log = logging.getLogger(__name__)

_TERMINATORS = frozenset("\r\n")


class KeyboardWedgeScanner:
    """Decodes keystroke text; thread-safe, subscribers called outside the lock on the feeding thread."""

    def __init__(
        self,
        *,
        max_key_gap_s: float = 0.1,
        min_length: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_gap = max_key_gap_s
        self._min_length = min_length
        self._clock = clock
        self._lock = threading.Lock()
        self._buffer: list[str] = []
        self._last_key_at = 0.0
        self._typed_by_hand = False
        self._subscribers: list[CodeCallback] = []

    def subscribe(self, callback: CodeCallback) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def feed(self, text: str) -> None:
        codes: list[str] = []
        with self._lock:
            for char in text:
                now = self._clock()
                if char in _TERMINATORS:
                    code = "".join(self._buffer).strip()
                    if code and not self._typed_by_hand and len(code) >= self._min_length:
                        codes.append(code)
                    self._buffer.clear()
                    self._typed_by_hand = False
                    continue
                if self._buffer and now - self._last_key_at > self._max_gap:
                    self._typed_by_hand = True
                self._buffer.append(char)
                self._last_key_at = now
            subscribers = list(self._subscribers)
        for code in codes:
            for callback in subscribers:
                try:
                    callback(code)
                except Exception:
                    log.exception("barcode subscriber failed")


def create(context: DriverContext) -> KeyboardWedgeScanner:
    """Factory for the DeviceManager (driver name "wedge")."""
    return KeyboardWedgeScanner()
