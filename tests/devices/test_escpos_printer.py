"""EscposPrinter against real peers: a TCP printer on 127.0.0.1, a serial one on a pty, a file
standing for /dev/usb/lp0, and a fake ``lp`` for cups:// (CUPS is not installed here). USB and the
Windows spooler cannot run on this machine: pyusb's ``find`` and pywin32's ``win32print`` are
replaced by fakes that speak the same scripted printer, so our code around them still runs.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import usb.core
import usb.util

from app.errors import ConfigError, DeviceUnavailable
from devices.manager import DeviceManager
from devices.printer import escpos_printer
from devices.printer.base import CoverOpen, PaperOut, PrinterOffline, PrinterStatus, ReceiptPrinter
from devices.printer.escpos_printer import (
    NO_LP_MESSAGE,
    PAPER_NEAR_END_MESSAGE,
    SEND_FAILED_MESSAGE,
    WIN32_ONLY_MESSAGE,
    EscposPrinter,
    create,
    encode_raster_job,
    load_escpos,
)
from devices.printer.escpos_status import parse_dle_eot, status_from_replies, status_request
from devices.registry import DriverContext
from tests.devices.escpos_decode import StreamParser, decode_raster_stream, parse_stream, raster_blocks
from tests.devices.printer_peer import PeerBase, PrinterPeer, PtyPrinterPeer

W = 384


def _raster(rows: int = 250, width: int = W, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.where(rng.random((rows, width)) < 0.2, 0, 255).astype(np.uint8)


# --- status parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "reply", "flags"),
    [
        (1, b"\x12", set()),
        (1, b"\x1a", {"offline"}),
        (2, b"\x16", {"cover_open"}),
        (2, b"\x32", {"paper_stop"}),
        (2, b"\x52", {"error"}),
        (3, b"\x1a", {"cutter_error"}),
        (4, b"\x1e", {"paper_near_end"}),
        (4, b"\x72", {"paper_out"}),
        (4, b"\x16", {"paper_near_end"}),  # either sensor bit counts
        (4, b"\x12\x72", {"paper_out"}),  # a stale reply in front is skipped
    ],
)
def test_dle_eot_bits(n: int, reply: bytes, flags: set[str]) -> None:
    parsed = parse_dle_eot(n, reply)
    assert parsed is not None and set(parsed) == flags


@pytest.mark.parametrize("reply", [None, b"", b"\xff", b"\x00", b"OK"])
def test_no_or_malformed_reply_is_unknown_not_ok(reply: bytes | None) -> None:
    assert parse_dle_eot(4, reply) is None
    assert isinstance(status_from_replies(reply, b"\x12", b"\x12").problem(), PrinterOffline)


@pytest.mark.parametrize(
    ("r1", "r2", "r4", "problem"),
    [
        (b"\x12", b"\x12", b"\x12", None),
        (b"\x1a", b"\x16", b"\x12", CoverOpen),  # cover open takes the printer offline
        (b"\x1a", b"\x32", b"\x72", PaperOut),
        (b"\x12", None, b"\x72", PaperOut),
        (b"\x1a", b"\x12", b"\x12", PrinterOffline),  # offline for no reason we know
        (b"\x12", b"\x52", b"\x12", PrinterOffline),  # error bit, e.g. head overheated
        (b"\x12", None, None, None),  # printer answers; cause unknown, nothing reported
    ],
)
def test_status_names_the_cause_the_clerk_can_fix(
    r1: bytes | None, r2: bytes | None, r4: bytes | None, problem: type[Exception] | None
) -> None:
    found = status_from_replies(r1, r2, r4).problem()
    assert (None if found is None else type(found)) is problem


def test_status_request_bytes() -> None:
    assert status_request(4) == b"\x10\x04\x04"
    with pytest.raises(ValueError):
        status_request(5)


# --- TCP port 9100 -------------------------------------------------------------------------------


@pytest.fixture
def peer() -> Any:
    with PrinterPeer() as p:
        yield p


def _printer(uri: str, **kw: Any) -> EscposPrinter:
    return EscposPrinter(uri, paper_width_dots=W, timeout_s=kw.pop("timeout_s", 0.5), **kw)


def test_implements_the_printer_protocols(peer: PrinterPeer) -> None:
    printer = _printer(peer.uri)
    assert isinstance(printer, ReceiptPrinter)
    assert printer.is_present() and printer.health_problem() is None


def test_a_job_checks_status_then_sends_exactly_the_encoded_bytes(peer: PrinterPeer) -> None:
    raster = _raster()
    _printer(peer.uri).print_job([raster])
    received = peer.received()
    assert received[:9] == b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"  # asked before anything printed
    assert received[9:] == encode_raster_job([raster])
    [job] = peer.jobs()
    assert [c.kind for c in parse_stream(job)] == ["init", "raster", "raster", "raster", "feed", "cut"]
    assert [b.height for b in raster_blocks(job)] == [120, 120, 10]
    [image] = decode_raster_stream(job)
    assert np.array_equal(image, raster)


def test_paper_out_raises_and_nothing_of_the_job_is_sent(peer: PrinterPeer) -> None:
    printer = _printer(peer.uri)
    peer.set_paper(out=True)
    with pytest.raises(PaperOut, match="缺纸"):
        printer.print_job([_raster()])
    assert peer.printed() == b"" and peer.jobs() == []
    assert printer.health_problem() == str(PaperOut())
    peer.set_paper(out=False)
    printer.print_job([_raster()])
    assert len(peer.jobs()) == 1  # paper back: printed once


def test_cover_open_raises_and_nothing_is_sent(peer: PrinterPeer) -> None:
    peer.set_cover(open=True)
    printer = _printer(peer.uri)
    with pytest.raises(CoverOpen, match="盖"):
        printer.print_job([_raster()])
    assert peer.printed() == b""
    assert "盖" in (printer.health_problem() or "")


def test_a_silent_printer_is_offline_within_the_timeout(peer: PrinterPeer) -> None:
    peer.set_online(False)
    printer = _printer(peer.uri, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(PrinterOffline):
        printer.print_job([_raster()])
    assert time.monotonic() - started < 1.5  # one status timeout, not three, not forever
    assert peer.printed() == b""
    assert peer.status_queries() == [1]
    assert printer.is_present()  # it is on the network, just not answering
    assert printer.health_problem() == str(PrinterOffline())


def test_paper_near_end_prints_but_warns(peer: PrinterPeer) -> None:
    peer.set_paper(out=False, near_end=True)
    printer = _printer(peer.uri)
    assert printer.status().paper_near_end
    printer.print_job([_raster()])
    assert len(peer.jobs()) == 1
    assert printer.health_problem() == PAPER_NEAR_END_MESSAGE
    assert "快用完" in PAPER_NEAR_END_MESSAGE


def test_a_garbled_status_reply_counts_as_offline(peer: PrinterPeer) -> None:
    peer.set_reply(1, b"\xff")
    with pytest.raises(PrinterOffline):
        _printer(peer.uri).print_job([_raster()])
    assert peer.printed() == b""


def test_refused_connection_then_printer_back_prints_with_a_fresh_object() -> None:
    with PrinterPeer() as gone:
        port = gone.port
    printer = _printer(f"tcp://127.0.0.1:{port}")
    with pytest.raises(PrinterOffline, match="无法连接小票打印机"):
        printer.print_job([_raster()])
    assert not printer.is_present()
    assert printer.health_problem() is not None
    # python-escpos 3.1 objects stay broken after a failed open (#720); ours are new per job.
    with PrinterPeer(port=port) as back:
        printer.print_job([_raster()])
        printer.print_job([_raster()])
        assert len(back.jobs()) == 2 and back.sessions == 2


def test_a_printer_that_stops_taking_data_mid_job_raises_offline_in_time() -> None:
    """A jammed printer answers status, then stops reading. The job fits into the kernel's send
    buffer, so every write succeeds; the job still fails, in bounded time, because the printer
    never acknowledged the bytes."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a printer's small input buffer
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    done = threading.Event()

    def answer_then_stall() -> None:
        conn, _ = server.accept()
        parser = StreamParser()
        answered = 0
        while answered < 3:  # a healthy printer: DLE EOT 1, 2 and 4 all say "fine"
            for command in parser.feed(conn.recv(64)):
                if command.kind == "status":
                    conn.sendall(b"\x12")
                    answered += 1
        done.wait(10)  # reads nothing more until the client has given up
        conn.close()

    thread = threading.Thread(target=answer_then_stall, daemon=True)
    thread.start()
    printer = _printer(f"tcp://127.0.0.1:{server.getsockname()[1]}", timeout_s=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(PrinterOffline) as caught:
            printer.print_job([_raster(rows=3000)])  # 144 KB: fits our send buffer, not the printer
    finally:
        done.set()
        thread.join(timeout=5)
        server.close()
    assert str(caught.value) == SEND_FAILED_MESSAGE
    assert time.monotonic() - started < 3


def test_pause_between_fragments(peer: PrinterPeer) -> None:
    printer = _printer(f"{peer.uri}?pause_ms=40")
    started = time.monotonic()
    printer.print_job([_raster(rows=360)])  # three fragments, two pauses
    assert time.monotonic() - started >= 0.08
    assert len(raster_blocks(peer.printed())) == 3


def test_print_raster_and_cut_make_one_job(peer: PrinterPeer) -> None:
    printer = _printer(peer.uri)
    top, bottom = _raster(rows=70, seed=2), _raster(rows=90, seed=3)
    printer.print_raster(top)
    printer.print_raster(bottom)
    assert peer.jobs() == []  # sent at the cut, as one job
    printer.cut()
    printer.cut()  # nothing pending: nothing sent
    [job] = peer.jobs()
    [image] = decode_raster_stream(job)
    assert np.array_equal(image, np.vstack([top, bottom]))
    with pytest.raises(ValueError, match="384"):
        printer.print_raster(_raster(width=576))
    peer.set_paper(out=True)
    with pytest.raises(PaperOut):
        printer.print_raster(top)
    printer.close()
    assert len(peer.jobs()) == 1


def test_test_page_prints(peer: PrinterPeer) -> None:
    _printer(peer.uri).print_test_page()
    [image] = decode_raster_stream(peer.printed())
    assert image.shape[1] == W and (image == 0).any()


# --- serial over a pty ---------------------------------------------------------------------------


def test_serial_printer_on_a_pty() -> None:
    with PtyPrinterPeer() as line:
        printer = _printer(line.uri)
        raster = _raster()
        printer.print_job([raster])
        [job] = line.jobs()
        [image] = decode_raster_stream(job)
        assert np.array_equal(image, raster)
        assert line.status_queries() == [1, 2, 4]
        assert printer.is_present() and printer.health_problem() is None

        line.clear()
        line.set_paper(out=True)
        with pytest.raises(PaperOut):
            printer.print_job([raster])
        assert line.printed() == b""

        line.set_paper(out=False)
        line.set_online(False)
        started = time.monotonic()
        with pytest.raises(PrinterOffline):
            printer.print_job([raster])
        assert time.monotonic() - started < 1.5
        assert line.printed() == b""


@pytest.mark.parametrize("flow", ["dsrdtr", "rtscts", "xonxoff"])
def test_serial_flow_control_settings_open_and_print(flow: str) -> None:
    with PtyPrinterPeer() as line:
        _printer(f"serial://{line.device}?baud=115200&flow={flow}").print_job([_raster(rows=20)])
        assert len(line.jobs()) == 1


def test_missing_serial_port_is_offline_with_the_port_named() -> None:
    printer = _printer("serial:///dev/ttyNOPE9")
    with pytest.raises(PrinterOffline, match="/dev/ttyNOPE9"):
        printer.print_job([_raster()])
    assert not printer.is_present()


# --- file (a device node such as /dev/usb/lp0) ---------------------------------------------------


def test_file_printer_writes_the_job(tmp_path: Path) -> None:
    device = tmp_path / "lp0"  # stands for /dev/usb/lp0
    device.touch()
    printer = _printer(f"file://{device}")
    assert printer.is_present() and not printer.can_read_status
    assert printer.status().can_print  # cannot be asked: assumed ready while the node exists
    raster = _raster()
    printer.print_job([raster])
    assert device.read_bytes() == encode_raster_job([raster])  # no status request on a file
    assert printer.health_problem() is None


def test_missing_device_node_is_offline(tmp_path: Path) -> None:
    printer = _printer(f"file://{tmp_path}/nodir/lp0")
    assert not printer.is_present()
    with pytest.raises(PrinterOffline, match="无法写入打印设备"):
        printer.print_job([_raster()])


# --- cups:// through a fake lp -------------------------------------------------------------------


def _fake_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    """An ``lp`` on PATH that records its arguments and stdin (CUPS itself is not installed)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    lp = bin_dir / "lp"
    lp.write_text(f"#!/bin/sh\n{body}\n")
    lp.chmod(lp.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def test_cups_queue_gets_the_job_through_lp_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _fake_lp(tmp_path, monkeypatch, f'echo "$@" > {tmp_path}/args\ncat > {tmp_path}/stdin')
    printer = _printer("cups://XP58")
    assert printer.is_present()
    raster = _raster()
    printer.print_job([raster])
    assert (out / "args").read_text().split() == ["-d", "XP58", "-o", "raw"]
    assert (out / "stdin").read_bytes() == encode_raster_job([raster])


def test_cups_refusal_and_hang_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lp(tmp_path, monkeypatch, 'cat > /dev/null\nif [ -e "$0.hang" ]; then sleep 5; fi\nexit 1')
    printer = _printer("cups://XP58", timeout_s=0.5)
    with pytest.raises(PrinterOffline, match="XP58"):
        printer.print_job([_raster()])
    (tmp_path / "bin" / "lp.hang").touch()
    started = time.monotonic()
    with pytest.raises(PrinterOffline, match="XP58"):
        printer.print_job([_raster()])
    assert time.monotonic() - started < 3


def test_cups_without_lp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    printer = _printer("cups://XP58")
    assert not printer.is_present()
    with pytest.raises(PrinterOffline) as caught:
        printer.print_job([_raster()])
    assert str(caught.value) == NO_LP_MESSAGE


# --- usb (pyusb replaced: no printer on this machine's bus) --------------------------------------


class _Backend:
    """Stands for pyusb's backend module object; not libusb1, so escpos skips driver detaching."""


class FakeUsbPrinter(PeerBase):
    """What ``usb.core.find`` returns for a connected printer, answering like the TCP peer."""

    def __init__(self) -> None:
        super().__init__()
        self.backend = _Backend()
        self._ctx = SimpleNamespace(dispose=lambda device: None)
        self._parser = StreamParser()
        self._replies_out = bytearray()
        self.write_timeouts: list[int] = []
        self.resets = 0

    def set_configuration(self) -> None:
        pass

    def reset(self) -> None:
        self.resets += 1

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        assert endpoint == 0x03
        self.write_timeouts.append(timeout)
        self._replies_out += self.handle(self._parser, bytes(data))
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> bytes:
        assert endpoint == 0x81
        if not self._replies_out:
            raise usb.core.USBTimeoutError("timeout", errno=110)
        reply = bytes(self._replies_out[:size])
        del self._replies_out[:size]
        return reply


def test_usb_printer(monkeypatch: pytest.MonkeyPatch) -> None:
    device = FakeUsbPrinter()
    found: list[dict[str, int]] = []

    def find(**kwargs: int) -> FakeUsbPrinter:
        found.append(kwargs)
        return device

    monkeypatch.setattr(usb.core, "find", find)
    monkeypatch.setattr(usb.util, "dispose_resources", lambda dev: None)
    monkeypatch.setattr(escpos_printer, "STATUS_CACHE_S", 0.05)
    printer = _printer("usb://0416:5011?in_ep=81&out_ep=03")
    assert printer.is_present() and device.resets == 0  # presence does not open (and reset) it
    assert printer.health_problem() is None
    raster = _raster()
    printer.print_job([raster])
    assert found[-1] == {"idVendor": 0x0416, "idProduct": 0x5011}
    [image] = decode_raster_stream(device.printed())
    assert np.array_equal(image, raster)
    assert set(device.write_timeouts) == {500}  # milliseconds, never 0 (= forever)

    device.set_paper(out=True)
    with pytest.raises(PaperOut):
        printer.print_job([raster])
    assert len(device.jobs()) == 1
    resets = device.resets
    time.sleep(0.06)
    assert printer.health_problem() == str(PaperOut())  # asked again while it has a problem
    device.set_paper(out=False)
    time.sleep(0.06)
    assert printer.health_problem() is None
    time.sleep(0.06)
    assert printer.health_problem() is None
    assert device.resets == resets + 2  # once fine, it is not opened (and reset) at every check


def test_usb_printer_not_on_the_bus() -> None:
    printer = _printer("usb://0416:5011")  # real pyusb: nothing with these ids here
    assert not printer.is_present()
    started = time.monotonic()
    with pytest.raises(PrinterOffline, match="未找到 USB 小票打印机（0416:5011）"):
        printer.print_job([_raster()])
    assert time.monotonic() - started < 3


# --- Windows spooler -----------------------------------------------------------------------------


def test_win32_address_on_linux_says_it_needs_windows() -> None:
    assert sys.platform != "win32"
    with pytest.raises(DeviceUnavailable) as caught:
        EscposPrinter("win32://XP-58C")
    assert str(caught.value) == WIN32_ONLY_MESSAGE and "Windows" in WIN32_ONLY_MESSAGE


def test_win32_address_on_linux_shows_in_the_device_status(tmp_path: Path) -> None:
    options = {"printer": {"uri": "win32://XP-58C", "paper_mm": "58"}}
    manager = DeviceManager({"printer": "escpos"}, work_dir=tmp_path, poll_interval_s=None, options=options)
    manager.start()
    try:
        with pytest.raises(DeviceUnavailable, match="只能在 Windows 上使用"):
            manager.submit("printer", lambda printer: None).result(timeout=10)
        [status] = [s for s in manager.statuses() if s.kind == "printer"]
        assert status.state == "offline" and WIN32_ONLY_MESSAGE in status.message
    finally:
        manager.stop()


def test_win32_spooler_path_with_a_fake_win32print(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Windows branch, run here with pywin32's win32print replaced by a recorder."""
    spooled: list[bytes] = []
    calls: list[str] = []
    spooler_full = False

    class FakeWin32Print:
        PRINTER_ENUM_NAME = 8

        @staticmethod
        def EnumPrinters(flags: int, name: str, level: int) -> list[dict[str, str]]:
            return [{"pPrinterName": "XP-58C 热敏"}]

        @staticmethod
        def OpenPrinter(name: str) -> str:
            calls.append(f"open {name}")
            return "handle"

        @staticmethod
        def StartDocPrinter(handle: str, level: int, info: tuple[str, str, str]) -> int:
            calls.append(f"doc {info[2]}")
            return 1

        @staticmethod
        def WritePrinter(handle: str, data: bytes) -> int:
            spooled.append(data)
            return len(data)

        @staticmethod
        def EndDocPrinter(handle: str) -> None:
            if spooler_full:
                raise OSError("spooler refused the document")
            calls.append("end doc")

        StartPagePrinter = EndPagePrinter = staticmethod(lambda handle: calls.append("page"))
        ClosePrinter = staticmethod(lambda handle: calls.append("close"))

    win32raw = sys.modules[load_escpos().Win32Raw.__module__]
    monkeypatch.setattr(escpos_printer, "_IS_WINDOWS", True)
    monkeypatch.setattr(win32raw, "win32print", FakeWin32Print, raising=False)
    monkeypatch.setattr(win32raw, "pywintypes", SimpleNamespace(error=OSError), raising=False)
    monkeypatch.setattr(win32raw, "_DEP_WIN32PRINT", True)
    printer = _printer("win32://XP-58C 热敏")
    raster = _raster()
    printer.print_job([raster])
    assert b"".join(spooled) == encode_raster_job([raster])
    assert calls[:2] == ["open XP-58C 热敏", "doc RAW"] and calls[-2:] == ["end doc", "close"]
    spooler_full = True
    with pytest.raises(PrinterOffline) as caught:
        printer.print_job([raster])
    assert str(caught.value) == SEND_FAILED_MESSAGE
    assert calls[-1] == "close"  # the printer handle is not leaked
    with pytest.raises(PrinterOffline, match="找不到 Windows 打印机“XP-80”"):
        _printer("win32://XP-80").print_job([raster])
    monkeypatch.setattr(win32raw, "_DEP_WIN32PRINT", False)
    with pytest.raises(DeviceUnavailable, match="pywin32"):
        printer.print_job([raster])


# --- factory, settings, import side effects ------------------------------------------------------


def test_factory_reads_the_configured_options(tmp_path: Path) -> None:
    def make(**options: str) -> EscposPrinter:
        return create(DriverContext("printer", tmp_path, options))

    printer = make(uri="tcp://10.0.0.9", paper_mm="58", text_mode="gb18030")
    assert (printer.paper_width_dots, printer.text_mode, str(printer.uri)) == (
        384,
        "gb18030",
        "tcp://10.0.0.9:9100",
    )
    assert make(uri="tcp://10.0.0.9").paper_width_dots == 576
    for options, key in [
        ({}, "devices.printer_uri"),
        ({"uri": "tcp://10.0.0.9", "paper_mm": "76"}, "devices.printer_paper_mm"),
        ({"uri": "tcp://10.0.0.9", "text_mode": "utf8"}, "devices.printer_text_mode"),
        ({"uri": "lpt://1"}, "devices.printer_uri"),
    ]:
        with pytest.raises(ConfigError) as caught:
            make(**options)
        assert caught.value.key == key


@pytest.mark.parametrize(
    "kwargs", [{"fragment_rows": 96}, {"fragment_rows": 200}, {"timeout_s": 0}, {"paper_width_dots": 380}]
)
def test_settings_that_would_hang_or_garble_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        EscposPrinter("tcp://127.0.0.1", **kwargs)


def test_empty_job_is_refused_before_connecting() -> None:
    with pytest.raises(ValueError):
        EscposPrinter("tcp://127.0.0.1:1").print_job([])


def test_importing_escpos_leaves_logging_and_temp_alone(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import logging, os
        from devices.printer.escpos_printer import load_escpos
        before = list(logging.getLogger().handlers)
        load_escpos().Dummy()
        assert logging.getLogger().handlers == before, logging.getLogger().handlers
        print(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"])
        """
    )
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "YICHUANG_HOME": str(tmp_path / "home"), "TMPDIR": str(temp)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    cache = Path(result.stdout.strip())
    assert cache == tmp_path / "home" / "cache" / "escpos"
    assert any(cache.glob("*.capabilities.pickle"))
    assert list(temp.iterdir()) == []  # no per-process temp folder left behind


def test_status_of_a_connector_that_cannot_read_is_assumed_ready(tmp_path: Path) -> None:
    (tmp_path / "lp0").touch()
    assert _printer(f"file://{tmp_path}/lp0").status() == PrinterStatus(True, True, False, False)
