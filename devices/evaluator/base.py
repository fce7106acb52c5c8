"""Satisfaction evaluator (评价器, 好差评): the applicant rates the service after a case.

Ratings follow GB/T 39046 A.8, where code 1 is the best level: 1 非常满意 … 5 非常不满意.
Real drivers: a second-screen window (in ui/) or a serial button box.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Protocol, runtime_checkable


class Rating(IntEnum):
    """满意度 (GB/T 39046 A.8). Lower is better."""

    VERY_SATISFIED = 1
    SATISFIED = 2
    BASICALLY_SATISFIED = 3
    DISSATISFIED = 4
    VERY_DISSATISFIED = 5

    @property
    def label(self) -> str:
        return RATING_LABELS[self]

    @property
    def is_negative(self) -> bool:
        """A 差评 (bad review) that the supervisor must follow up."""
        return self >= Rating.DISSATISFIED


RATING_LABELS: dict[Rating, str] = {
    Rating.VERY_SATISFIED: "非常满意",
    Rating.SATISFIED: "满意",
    Rating.BASICALLY_SATISFIED: "基本满意",
    Rating.DISSATISFIED: "不满意",
    Rating.VERY_DISSATISFIED: "非常不满意",
}


@runtime_checkable
class Evaluator(Protocol):
    """评价器. Call only from the device's own thread."""

    def ask_rating(self, prompt: str, timeout_s: float = 60.0) -> Rating | None:
        """Show ``prompt`` to the applicant and wait for a rating; None when nobody answers within
        ``timeout_s`` (the case then stays 未评价). Raises DeviceUnavailable if the device is gone."""
        ...
