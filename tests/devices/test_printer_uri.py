from __future__ import annotations

import pytest

from app.errors import ConfigError
from devices.printer.uri import PrinterUri, parse_printer_uri


@pytest.mark.parametrize(
    ("uri", "scheme", "target", "params"),
    [
        ("tcp://192.168.1.50:9100", "tcp", "192.168.1.50:9100", {}),
        ("tcp://printer.hall.local", "tcp", "printer.hall.local:9100", {}),
        ("TCP://10.0.0.7:9101?pause_ms=50", "tcp", "10.0.0.7:9101", {"pause_ms": "50"}),
        ("tcp://[::1]:9100", "tcp", "[::1]:9100", {}),
        ("usb://0416:5011", "usb", "0416:5011", {}),
        ("usb://0x1FC9:0x2016?in_ep=81&out_ep=03", "usb", "1fc9:2016", {"in_ep": "81", "out_ep": "03"}),
        ("serial:///dev/ttyUSB0?baud=9600", "serial", "/dev/ttyUSB0", {"baud": "9600"}),
        ("serial://COM3?baud=115200&flow=rtscts", "serial", "COM3", {"baud": "115200", "flow": "rtscts"}),
        ("file:///dev/usb/lp0", "file", "/dev/usb/lp0", {}),
        ("cups://XP58", "cups", "XP58", {}),
        ("win32://XP-58C 热敏打印机", "win32", "XP-58C 热敏打印机", {}),
        ("win32://%5C%5Cserver%5CXP80", "win32", "\\\\server\\XP80", {}),
        ("  tcp://127.0.0.1:9100  ", "tcp", "127.0.0.1:9100", {}),
    ],
)
def test_every_documented_form_parses(uri: str, scheme: str, target: str, params: dict[str, str]) -> None:
    parsed = parse_printer_uri(uri)
    assert (parsed.scheme, parsed.target, dict(parsed.params)) == (scheme, target, params)


def test_parts_the_connectors_need() -> None:
    tcp = parse_printer_uri("tcp://192.168.1.50")
    assert (tcp.host, tcp.port) == ("192.168.1.50", 9100)
    assert parse_printer_uri("tcp://[::1]:9101").host == "::1"
    assert parse_printer_uri("usb://0416:5011").usb_ids == (0x0416, 0x5011)
    assert str(parse_printer_uri("serial:///dev/ttyS0?flow=none&baud=19200")) == (
        "serial:///dev/ttyS0?baud=19200&flow=none"
    )
    assert parse_printer_uri(str(tcp)) == PrinterUri("tcp", "192.168.1.50:9100", {})


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("", "不是支持的打印机地址"),
        ("192.168.1.50:9100", "不是支持的打印机地址"),
        ("lpt://LPT1", "不是支持的打印机地址"),
        ("tcp://", "缺少打印机的 IP 地址"),
        ("tcp://10.0.0.7:99999", "端口"),
        ("tcp://10.0.0.7:9100?baud=9600", "不认识的参数 baud"),
        ("tcp://10.0.0.7?pause_ms=fast", "pause_ms 不是数字"),
        ("usb://printer", "USB 编号不对"),
        ("usb://0416:5011?in_ep=zz", "in_ep 不是数字"),
        ("serial://", "缺少设备路径"),
        ("serial:///dev/ttyS0?baud=0", "baud 超出范围"),
        ("serial:///dev/ttyS0?flow=cts", "flow 只能是"),
        ("serial:///dev/ttyS0?baud", "参数部分格式不对"),
        ("serial:///dev/ttyS0?baud=", "baud 不是数字"),
        ("cups://", "CUPS 打印队列名"),
        ("cups://my queue", "CUPS 打印队列名"),
        ("cups://XP58?pause_ms=5", "不认识的参数"),
        ("win32://", "缺少 Windows 打印机名称"),
    ],
)
def test_bad_addresses_name_the_key_and_say_what_is_wrong(uri: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_printer_uri(uri)
    assert caught.value.key == "devices.printer_uri"
    message = str(caught.value)
    assert says in message
    assert "tcp://192.168.1.50:9100" in message  # shows the accepted forms
