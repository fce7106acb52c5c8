"""Device status (设备状态) as the status bar and the setup wizard show it, and change events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from devices.kinds import kind_name

DeviceState = Literal["ready", "busy", "offline", "error", "absent"]
EventKind = Literal["plugged", "unplugged", "state"]

STATE_NAMES: Final[Mapping[DeviceState, str]] = {
    "ready": "就绪",
    "busy": "忙碌",
    "offline": "未连接",
    "error": "故障",
    "absent": "未配置",
}


@dataclass(frozen=True)
class DeviceStatus:
    """What the status bar shows for one device; ``message`` is Chinese, e.g. "身份证阅读器：就绪"."""

    kind: str
    driver: str
    state: DeviceState
    message: str


@dataclass(frozen=True)
class DeviceEvent:
    """A device appeared ("plugged"), disappeared ("unplugged") or otherwise changed ("state")."""

    kind: str
    event: EventKind
    status: DeviceStatus


def make_status(kind: str, driver: str, state: DeviceState, detail: str | None = None) -> DeviceStatus:
    """A status whose message names the device once: "小票打印机：缺纸…", not "小票打印机：小票打印机缺纸…"."""
    name = kind_name(kind)
    text = detail or STATE_NAMES[state]
    message = text if text.startswith(name) else f"{name}：{text}"
    return DeviceStatus(kind=kind, driver=driver, state=state, message=message)
