"""Reader checks for `yichuang doctor` (设备检测): which card readers are attached, and a test read.

What an installer needs to see at a new counter: the serial ports and USB SAM readers present, the
PC/SC readers pcscd knows, and — for the configured ID reader — its SAM ID and a test read. The
test read is audited like any other read; its result shows the masked number only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from app.config import Config
from app.doctor import CheckResult
from app.errors import DeviceUnavailable
from devices.idcard.base import IdCardData, IdCardReader, NoCardPresent
from devices.lifecycle import Closable
from devices.registry import NO_DRIVER, DriverContext, resolve_factory

log = logging.getLogger(__name__)

TEST_READ_TIMEOUT_S = 1.5

#: Called with each successful test read, to audit it (the CLI writes an ``idcard.read`` event).
ReadAudit = Callable[[IdCardData], None]


def serial_ports() -> list[str]:
    """Serial ports of this PC with their description ("/dev/ttyUSB0 (CH340)")."""
    try:
        from serial.tools import list_ports
    except ImportError:  # pyserial is a dependency; a broken install still must not stop doctor
        return []
    return [f"{port.device} ({port.description})" for port in list_ports.comports()]


def _usb_readers() -> list[str]:
    try:
        from devices.idcard.usb_bulk import find_readers
    except ImportError:
        return []
    try:
        return [str(reader) for reader in find_readers()]
    except Exception:
        log.warning("USB reader scan failed", exc_info=True)
        return []


def _pcsc_readers() -> tuple[list[str], str | None]:
    try:
        from devices.smartcard.pcsc import list_readers
    except ImportError:
        return [], "未安装 pyscard，无法列出社保卡读卡器。"
    try:
        return list(list_readers()), None
    except DeviceUnavailable as exc:
        return [], str(exc)
    except Exception:
        log.warning("PC/SC reader listing failed", exc_info=True)
        return [], "无法列出读卡器（智能卡服务 pcscd 可能未运行）。"


def attached_readers(pcsc_configured: bool = False) -> list[CheckResult]:
    """What is plugged in, whatever the configuration says.

    PC/SC trouble is a warning only when the station uses a PC/SC reader (``devices.smartcard =
    "pcsc"``); otherwise pcscd not running is normal and merely reported.
    """
    ports = serial_ports()
    usb = _usb_readers()
    pcsc, pcsc_problem = _pcsc_readers()
    results = [
        CheckResult("串口", "ok", "；".join(ports) if ports else "本机没有串口设备。"),
        CheckResult(
            "USB 身份证阅读器",
            "ok",
            "；".join(usb) if usb else "未发现 USB 直连的身份证阅读器（0400:C35A、0483:5652）。",
        ),
    ]
    if pcsc_problem:
        results.append(CheckResult("PC/SC 读卡器", "warn" if pcsc_configured else "ok", pcsc_problem))
    else:
        results.append(
            CheckResult("PC/SC 读卡器", "ok", "；".join(pcsc) if pcsc else "智能卡服务正常，未连接读卡器。")
        )
    return results


def _open(kind: str, driver: str, config: Config, work_dir: Path) -> object:
    options = config.device_options().get(kind, {})
    return resolve_factory(kind, driver)(DriverContext(kind=kind, work_dir=work_dir, options=options))


def idcard_check(config: Config, work_dir: Path, audit_read: ReadAudit | None = None) -> CheckResult | None:
    """Open the configured ID reader, show its SAM ID and try one read; None when none is configured."""
    driver = config.get_str("devices.idcard")
    if driver == NO_DRIVER:
        return None
    name = f"身份证阅读器（{driver}）"
    try:
        reader = _open("idcard", driver, config, work_dir)
    except DeviceUnavailable as exc:
        return CheckResult(name, "fail", str(exc))
    except Exception:
        log.exception("ID reader %s cannot be opened", driver)
        return CheckResult(
            name, "fail", "无法打开身份证阅读器，请检查连接和 devices.idcard_* 设置（详细原因见日志）。"
        )
    try:
        parts = []
        sam_id = getattr(reader, "sam_id", None)  # SAM readers have one; PC/SC and simulators do not
        if callable(sam_id):
            parts.append(f"安全模块号 {sam_id()}")
        if not isinstance(reader, IdCardReader):
            return CheckResult(name, "fail", f"驱动 {driver} 不是身份证阅读器驱动。")
        try:
            card = reader.read_card(TEST_READ_TIMEOUT_S)
        except NoCardPresent:
            parts.append("测试读卡：未放证件（放一张证件后再运行可检测读卡）")
        else:
            if audit_read is not None:
                try:
                    audit_read(card)
                except Exception:
                    log.warning("doctor: the test read could not be audited", exc_info=True)
                    return CheckResult(
                        name,
                        "warn",
                        "测试读卡成功，但无法写入审计记录：请先检查上面的数据库项（yichuang db upgrade）。",
                    )
            photo = "照片已解码" if card.photo else "照片未解码"
            parts.append(f"测试读卡成功：{card.card_type_name} {card.masked_id_number}，{photo}")
        return CheckResult(name, "ok", "；".join(parts))
    except DeviceUnavailable as exc:
        return CheckResult(name, "fail", str(exc))
    finally:
        if isinstance(reader, Closable):
            reader.close()


def reader_checks(config: Config, work_dir: Path, audit_read: ReadAudit | None = None) -> list[CheckResult]:
    """Everything `yichuang doctor` says about card readers."""
    results = attached_readers(pcsc_configured=config.get_str("devices.smartcard") == "pcsc")
    check = idcard_check(config, work_dir, audit_read)
    if check is not None:
        results.append(check)
    return results
