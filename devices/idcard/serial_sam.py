"""Serial SAM reader (串口身份证阅读器): GA/T 467 over a serial or USB-serial port with pyserial.

Covers TTL/RS-232 SAM modules and readers that show up as CH340/CP2102 ports (/dev/ttyUSB*,
/dev/ttyACM*, COMn): 115200 8N1 by default (shared/reference/idcard.md §1.2, §1.7). Every read on
the port has a short timeout, so no call blocks past its own deadline.

Unplug and re-plug are handled inside the object: an I/O error closes the port and ``is_present``
answers False while the device path is gone; the next call (or presence check) opens it again.
With port "auto", the first port that answers a SAM status command is used, and looked up again
after a re-plug (the adapter may come back under another name).
"""

from __future__ import annotations

import glob
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Final

import serial
from serial.tools import list_ports

from app.errors import ConfigError, DeviceUnavailable
from devices.idcard import ga467
from devices.idcard.base import FrameError, IdCardData
from devices.idcard.photo import WltDecoder, load_photo_decoder
from devices.idcard.presence import MIN_PRESENCE_INTERVAL_S, PresenceThrottle
from devices.idcard.sam_session import SamSession
from devices.kinds import unplugged_error_message
from devices.registry import DriverContext

log = logging.getLogger(__name__)

AUTO_PORT: Final = "auto"
DEFAULT_BAUD: Final = 115200
#: Rates a SAM can be switched to with command 60 (idcard.md §1.3).
SUPPORTED_BAUDS: Final = (115200, 57600, 38400, 19200, 9600)
PROBE_TIMEOUT_S: Final = 0.3
#: Granularity of blocking reads: short, so a deadline is kept to within this much.
_READ_SLICE_S: Final = 0.05
_WRITE_TIMEOUT_S: Final = 1.0
try:
    from termios import error as _termios_error  # tcflush on a vanished tty (POSIX only)

    _TERMIOS_ERRORS: tuple[type[Exception], ...] = (_termios_error,)
except ImportError:  # Windows
    _TERMIOS_ERRORS = ()
#: What a port raises when its device is gone or unusable. TimeoutError is an OSError but means
#: "no answer", so every handler below lets it through first.
_PORT_ERRORS: Final[tuple[type[Exception], ...]] = (serial.SerialException, OSError, *_TERMIOS_ERRORS)
#: Opening also raises ValueError for settings the port does not accept.
_OPEN_ERRORS: Final[tuple[type[Exception], ...]] = (*_PORT_ERRORS, ValueError)
#: A probe fails on any of these; TimeoutError (no answer) is among them as an OSError.
_PROBE_ERRORS: Final[tuple[type[Exception], ...]] = (*_OPEN_ERRORS, FrameError)


def candidate_ports() -> list[str]:
    """Ports "auto" tries, USB adapters first (where SAM modules sit), then the other serial ports."""
    usb = sorted(glob.glob("/dev/ttyUSB*")) + sorted(glob.glob("/dev/ttyACM*"))
    listed = [port.device for port in list_ports.comports()]
    return list(dict.fromkeys([*usb, *listed]))


def _open_port(path: str, baud: int) -> serial.Serial:
    return serial.Serial(path, baudrate=baud, timeout=_READ_SLICE_S, write_timeout=_WRITE_TIMEOUT_S)


def _receive(port: serial.Serial, timeout_s: float) -> bytes:
    """One frame from ``port`` within ``timeout_s``: FrameError for a partial one, TimeoutError for none."""
    reader = ga467.FrameReader()
    deadline = time.monotonic() + timeout_s
    while True:
        chunk = port.read(max(1, port.in_waiting))
        if chunk:
            frames = reader.feed(chunk)
            if frames:
                return frames[0]
        if time.monotonic() >= deadline:
            break
    if reader.pending or reader.discarded:
        raise FrameError(f"incomplete answer: {reader.pending} bytes pending, {reader.discarded} discarded")
    raise TimeoutError(f"no answer within {timeout_s:.2f} s")


