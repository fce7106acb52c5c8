"""Simulated voice output (模拟语音播报): records what would have been said; plays nothing.

Ships in the product for demo mode and UI tests. ``seconds_per_char`` lets a demo feel the time a
real announcement takes ("请A012号到3号窗口办理" takes about 3 s with espeak-ng).
"""

from __future__ import annotations

import threading
import time

from devices.registry import DriverContext
from devices.simulated_plug import SimulatedPlugBase


class SimulatedSpeech(SimulatedPlugBase):
    def __init__(self, *, seconds_per_char: float = 0.0) -> None:
        super().__init__("speech")
        self._seconds_per_char = seconds_per_char
        self._lock = threading.Lock()
        self._spoken: list[str] = []

    @property
    def spoken(self) -> list[str]:
        """Every text said so far, oldest first."""
        with self._lock:
            return list(self._spoken)

    def say(self, text: str) -> None:
        self._require_plugged()
        if self._seconds_per_char > 0:
            time.sleep(self._seconds_per_char * len(text))
        with self._lock:
            self._spoken.append(text)


def create(context: DriverContext) -> SimulatedSpeech:
    return SimulatedSpeech()
