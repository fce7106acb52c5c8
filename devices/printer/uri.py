"""Receipt-printer address (打印机地址) as configured in ``devices.printer_uri``.

One string names the connector and where the printer is, so the setup wizard, ``yichuang print
--printer`` and the configuration file all use the same form:

- ``tcp://192.168.1.50:9100`` — LAN printer, raw port 9100 (the port may be left out);
- ``usb://0416:5011?in_ep=81&out_ep=03`` — USB vendor:product id in hex (endpoints optional);
- ``serial:///dev/ttyUSB0?baud=9600&flow=dsrdtr`` — serial port (``serial://COM3`` on Windows);
- ``file:///dev/usb/lp0`` — a device node written as a file (Linux usblp), no status;
- ``cups://XP58`` — a raw CUPS queue, printed with ``lp -o raw``;
- ``win32://XP-58C`` — a Windows printer queue in RAW mode (the name may hold spaces or Chinese).

``pause_ms`` (tcp, usb, serial, file) waits between raster fragments for printers whose buffer
overflows on fast links (printing.md §2.4).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal, cast, get_args
from urllib.parse import parse_qsl, unquote, urlsplit

from app.errors import ConfigError

Scheme = Literal["tcp", "usb", "serial", "file", "cups", "win32"]

CONFIG_KEY: Final = "devices.printer_uri"
DEFAULT_TCP_PORT: Final = 9100
SERIAL_FLOWS: Final = ("none", "dsrdtr", "rtscts", "xonxoff")

_ALLOWED_PARAMS: Final[Mapping[str, frozenset[str]]] = {
    "tcp": frozenset({"pause_ms"}),
    "usb": frozenset({"in_ep", "out_ep", "pause_ms"}),
    "serial": frozenset({"baud", "flow", "pause_ms"}),
    "file": frozenset({"pause_ms"}),
    "cups": frozenset(),
    "win32": frozenset(),
}
_EXAMPLES: Final = "tcp://192.168.1.50:9100、usb://0416:5011、serial:///dev/ttyUSB0?baud=9600、file:///dev/usb/lp0、cups://队列名"
_USB_ID: Final = re.compile(r"^(?:0x)?([0-9a-f]{1,4}):(?:0x)?([0-9a-f]{1,4})$", re.IGNORECASE)
_CUPS_QUEUE: Final = re.compile(r"^[^\s/#\\]+$")


@dataclass(frozen=True)
class PrinterUri:
    """A parsed printer address. ``target`` is normalised per scheme:

    tcp ``host:port`` (port filled in), usb ``vvvv:pppp`` (lower-case hex), serial and file the
    device path, cups the queue name, win32 the printer name. ``params`` hold the validated query.
    """

    scheme: Scheme
    target: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        """tcp only: the host part of ``target``."""
        return self.target.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        """tcp only: the port part of ``target``."""
        return int(self.target.rpartition(":")[2])

    @property
    def usb_ids(self) -> tuple[int, int]:
        """usb only: (vendor id, product id)."""
        vendor, _, product = self.target.partition(":")
        return int(vendor, 16), int(product, 16)

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.scheme}://{self.target}" + (f"?{query}" if query else "")


def _bad(uri: str, why: str) -> ConfigError:
    return ConfigError(f"打印机地址“{uri}”{why}。请按以下形式填写：{_EXAMPLES}。", key=CONFIG_KEY)


def _positive_int(uri: str, name: str, value: str, *, base: int = 10, maximum: int) -> str:
    try:
        number = int(value, base)
    except ValueError:
        raise _bad(uri, f"中参数 {name} 不是数字") from None
    if not 0 < number <= maximum:
        raise _bad(uri, f"中参数 {name} 超出范围（1 到 {maximum}）")
    return value


def _check_params(uri: str, scheme: str, params: dict[str, str]) -> None:
    unknown = sorted(set(params) - _ALLOWED_PARAMS[scheme])
    if unknown:
        allowed = "、".join(sorted(_ALLOWED_PARAMS[scheme])) or "无"
        raise _bad(uri, f"含有不认识的参数 {'、'.join(unknown)}（{scheme}:// 可用参数：{allowed}）")
    if "pause_ms" in params:
        _positive_int(uri, "pause_ms", params["pause_ms"], maximum=5000)
    if "baud" in params:
        _positive_int(uri, "baud", params["baud"], maximum=4_000_000)
    if "flow" in params and params["flow"] not in SERIAL_FLOWS:
        raise _bad(uri, f"中参数 flow 只能是 {'、'.join(SERIAL_FLOWS)}")
    for endpoint in ("in_ep", "out_ep"):
        if endpoint in params:
            _positive_int(uri, endpoint, params[endpoint], base=16, maximum=0xFF)


def _tcp_target(uri: str, host: str | None, port_text: str) -> str:
    if not host:
        raise _bad(uri, "缺少打印机的 IP 地址或主机名")
    port = DEFAULT_TCP_PORT
    if port_text:
        port = int(_positive_int(uri, "端口", port_text, maximum=65535))
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}"


def parse_printer_uri(uri: str) -> PrinterUri:
    """Parse ``devices.printer_uri``; ConfigError (key ``devices.printer_uri``) with a Chinese
    message saying what is wrong and showing the accepted forms."""
    text = uri.strip()
    scheme_text, sep, rest = text.partition("://")
    scheme = scheme_text.lower()
    if not sep or scheme not in get_args(Scheme):
        raise _bad(text, "不是支持的打印机地址")
    if scheme == "win32":
        # Windows printer names may contain anything ("\\server\XP-58", spaces, Chinese); no query.
        name = unquote(rest).strip()
        if not name:
            raise _bad(text, "缺少 Windows 打印机名称")
        return PrinterUri("win32", name, MappingProxyType({}))
    parts = urlsplit(text)
    try:
        params = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
    except ValueError:
        raise _bad(text, "的参数部分格式不对") from None
    _check_params(text, scheme, params)
    if scheme == "tcp":
        try:
            port_text = "" if parts.port is None else str(parts.port)
        except ValueError:
            raise _bad(text, "的端口号不对（应为 1 到 65535）") from None
        target = _tcp_target(text, parts.hostname, port_text)
    elif scheme == "usb":
        match = _USB_ID.match(parts.netloc)
        if match is None:
            raise _bad(text, "的 USB 编号不对，应为“厂商号:产品号”四位十六进制，如 0416:5011")
        target = f"{int(match.group(1), 16):04x}:{int(match.group(2), 16):04x}"
    elif scheme in ("serial", "file"):
        # serial:///dev/ttyUSB0 has the path; serial://COM3 has the port name as "host".
        target = unquote(parts.netloc + parts.path)
        if not target:
            raise _bad(text, "缺少设备路径")
    else:
        target = unquote(parts.netloc)
        if not _CUPS_QUEUE.match(target) or parts.path not in ("", "/"):
            raise _bad(text, "缺少 CUPS 打印队列名，或队列名含有空格、斜杠")
    return PrinterUri(cast(Scheme, scheme), target, MappingProxyType(params))