def probe_port(path: str, baud: int = DEFAULT_BAUD, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True when a SAM on ``path`` answers a status command with a well-formed frame (any SW3)."""
    try:
        port = _open_port(path, baud)
    except _OPEN_ERRORS:
        return False
    try:
        port.reset_input_buffer()
        port.write(ga467.encode_request(*ga467.STATUS))
        ga467.decode_response(_receive(port, timeout_s))
    except _PROBE_ERRORS:
        return False
    finally:
        port.close()
    return True


def find_sam_port(candidates: Iterable[str], baud: int = DEFAULT_BAUD) -> str | None:
    """The first of ``candidates`` where a SAM answers, or None."""
    for path in candidates:
        if probe_port(path, baud):
            log.info("ID-card SAM found on %s", path)
            return path
    return None


def _port_exists(path: str) -> bool:
    if os.path.isabs(path):
        return os.path.exists(path)  # follows symlinks: a dangling udev link means unplugged
    return path in {port.device for port in list_ports.comports()}  # COMn


class SerialSamReader:
    """IdCardReader + PresenceAware + HealthAware + Closable for a SAM on a serial port.

    ``timeout_s`` caps the wait for any single answer. Opening fails with DeviceUnavailable when
    the port cannot be opened (or, for "auto", no port answers). Use from the device thread only.
    """

    def __init__(
        self,
        port: str,
        baud: int = DEFAULT_BAUD,
        *,
        photo_decoder: WltDecoder | None = None,
        timeout_s: float = 3.0,
        candidates: Callable[[], Iterable[str]] = candidate_ports,
        presence_interval_s: float = MIN_PRESENCE_INTERVAL_S,
    ) -> None:
        self._configured = port.strip() or AUTO_PORT
        self._baud = baud
        self._timeout_s = timeout_s
        self._candidates = candidates
        self._path: str | None = None
        self._port: serial.Serial | None = None
        self._session = SamSession(self._exchange, photo_decoder=photo_decoder)
        self._presence = PresenceThrottle(presence_interval_s)
        self._open()

    @property
    def port_path(self) -> str | None:
        """The port in use (the one "auto" found), or None while closed."""
        return self._path if self._port is not None else None

    def read_card(self, timeout_s: float = 3.0) -> IdCardData:
        return self._session.read_card(timeout_s)

    def card_present(self) -> bool:
        return self._presence.check(self._session.card_present)

    def sam_id(self) -> str:
        return self._session.sam_id()

    def health_problem(self) -> str | None:
        return self._session.health_problem()

    def is_present(self) -> bool:
        if self._port is not None:
            if self._path is not None and _port_exists(self._path):
                return True
            log.info("ID-card reader port %s disappeared", self._path)
            self._close_port()
            return False
        try:
            self._open()
        except DeviceUnavailable:
            return False
        return True

    def close(self) -> None:
        self._close_port()

    def _open(self) -> None:
        path = self._configured
        if path == AUTO_PORT:
            found = find_sam_port(self._candidates(), self._baud)
            if found is None:
                raise DeviceUnavailable(
                    "未找到身份证阅读器：没有串口应答。请检查阅读器的数据线和电源，或在设置中指定串口。",
                    device="idcard",
                )
            path = found
        try:
            self._port = _open_port(path, self._baud)
        except _OPEN_ERRORS as exc:
            log.warning("cannot open ID-card reader port %s: %s", path, exc)
            raise DeviceUnavailable(
                f"无法打开身份证阅读器串口 {path}：请检查阅读器是否已连接、串口设置是否正确，"
                "以及该串口是否被其他程序占用。",
                device="idcard",
            ) from None
        self._path = path
        self._presence.forget()
        log.info("ID-card reader port %s opened at %d baud", path, self._baud)

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except _PORT_ERRORS:
                log.debug("closing the ID-card reader port failed", exc_info=True)

    def _exchange(self, request: bytes, timeout_s: float) -> bytes:
        """Send ``request`` and return one answer frame. After an I/O error the port is reopened and
        the request sent once more (a re-plugged reader behind a stale handle); then DeviceUnavailable."""
        for attempt in (1, 2):
            if self._port is None:
                self._open()
            port = self._port
            assert port is not None
            try:
                port.reset_input_buffer()  # a late answer to an earlier command must not pass for this one
                port.write(request)
                return _receive(port, min(timeout_s, self._timeout_s))
            except (TimeoutError, FrameError):
                raise
            except _PORT_ERRORS as exc:
                log.warning(
                    "ID-card reader port %s failed (%s), attempt %d", self._path, type(exc).__name__, attempt
                )
                self._close_port()
                if self._path is None or not _port_exists(self._path):
                    break
        raise DeviceUnavailable(unplugged_error_message("idcard"), device="idcard")


def _baud_option(value: str) -> int:
    key = "devices.idcard_baud"
    try:
        baud = int(value.strip())
    except ValueError:
        baud = 0
    if baud not in SUPPORTED_BAUDS:
        choices = "、".join(str(rate) for rate in SUPPORTED_BAUDS)
        raise ConfigError(f"配置项 {key} 的波特率“{value}”无效（可选：{choices}），请改正后重试。", key=key)
    return baud


def create(context: DriverContext) -> SerialSamReader:
    """Factory for the DeviceManager; options ``port`` ("auto" or a path/COMn), ``baud``, ``photo_library``."""
    options = context.options
    decoder = load_photo_decoder(options.get("photo_library", ""), usb=False)
    return SerialSamReader(
        options.get("port", AUTO_PORT),
        _baud_option(options.get("baud", str(DEFAULT_BAUD))),
        photo_decoder=decoder,
    )
