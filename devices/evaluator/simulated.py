"""Simulated evaluator (模拟评价器): answers every request with a preset rating.

Ships in the product for demo mode and UI tests. A preset of None plays the applicant who walks
away without rating: the request waits out its timeout and returns None.
"""

from __future__ import annotations

import threading

from devices.evaluator.base import Rating
from devices.registry import DriverContext
from devices.simulated_plug import SimulatedPlugBase


class SimulatedEvaluator(SimulatedPlugBase):
    def __init__(self, rating: Rating | None = Rating.VERY_SATISFIED, *, answer_delay_s: float = 0.0) -> None:
        super().__init__("evaluator")
        self._lock = threading.Lock()
        self._rating = rating
        self._answer_delay_s = answer_delay_s
        self._prompts: list[str] = []
        self._wake = threading.Event()  # set by simulate_unplug to end a wait early

    @property
    def prompts(self) -> list[str]:
        """Every prompt shown so far, oldest first."""
        with self._lock:
            return list(self._prompts)

    def set_rating(self, rating: Rating | None) -> None:
        """What the next applicants will answer."""
        with self._lock:
            self._rating = rating

    def simulate_unplug(self) -> None:
        super().simulate_unplug()
        self._wake.set()

    def simulate_plug(self) -> None:
        self._wake.clear()
        super().simulate_plug()

    def ask_rating(self, prompt: str, timeout_s: float = 60.0) -> Rating | None:
        self._require_plugged()
        with self._lock:
            self._prompts.append(prompt)
            rating = self._rating
        answers = rating is not None and self._answer_delay_s <= timeout_s
        self._wake.wait(self._answer_delay_s if answers else max(timeout_s, 0.0))
        self._require_plugged()
        return rating if answers else None


def create(context: DriverContext) -> SimulatedEvaluator:
    return SimulatedEvaluator()
