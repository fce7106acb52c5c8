"""Fake ESC/POS printers for tests (测试用打印机对端): a TCP port-9100 printer and a serial one on a pty.

Both are real peers on this machine: the printer code talks to them through python-escpos's
Network and Serial connectors exactly as to a printer. They record every byte, parse the stream
(tests/devices/escpos_decode.py) and answer DLE EOT 1/2/4 from a script:

- ``set_paper(out=True)`` / ``set_paper(out=False, near_end=True)`` — paper sensor;
- ``set_cover(open=True)`` — cover open (the printer then reports itself offline, as real ones do);
- ``set_online(False)`` — the printer stays silent: connections open, no status reply ever comes;
- ``set_reply(n, b"...")`` — answer DLE EOT n with exactly these bytes (``None`` = scripted state).

Status requests are answered only where the parser sees a command, never inside raster data,
which like a real printer's data may contain the bytes ``10 04 n``.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable
from types import TracebackType
from typing import Self

from tests.devices.escpos_decode import Command, StreamParser, split_jobs, without_status_queries

PREFERRED_PORT = 9100
_IDLE_WAIT_S = 2.0


class PeerBase:
    """Printer state, the recording and the status script; shared by the TCP and pty peers (and a
    test's fake USB device). ``handle`` takes bytes as they arrive and returns the replies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paper_out = False
        self._near_end = False
        self._cover_open = False
        self._online = True
        self._replies: dict[int, bytes | None] = {}
        self._received = bytearray()
        self._commands: list[Command] = []
        self._status_queries: list[int] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._open_sessions = 0
        self.sessions = 0
        self._idle = threading.Condition(self._lock)

    # --- script -------------------------------------------------------------------------------

    def set_paper(self, out: bool, *, near_end: bool = False) -> None:
        with self._lock:
            self._paper_out, self._near_end = out, near_end

    def set_cover(self, open: bool) -> None:
        with self._lock:
            self._cover_open = open

    def set_online(self, online: bool) -> None:
        with self._lock:
            self._online = online

    def set_reply(self, n: int, reply: bytes | None) -> None:
        with self._lock:
            self._replies[n] = reply

    def _status_byte(self, n: int) -> bytes:
        if n in self._replies and self._replies[n] is not None:
            return self._replies[n] or b""
        if not self._online:
            return b""
        value = 0x12
        if n == 1 and (self._cover_open or self._paper_out):
            value |= 0x08
        elif n == 2:
            value |= (0x04 if self._cover_open else 0) | (0x20 if self._paper_out else 0)
        elif n == 4:
            value |= (0x60 if self._paper_out else 0) | (0x0C if self._near_end else 0)
        return bytes([value])

    def handle(self, parser: StreamParser, chunk: bytes) -> bytes:
        """Record ``chunk``; the replies to any status requests it completes."""
        with self._lock:
            self._received += chunk
            commands = parser.feed(chunk)
            self._commands += commands
            reply = b""
            for command in commands:
                if command.kind == "status":
                    self._status_queries.append(command.n)
                    reply += self._status_byte(command.n)
            return reply

    def _session_started(self) -> None:
        with self._lock:
            self._open_sessions += 1
            self.sessions += 1

    def _session_ended(self) -> None:
        with self._lock:
            self._open_sessions -= 1
            self._idle.notify_all()

    # --- what was received --------------------------------------------------------------------

    def wait_idle(self, timeout_s: float = _IDLE_WAIT_S) -> bool:
        """Wait until every connection the client opened is closed and read to the end."""
        with self._idle:
            return self._idle.wait_for(lambda: self._open_sessions == 0, timeout=timeout_s)

    def received(self) -> bytes:
        """Every byte received so far, status requests included, in order."""
        self.wait_idle()
        with self._lock:
            return bytes(self._received)

    def printed(self) -> bytes:
        """What the printer was asked to print: ``received()`` without the status requests."""
        return without_status_queries(self.received())

    def jobs(self) -> list[bytes]:
        """The printed bytes of each finished job (split at cut commands), oldest first."""
        self.wait_idle()
        with self._lock:
            return split_jobs(list(self._commands))

    def status_queries(self) -> list[int]:
        """The n of every DLE EOT n received, in order."""
        with self._lock:
            return list(self._status_queries)

    def clear(self) -> None:
        self.wait_idle()
        with self._lock:
            self._received.clear()
            self._commands.clear()
            self._status_queries.clear()

    # --- lifecycle ----------------------------------------------------------------------------

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class PrinterPeer(PeerBase):
    """A LAN receipt printer on 127.0.0.1: port 9100 when free, else an ephemeral one (``.port``)."""

    def __init__(self, port: int | None = None) -> None:
        super().__init__()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._server.bind(("127.0.0.1", PREFERRED_PORT if port is None else port))
        except OSError:
            if port is not None:
                raise
            self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self._server.settimeout(0.05)
        self.port: int = self._server.getsockname()[1]
        self._spawn(self._accept_loop)

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._session_started()
            self._spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        parser = StreamParser()
        conn.settimeout(0.05)
        try:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                reply = self.handle(parser, chunk)
                if reply:
                    with contextlib.suppress(OSError):
                        conn.sendall(reply)
        finally:
            conn.close()
            self._session_ended()

    def stop(self) -> None:
        self._stop.set()
        self._server.close()
        super().stop()


class PtyPrinterPeer(PeerBase):
    """A serial receipt printer on the master side of a pty; open ``.device`` as its serial port."""

    def __init__(self) -> None:
        super().__init__()
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)  # no echo, no line discipline: bytes pass as on a real line
        self.device: str = os.ttyname(self._slave)
        self._parser = StreamParser()
        self._spawn(self._serve)

    @property
    def uri(self) -> str:
        return f"serial://{self.device}?baud=9600&flow=none"

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                return
            reply = self.handle(self._parser, chunk)
            if reply:
                os.write(self._master, reply)

    def wait_idle(self, timeout_s: float = _IDLE_WAIT_S) -> bool:
        """A serial line has no connections: wait until the line has been quiet for 100 ms."""
        deadline = time.monotonic() + timeout_s
        last = -1
        while time.monotonic() < deadline:
            with self._lock:
                size = len(self._received)
            if size == last:
                return True
            last = size
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        super().stop()
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
