"""故障开关: switches that make the reference platform misbehave on purpose, for tests and demos.

- ``drop_reply_after_commit``: the request is handled and committed, then the connection is reset
  instead of answering (the lost-ack case). A value in (0, 1) is a probability; a whole number
  >= 1 drops that many next replies and then switches itself off.
- ``error_rate``: probability of answering 503 before handling anything.
- ``stall_s``: seconds to wait before handling each request.
- ``clock_offset_s``: added to the platform's clock (server_time, received_at …).
- ``match``: a regular expression on ``"METHOD /path"``; faults touch only matching /v1 requests.

Enrollment replies are never dropped: the one-time code would be spent with no token to show for it.
"""

from __future__ import annotations

import json
import random
import re
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from app.errors import ConfigError

_FIELDS = ("drop_reply_after_commit", "error_rate", "stall_s", "clock_offset_s", "match")


@dataclass(frozen=True)
class FaultSettings:
    drop_reply_after_commit: float = 0.0
    error_rate: float = 0.0
    stall_s: float = 0.0
    clock_offset_s: float = 0.0
    match: str = ""

    def __post_init__(self) -> None:
        if self.drop_reply_after_commit < 0:
            raise ConfigError("drop_reply_after_commit 不能为负数。", key="drop_reply_after_commit")
        if not 0 <= self.error_rate <= 1:
            raise ConfigError("error_rate 应在 0 到 1 之间。", key="error_rate")
        if self.stall_s < 0:
            raise ConfigError("stall_s 不能为负数。", key="stall_s")
        try:
            re.compile(self.match)
        except re.error as exc:
            raise ConfigError(f"match 不是有效的正则表达式：{exc}", key="match") from exc

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_faults(text: str) -> FaultSettings:
    """``--faults`` value: a JSON object, or ``key=value`` pairs separated by commas.

    ``drop_reply_after_commit=2,stall_s=0.5`` and ``{"error_rate": 0.1}`` both work.
    """
    text = text.strip()
    if not text:
        return FaultSettings()
    raw: dict[str, Any]
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--faults 不是有效的 JSON：{exc.msg}", key="faults") from exc
        if not isinstance(loaded, dict):
            raise ConfigError("--faults 应为 JSON 对象。", key="faults")
        raw = loaded
    else:
        raw = {}
        for part in text.split(","):
            key, sep, value = part.partition("=")
            if not sep:
                raise ConfigError(f"--faults 的格式应为 名称=值，现在是“{part}”。", key="faults")
            raw[key.strip()] = value.strip()
    return settings_from(FaultSettings(), raw)


def settings_from(base: FaultSettings, raw: dict[str, Any]) -> FaultSettings:
    """``base`` with the fields named in ``raw`` replaced (values may be strings from the CLI)."""
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _FIELDS:
            raise ConfigError(f"没有名为“{key}”的故障开关，可用的有：{'、'.join(_FIELDS)}。", key=key)
        if value is None:
            continue
        if key == "match":
            changes[key] = str(value)
            continue
        try:
            changes[key] = float(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"故障开关 {key} 的值应为数字，现在是“{value}”。", key=key) from exc
    return replace(base, **changes)


@dataclass(frozen=True)
class FaultCounters:
    dropped: int
    errors: int
    stalls: int


class Faults:
    """The live switches of one platform; changed by POST /admin/faults from another thread."""

    def __init__(self, settings: FaultSettings | None = None, *, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._settings = settings or FaultSettings()
        self._pattern = re.compile(self._settings.match)
        self._random = random.Random(seed)
        self._dropped = self._errors = self._stalls = 0

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings

    def counters(self) -> FaultCounters:
        with self._lock:
            return FaultCounters(self._dropped, self._errors, self._stalls)

    def update(self, raw: dict[str, Any], *, seed: int | None = None) -> FaultSettings:
        with self._lock:
            self._settings = settings_from(self._settings, raw)
            self._pattern = re.compile(self._settings.match)
            if seed is not None:
                self._random.seed(seed)
            return self._settings

    def clock_offset_s(self) -> float:
        with self._lock:
            return self._settings.clock_offset_s

    def applies(self, method: str, path: str) -> bool:
        with self._lock:
            return not self._settings.match or bool(self._pattern.search(f"{method} {path}"))

    def take_stall(self) -> float:
        with self._lock:
            if self._settings.stall_s > 0:
                self._stalls += 1
            return self._settings.stall_s

    def take_error(self) -> bool:
        with self._lock:
            hit = self._settings.error_rate > 0 and self._random.random() < self._settings.error_rate
            self._errors += hit
            return hit

    def take_drop(self) -> bool:
        with self._lock:
            value = self._settings.drop_reply_after_commit
            if value <= 0:
                return False
            if value >= 1:
                # A count: this drop uses one up, and the switch turns itself off at zero.
                self._settings = replace(self._settings, drop_reply_after_commit=float(int(value) - 1))
                hit = True
            else:
                hit = self._random.random() < value
            self._dropped += hit
            return hit
