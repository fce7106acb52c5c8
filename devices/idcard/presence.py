"""Card-presence throttle (寻卡限速): ask the reader whether a card lies on it at most every 300 ms.

Vendors advise polling a SAM no faster than every 300 ms (shared/reference/idcard.md §1.6); a UI
that asks more often gets the last answer instead of another find-card command on the wire.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

MIN_PRESENCE_INTERVAL_S: Final = 0.3


class PresenceThrottle:
    """Caches the last presence answer for ``min_interval_s``. Not thread-safe: use on the device thread."""

    def __init__(
        self, min_interval_s: float = MIN_PRESENCE_INTERVAL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._min_interval_s = min_interval_s
        self._clock = clock
        self._last_at: float | None = None
        self._last_answer = False

    def check(self, probe: Callable[[], bool]) -> bool:
        """``probe()``'s answer, or the cached one when the last probe was less than the interval ago.

        A probe that raises passes its exception on and leaves "no card" cached for the interval,
        so a failing reader is not hammered either.
        """
        now = self._clock()
        if self._last_at is not None and now - self._last_at < self._min_interval_s:
            return self._last_answer
        self._last_at = now
        self._last_answer = False
        self._last_answer = probe()
        return self._last_answer

    def forget(self) -> None:
        """Drop the cached answer, so the next ``check`` asks the reader (e.g. after a replug)."""
        self._last_at = None
        self._last_answer = False
