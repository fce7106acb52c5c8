"""ESC/POS receipt printer (热敏小票打印机) over USB, serial, LAN, a device file, CUPS or Windows.

A thin wrapper around python-escpos 3.1 that carries the workarounds printing.md lists:

- a **fresh** escpos connector object per job (or status check): a failed ``open()`` leaves a 3.1
  object broken for good (#720), so none is kept between jobs;
- **finite timeouts** on every connector (``Usb(timeout=0)`` would block forever);
- **our own DLE EOT 1/2/4 parsing** where the connector can read (tcp, serial, usb), checked
  before anything of the job is sent; no reply counts as unknown/offline, never as "paper OK";
- the job is ``ESC @``, optional GB18030 text, the raster as GS v 0 fragments, then escpos's
  ``cut()`` (feed + GS V).

The GS v 0 bytes are built here (``devices.printer.escpos_text``) instead of with ``Escpos.image()``
because 3.1's ``image()`` splits into equal fragments with a free remainder (which may be a multiple
of 48, #424), re-dithers through Pillow, and prints width warnings to stdout; building the bytes
ourselves is the only way to guarantee both the fragmenting and pixel-exact output.

cups:// runs ``lp -d QUEUE -o raw`` itself rather than escpos's ``LP``, which insists on ``lpstat``
listing the queue and terminates ``lp`` without a timeout. Importing escpos is deferred to the
first job, with its import-time side effects undone (:func:`load_escpos`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Final, Protocol

import numpy as np

from app import paths
from app.errors import ConfigError, DeviceUnavailable
from devices.printer.base import (
    PAPER_WIDTH_58MM,
    PAPER_WIDTH_80MM,
    PrinterOffline,
    PrinterStatus,
    Raster,
    check_raster,
)
from devices.printer.escpos_status import status_from_replies, status_request
from devices.printer.escpos_text import (
    DEFAULT_FRAGMENT_ROWS,
    check_fragment_rows,
    raster_commands,
    text_job_pieces,
)
from devices.printer.render import render_test_page, render_text_lines
from devices.printer.uri import PrinterUri, parse_printer_uri
from devices.registry import DriverContext

log = logging.getLogger(__name__)

TEXT_MODES: Final = ("raster", "gb18030")
PAPER_WIDTHS: Final = {"58": PAPER_WIDTH_58MM, "80": PAPER_WIDTH_80MM}
#: A status reply comes within milliseconds; waiting longer only delays "offline" (printing.md §4).
STATUS_READ_LIMIT_S: Final = 2.0
#: How long a status read at a health check stays good for the health_problem() that follows it.
STATUS_CACHE_S: Final = 1.5
DEFAULT_BAUD: Final = 9600
USB_IN_EP: Final = 0x82
USB_OUT_EP: Final = 0x01

PAPER_NEAR_END_MESSAGE: Final = "小票打印纸快用完了，请准备好新纸卷并尽快更换。"
WIN32_ONLY_MESSAGE: Final = (
    "win32:// 打印机地址只能在 Windows 上使用。本机请改用 usb://、tcp://、serial:// 或 cups:// 地址。"
)
NO_PYWIN32_MESSAGE: Final = (
    "缺少 pywin32 组件，无法使用 Windows 打印队列。请重新安装一窗，或改用 tcp:// 打印机地址。"
)
NO_LP_MESSAGE: Final = (
    "未找到 lp 命令，无法通过 CUPS 打印。请安装 CUPS 客户端（cups-client），或改用其他打印机地址。"
)
SEND_FAILED_MESSAGE: Final = "打印过程中与小票打印机的连接中断，小票可能没有打完。请检查打印机后补打。"

_IS_WINDOWS: Final = sys.platform == "win32"
_escpos_lock = threading.Lock()


def load_escpos() -> ModuleType:
    """``escpos.printer``, imported once with 3.1's import-time side effects contained.

    3.1 writes a capabilities pickle into a fresh temp folder per process unless
    ``ESCPOS_CAPABILITIES_PICKLE_DIR`` is set, and calls ``logging.basicConfig()`` (a stderr
    handler on the root logger): the folder is pointed at our cache and the handler removed.
    It also calls ``mkdtemp()`` even when the variable is set (``environ.get(..., mkdtemp())``
    evaluates its default), leaving an empty temp folder per process; that one call is answered
    with the cache folder instead.
    """
    with _escpos_lock:
        loaded = sys.modules.get("escpos.printer")
        if loaded is not None:
            return loaded
        pickle_dir = Path(
            os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(paths.cache_dir() / "escpos"))
        )
        pickle_dir.mkdir(parents=True, exist_ok=True)
        root = logging.getLogger()
        handlers_before = list(root.handlers)
        real_mkdtemp = tempfile.mkdtemp

        def mkdtemp_for_escpos(*args: Any, **kwargs: Any) -> Any:
            # Only the call made by escpos.capabilities is answered; other threads get real ones.
            if sys._getframe(1).f_globals.get("__name__") == "escpos.capabilities":
                return str(pickle_dir)
            return real_mkdtemp(*args, **kwargs)

        tempfile.mkdtemp = mkdtemp_for_escpos
        try:
            return importlib.import_module("escpos.printer")
        finally:
            tempfile.mkdtemp = real_mkdtemp
            for handler in list(root.handlers):
                if handler not in handlers_before:
                    root.removeHandler(handler)


@functools.cache
def _init_and_cut() -> tuple[bytes, bytes]:
    """What python-escpos sends for ``hw("INIT")`` (ESC @) and ``cut()`` (feed 6 lines, GS V 0)."""
    dummy = load_escpos().Dummy()
    dummy.hw("INIT")
    init = bytes(dummy.output)
    dummy.clear()
    dummy.cut()
    return init, bytes(dummy.output)


@dataclass(frozen=True)
class _Piece:
    data: bytes
    is_fragment: bool = False


def _job_pieces(
    rasters: Sequence[Raster],
    *,
    width_dots: int,
    fragment_rows: int,
    text_lines: Sequence[str] | None = None,
    text_mode: str = "raster",
) -> list[_Piece]:
    """ESC @, the content, the cut. Rasters are stacked and fragmented as one strip of paper."""
    for image in rasters:
        check_raster(image, width_dots)
    init, cut = _init_and_cut()
    pieces = [_Piece(init)]
    strip = list(rasters)
    if text_lines:
        if text_mode == "gb18030":
            pieces += [
                _Piece(p) for p in text_job_pieces(text_lines, width_dots, fragment_rows=fragment_rows)
            ]
        else:
            strip.insert(0, render_text_lines(text_lines, width_dots))
    if strip:
        image = strip[0] if len(strip) == 1 else np.vstack(strip)
        pieces += [_Piece(p, is_fragment=True) for p in raster_commands(image, fragment_rows=fragment_rows)]
    if len(pieces) == 1:
        raise ValueError("a print job needs at least one raster or text line")
    pieces.append(_Piece(cut))
    return pieces


def encode_raster_job(rasters: Sequence[Raster], *, fragment_rows: int = DEFAULT_FRAGMENT_ROWS) -> bytes:
    """The exact bytes a raster job sends (ESC @, GS v 0 fragments, cut), for benches and tests.

    All rasters must have the same width, a multiple of 8 dots.
    """
    if not rasters:
        raise ValueError("a print job needs at least one raster")
    check_fragment_rows(fragment_rows)
    width = rasters[0].shape[1] if rasters[0].ndim == 2 else 0
    return b"".join(p.data for p in _job_pieces(rasters, width_dots=width, fragment_rows=fragment_rows))


# --- connections ---------------------------------------------------------------------------------


class _Link(Protocol):
    """One open connection for one job or status check."""

    @property
    def can_read_status(self) -> bool: ...

    def write(self, data: bytes) -> None:
        """Send ``data``; PrinterOffline when the connection fails."""
        ...

    def query(self, n: int) -> bytes | None:
        """Send DLE EOT n and return the reply; None when nothing valid came back in time."""
        ...

    def finish(self) -> None:
        """Hand the job over (CUPS spools here); streaming links have nothing left to do."""
        ...

    def close(self) -> None:
        """Release the connection; never raises."""
        ...


class _EscposLink:
    """A python-escpos connector object, opened at once so a failure is reported here. Write only
    (file, Windows spooler); the subclasses for connectors that can read answer status queries."""

    can_read_status = False

    def __init__(self, printer: Any, open_failed_message: str) -> None:
        self._printer = printer
        try:
            printer.open()
        except Exception as exc:
            # debug: a switched-off printer fails here at every status poll; callers report it.
            log.debug("printer connection failed: %s", exc)
            raise PrinterOffline(open_failed_message) from exc

    @property
    def device(self) -> Any:
        # The open handle. Not escpos's ``device`` property: after close() that one reopens.
        return self._printer._device

    def write(self, data: bytes) -> None:
        try:
            self._printer._raw(data)
        except Exception as exc:
            log.warning("printer write failed after connecting: %s", exc)
            raise PrinterOffline(SEND_FAILED_MESSAGE) from exc

    def query(self, n: int) -> bytes | None:
        return None

    def finish(self) -> None:
        return None  # every byte went out with write()

    def close(self) -> None:
        try:
            self._printer.close()
        except Exception:
            log.debug("printer close failed", exc_info=True)


class _Win32Link(_EscposLink):
    """Windows spooler: Win32Raw holds the job until EndDocPrinter, so finishing is closing, and a
    failure there is a failed job, not something to swallow."""

    def finish(self) -> None:
        try:
            self._printer.close()
        except Exception as exc:
            log.warning("Windows spooler did not take the job: %s", exc)
            # Win32Raw.close() stopped half-way and keeps the handle: close it here, or escpos's
            # __del__ would try the whole sequence again later.
            handle, self._printer._device = self._printer._device, False
            win32print = sys.modules[type(self._printer).__module__].win32print
            with contextlib.suppress(Exception):
                win32print.ClosePrinter(handle)
            raise PrinterOffline(SEND_FAILED_MESSAGE) from exc


def _wait_until_sent(pending: Callable[[], int | None], stall_s: float) -> None:
    """Wait until ``pending()`` (bytes not yet taken by the printer) reaches 0.

    Gives up with PrinterOffline when it has not gone down for ``stall_s``: a jammed printer stops
    reading, a slow one still makes progress however long the job. None means "cannot tell".
    """
    last = pending()
    stalled_since = time.monotonic()
    while last:
        if time.monotonic() - stalled_since > stall_s:
            log.warning("printer stopped taking data with %d bytes left", last)
            raise PrinterOffline(SEND_FAILED_MESSAGE)
        time.sleep(0.01)
        now = pending()
        if now is not None and now < last:
            stalled_since = time.monotonic()
        last = now


class _NetworkLink(_EscposLink):
    can_read_status = True

    def __init__(self, printer: Any, message: str, *, read_timeout_s: float, write_timeout_s: float) -> None:
        super().__init__(printer, message)
        self._read_timeout_s = read_timeout_s
        self._write_timeout_s = write_timeout_s

    def _drain(self) -> None:
        # A late reply to an earlier query would be taken for this one (escpos-rs #18).
        sock: socket.socket = self.device
        while select.select([sock], [], [], 0)[0]:
            try:
                if not sock.recv(64):
                    return
            except OSError:
                return

    def query(self, n: int) -> bytes | None:
        sock: socket.socket = self.device
        self._drain()
        self.write(status_request(n))
        sock.settimeout(self._read_timeout_s)
        try:
            reply = sock.recv(16)
        except TimeoutError:
            return None
        except OSError as exc:
            log.warning("printer status read failed: %s", exc)
            return None
        finally:
            sock.settimeout(self._write_timeout_s)
        return reply or None

    def _unacknowledged(self) -> int | None:
        # sendall() returns once the bytes are in our kernel buffer (megabytes on Linux), long
        # before the printer has them; SIOCOUTQ counts the bytes the printer has not yet ACKed.
        if not sys.platform.startswith("linux"):
            return None
        import fcntl
        import termios

        try:
            raw = fcntl.ioctl(self.device.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        except OSError:
            return None
        return int.from_bytes(raw, sys.byteorder, signed=True)

    def finish(self) -> None:
        _wait_until_sent(self._unacknowledged, self._write_timeout_s)

    def close(self) -> None:
        # Unread bytes at close make Linux send RST, which can drop the tail of the job.
        try:
            self._drain()
        finally:
            super().close()


class _SerialLink(_EscposLink):
    can_read_status = True

    def __init__(
        self, printer: Any, message: str, *, flow: str, read_timeout_s: float, write_timeout_s: float
    ) -> None:
        super().__init__(printer, message)
        self._read_timeout_s = read_timeout_s
        self._write_timeout_s = write_timeout_s
        if flow == "rtscts":
            # escpos passes dsrdtr and xonxoff only; pyserial reconfigures when the attribute is set.
            self.device.rtscts = True

    def write(self, data: bytes) -> None:
        # A raster fragment takes seconds at 9600 baud: allow its transfer time on top of the timeout.
        transfer_s = len(data) * 10 / max(1, int(self.device.baudrate))
        self.device.write_timeout = self._write_timeout_s + 2 * transfer_s
        super().write(data)

    def query(self, n: int) -> bytes | None:
        port = self.device
        try:
            port.reset_input_buffer()
            self.write(status_request(n))
            port.timeout = self._read_timeout_s
            reply = bytes(port.read(1))
        except OSError as exc:
            log.warning("printer status read failed: %s", exc)
            return None
        return reply or None

    def _unsent(self) -> int | None:
        try:
            return int(self.device.out_waiting)
        except (OSError, AttributeError):
            return None

    def finish(self) -> None:
        _wait_until_sent(self._unsent, self._write_timeout_s)

    def close(self) -> None:
        # escpos's close() flushes with tcdrain, which waits forever when flow control holds the
        # line (printer out of paper); finish() has already waited, with a limit.
        port = self.device
        if not port:
            return
        try:
            port.close()
        except Exception:
            log.debug("serial close failed", exc_info=True)
        self._printer._device = False


class _UsbLink(_EscposLink):
    can_read_status = True

    def __init__(self, printer: Any, message: str, *, in_ep: int, read_timeout_ms: int) -> None:
        super().__init__(printer, message)
        self._in_ep = in_ep
        self._read_timeout_ms = read_timeout_ms

    def _read(self, timeout_ms: int) -> bytes | None:
        try:
            return bytes(self.device.read(self._in_ep, 16, timeout_ms))
        except Exception:  # pyusb raises USBTimeoutError (an USBError) when nothing comes
            return None

    def query(self, n: int) -> bytes | None:
        while self._read(10):
            pass  # drop stale replies
        self.write(status_request(n))
        return self._read(self._read_timeout_ms) or None


class _LpLink:
    """cups://: collect the job, then ``lp -d QUEUE -o raw`` with the bytes on stdin."""

    can_read_status = False

    def __init__(self, queue: str, timeout_s: float) -> None:
        lp = shutil.which("lp")
        if lp is None:
            raise PrinterOffline(NO_LP_MESSAGE)
        self._lp = lp
        self._queue = queue
        self._timeout_s = timeout_s
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._chunks.append(data)

    def query(self, n: int) -> bytes | None:
        return None  # CUPS knows its queue, not the paper

    def close(self) -> None:
        self._chunks = []

    def finish(self) -> None:
        failed = f"CUPS 打印队列“{self._queue}”没有接受打印任务，请在系统打印设置中检查该队列后重试。"
        try:
            result = subprocess.run(
                [self._lp, "-d", self._queue, "-o", "raw"],
                input=b"".join(self._chunks),
                capture_output=True,
                timeout=self._timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            log.warning("lp did not return within %.1f s", self._timeout_s)
            raise PrinterOffline(failed) from exc
        except OSError as exc:
            log.warning("lp could not be started: %s", exc)
            raise PrinterOffline(failed) from exc
        if result.returncode != 0:
            log.warning(
                "lp exited with %d: %s", result.returncode, result.stderr.decode(errors="replace")[:300]
            )
            raise PrinterOffline(failed)


# --- the printer ---------------------------------------------------------------------------------


class EscposPrinter:
    """小票打印机 reached through a printer URI (see ``devices.printer.uri``).

    Implements ReceiptPrinter, PresenceAware, HealthAware and Closable. Holds no connection between
    calls: every job and every status check opens a new escpos object and closes it. Call it from
    the printer's device thread only (DeviceManager), never two jobs at once.
    """

    def __init__(
        self,
        uri: str,
        *,
        paper_width_dots: int = PAPER_WIDTH_80MM,
        text_mode: str = "raster",
        timeout_s: float = 5.0,
        fragment_rows: int = DEFAULT_FRAGMENT_ROWS,
    ) -> None:
        self._uri: PrinterUri = parse_printer_uri(uri)
        if paper_width_dots <= 0 or paper_width_dots % 8:
            raise ValueError(f"paper_width_dots must be a positive multiple of 8, got {paper_width_dots}")
        if text_mode not in TEXT_MODES:
            raise ValueError(f"text_mode must be one of {TEXT_MODES}, got {text_mode!r}")
        if not 0 < timeout_s < 600:
            raise ValueError(f"timeout_s must be finite and positive, got {timeout_s}")
        check_fragment_rows(fragment_rows)
        if self._uri.scheme == "win32" and not _IS_WINDOWS:
            raise DeviceUnavailable(WIN32_ONLY_MESSAGE, device="printer")
        self._width = paper_width_dots
        self._text_mode = text_mode
        self._timeout_s = timeout_s
        self._fragment_rows = fragment_rows
        self._pause_s = int(self._uri.params.get("pause_ms", "0")) / 1000
        self._pending: list[Raster] = []
        self._last_status: tuple[float, PrinterStatus] | None = None

    @property
    def uri(self) -> PrinterUri:
        return self._uri

    @property
    def paper_width_dots(self) -> int:
        return self._width

    @property
    def text_mode(self) -> str:
        return self._text_mode

    @property
    def can_read_status(self) -> bool:
        """True for connectors that report paper and cover state (tcp, serial, usb)."""
        return self._uri.scheme in ("tcp", "serial", "usb")

    # --- connections ------------------------------------------------------------------------

    def _open_link(self) -> _Link:
        uri = self._uri
        read_timeout_s = min(self._timeout_s, STATUS_READ_LIMIT_S)
        if uri.scheme == "cups":
            return _LpLink(uri.target, self._timeout_s)
        if uri.scheme == "win32":
            return self._open_win32()
        escpos = load_escpos()
        if uri.scheme == "tcp":
            printer = escpos.Network(uri.host, port=uri.port, timeout=self._timeout_s)
            message = f"无法连接小票打印机 {uri.target}，请检查打印机电源、网线和 IP 地址后重试。"
            return _NetworkLink(
                printer, message, read_timeout_s=read_timeout_s, write_timeout_s=self._timeout_s
            )
        if uri.scheme == "serial":
            flow = uri.params.get("flow", "dsrdtr")
            printer = escpos.Serial(
                uri.target,
                baudrate=int(uri.params.get("baud", DEFAULT_BAUD)),
                timeout=read_timeout_s,
                xonxoff=flow == "xonxoff",
                dsrdtr=flow == "dsrdtr",
            )
            message = f"无法打开串口 {uri.target}，请检查串口线和端口号，并确认没有其他程序占用该端口。"
            return _SerialLink(
                printer, message, flow=flow, read_timeout_s=read_timeout_s, write_timeout_s=self._timeout_s
            )
        if uri.scheme == "usb":
            vendor, product = uri.usb_ids
            in_ep = int(uri.params.get("in_ep", f"{USB_IN_EP:x}"), 16)
            printer = escpos.Usb(
                idVendor=vendor,
                idProduct=product,
                timeout=int(self._timeout_s * 1000),  # milliseconds; 0 would mean "wait forever"
                in_ep=in_ep,
                out_ep=int(uri.params.get("out_ep", f"{USB_OUT_EP:x}"), 16),
            )
            message = (
                f"未找到 USB 小票打印机（{uri.target}），请检查数据线和电源；"
                "Linux 上还需要有访问该 USB 设备的权限（udev 规则）。"
            )
            return _UsbLink(printer, message, in_ep=in_ep, read_timeout_ms=int(read_timeout_s * 1000))
        printer = escpos.File(uri.target)
        message = (
            f"无法写入打印设备 {uri.target}，请检查打印机是否已连接，以及本用户是否有写权限（如 lp 组）。"
        )
        return _EscposLink(printer, message)  # write only: no status

    def _open_win32(self) -> _Link:
        if not _IS_WINDOWS:
            raise DeviceUnavailable(WIN32_ONLY_MESSAGE, device="printer")
        escpos = load_escpos()
        if not escpos.Win32Raw.is_usable():
            raise DeviceUnavailable(NO_PYWIN32_MESSAGE, device="printer")
        printer = escpos.Win32Raw(self._uri.target)
        message = f"找不到 Windows 打印机“{self._uri.target}”，请在系统“打印机和扫描仪”中核对名称后重试。"
        return _Win32Link(printer, message)  # write only: no status

    def _read_status(self, link: _Link) -> PrinterStatus:
        r1 = link.query(1)
        if r1 is None:
            # A printer that does not answer DLE EOT 1 would not answer 2 or 4 either; each would
            # only add another timeout.
            status = status_from_replies(None, None, None)
        else:
            status = status_from_replies(r1, link.query(2), link.query(4))
        self._last_status = (time.monotonic(), status)
        return status

    # --- ReceiptPrinter ---------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        """Ask the printer now. Connectors that cannot read report online with paper when the
        connection opens. Raises PrinterOffline when it cannot be reached at all."""
        link = self._open_link()
        try:
            if not link.can_read_status:
                return PrinterStatus(online=True, paper_ok=True, paper_near_end=False, cover_open=False)
            return self._read_status(link)
        finally:
            link.close()

    def print_job(self, rasters: Sequence[Raster], *, text_lines: Sequence[str] | None = None) -> None:
        """Print one job and cut: ``text_lines`` first (text mode or rendered), then ``rasters``.

        Where the connector can read, the status is checked first and PrinterOffline, CoverOpen or
        PaperOut is raised before a single byte of the job is sent. A connection lost while sending
        raises PrinterOffline (the receipt may be incomplete). ValueError for a wrong-width raster.
        """
        pieces = _job_pieces(
            rasters,
            width_dots=self._width,
            fragment_rows=self._fragment_rows,
            text_lines=text_lines,
            text_mode=self._text_mode,
        )
        started = time.monotonic()
        link = self._open_link()
        try:
            if link.can_read_status:
                self._read_status(link).raise_for_problem()
            previous_fragment = False
            for piece in pieces:
                if piece.is_fragment and previous_fragment and self._pause_s:
                    time.sleep(self._pause_s)  # let a slow printer drain its buffer (printing.md §2.4)
                link.write(piece.data)
                previous_fragment = piece.is_fragment
            link.finish()
        finally:
            link.close()
        log.info(
            "printed job to %s: %d bytes, %d raster fragments, %.2f s",
            self._uri.scheme,
            sum(len(p.data) for p in pieces),
            sum(p.is_fragment for p in pieces),
            time.monotonic() - started,
        )

    def print_raster(self, image: Raster) -> None:
        """Add ``image`` to the job that ``cut()`` sends. The first raster of a job checks the status
        so PrinterOffline / CoverOpen / PaperOut come before anything is printed."""
        check_raster(image, self._width)
        if not self._pending and self.can_read_status:
            self.status().raise_for_problem()
        self._pending.append(image)

    def cut(self) -> None:
        """Send the rasters given since the last cut as one job and cut; nothing given, nothing sent."""
        rasters, self._pending = self._pending, []
        if rasters:
            self.print_job(rasters)

    def print_test_page(self) -> None:
        """Print and cut the device test ticket (打印测试页)."""
        self.print_job([render_test_page(self._width)])

    # --- PresenceAware / HealthAware / Closable ---------------------------------------------

    def is_present(self) -> bool:
        """tcp and serial: the connection opens (the status read is kept for health_problem).
        usb: the device is on the bus; it is not opened, because python-escpos resets a USB printer
        on every open. file: the device node exists. cups: ``lp`` exists. win32: always."""
        scheme = self._uri.scheme
        try:
            if scheme in ("tcp", "serial"):
                self.status()
            elif scheme == "usb":
                return self._usb_on_bus()
            elif scheme == "file":
                return Path(self._uri.target).exists()
            elif scheme == "cups":
                return shutil.which("lp") is not None
        except DeviceUnavailable:
            return False
        return True

    def _usb_on_bus(self) -> bool:
        usb_core = importlib.import_module("usb.core")
        vendor, product = self._uri.usb_ids
        try:
            return usb_core.find(idVendor=vendor, idProduct=product) is not None
        except Exception:  # no libusb backend: the printer cannot be reached either
            log.warning("USB lookup failed", exc_info=True)
            return False

    def health_problem(self) -> str | None:
        """Chinese text for what the clerk must fix (offline, cover open, paper out) or a warning
        that paper is nearly out; None when all is well or the connector cannot tell."""
        try:
            status = self._status_for_health()
        except DeviceUnavailable as exc:
            return str(exc)
        if status is None:
            return None
        problem = status.problem()
        if problem is not None:
            return str(problem)
        return PAPER_NEAR_END_MESSAGE if status.paper_near_end else None

    def _status_for_health(self) -> PrinterStatus | None:
        scheme = self._uri.scheme
        cached = self._last_status
        if cached is not None and time.monotonic() - cached[0] < STATUS_CACHE_S:
            return cached[1]
        if scheme in ("tcp", "serial"):
            return self.status()
        if scheme == "usb" and cached is not None:
            # Opening resets a USB printer, so it is asked again only while it has a problem
            # (it is not printing then); otherwise the status read at the last job stands.
            return self.status() if not cached[1].can_print else cached[1]
        return None

    def close(self) -> None:
        """Drop a job that was started with print_raster but never cut; no connection is held."""
        self._pending = []


def create(context: DriverContext) -> EscposPrinter:
    """Factory for the DeviceManager: options ``uri``, ``paper_mm`` ("58"/"80"), ``text_mode``."""
    options = context.options
    uri = options.get("uri", "").strip()
    if not uri:
        raise ConfigError(
            "未设置小票打印机地址，请在设置向导中填写（如 tcp://192.168.1.50:9100）。",
            key="devices.printer_uri",
        )
    paper_mm = options.get("paper_mm", "80").strip()
    if paper_mm not in PAPER_WIDTHS:
        raise ConfigError(
            f"小票纸宽“{paper_mm}”不对，只能是 58 或 80（毫米），请在设置中改正。",
            key="devices.printer_paper_mm",
        )
    text_mode = options.get("text_mode", "raster").strip() or "raster"
    if text_mode not in TEXT_MODES:
        raise ConfigError(
            f"小票打印方式“{text_mode}”不对，只能是 raster 或 gb18030，请在设置中改正。",
            key="devices.printer_text_mode",
        )
    return EscposPrinter(uri, paper_width_dots=PAPER_WIDTHS[paper_mm], text_mode=text_mode)
