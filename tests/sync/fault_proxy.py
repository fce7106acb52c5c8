"""A fault-injecting TCP proxy on loopback, in front of the real reference platform.

The client talks to the proxy exactly as to the platform; the proxy passes bytes both ways and,
when armed, breaks the link the ways village links break:

* ``cut_request_after(n)``: reset the connection after ``n`` bytes of a request went upstream
  (a cut in the middle of an upload);
* ``cut_response_after(n)``: reset after ``n`` bytes of a response came back (mid-response);
* ``drop_reply()``: let the request reach the platform (which commits it), then swallow the reply
  and reset the client's connection: the lost acknowledgement;
* ``respond(status)``: answer by itself without asking the platform, like a gateway error page
  or a captive portal (no protocol header);
* ``stall(seconds)``: hold the request without moving a byte (the client's idle timeout fires).

Every rule takes ``match``, a regex on the request line "METHOD /path", ``count``, how many
times it fires, and ``every``, to fire on every n-th matching request only. Byte counters
(``up_bytes``, ``down_bytes``) measure what crossed the proxy. Threads and blocking sockets keep
it small; everything stops with :meth:`FaultProxy.stop`.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

# Writing to a peer that reset must raise BrokenPipeError here, never deliver SIGPIPE to the test
# process (a native library loaded by an earlier test may have restored its default action).
_NO_SIGNAL = getattr(socket, "MSG_NOSIGNAL", 0)

_REQUEST_LINE = re.compile(rb"(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+) HTTP/1\.[01]\r\n")
_BUFFER = 65536


@dataclass
class Rule:
    kind: str  # cut_up | cut_down | drop | respond | stall
    match: re.Pattern[str]
    count: int
    n: int = 0
    seconds: float = 0.0
    reply: bytes = b""
    every: int = 1  # fire on every n-th matching request only
    seen: int = 0
    fired: int = 0


@dataclass
class _Conn:
    client: socket.socket
    upstream: socket.socket
    request: str = ""  # the last request line seen, "METHOD /path"
    cut_up_left: int | None = None
    down_rule: Rule | None = None  # drop or cut_down armed for the reply of ``request``
    down_left: int | None = None
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def _quick_ack(sock: socket.socket) -> None:
    """Acknowledge at once (Linux): a server that writes head and body apart waits for our ACK
    under Nagle, and a delayed ACK would add 40 ms to every reply."""
    quick_ack = getattr(socket, "TCP_QUICKACK", None)
    if quick_ack is not None:
        with suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quick_ack, 1)


def _reset(sock: socket.socket) -> None:
    """Close with RST (linger 0), the way a broken link looks to the other end.

    SHUT_RD first wakes the other pump thread blocked in recv on this socket (a bare close would
    not, and the peer would hear nothing) without sending a FIN.
    """
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    with suppress(OSError):
        sock.close()


def _finish(sock: socket.socket) -> None:
    """Close normally (FIN), waking a thread blocked in recv on it."""
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        sock.close()


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._conns: list[_Conn] = []
        self.up_bytes = 0
        self.down_bytes = 0
        self.connections = 0
        self.resets = 0
        self.requests: list[str] = []
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- arming -----------------------------------------------------------------------------------

    def _add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def cut_request_after(self, n: int, *, match: str = "", count: int = 1, every: int = 1) -> Rule:
        return self._add(Rule("cut_up", re.compile(match), count, n=n, every=every))

    def cut_response_after(self, n: int, *, match: str = "", count: int = 1, every: int = 1) -> Rule:
        return self._add(Rule("cut_down", re.compile(match), count, n=n, every=every))

    def drop_reply(self, *, match: str = "", count: int = 1, every: int = 1) -> Rule:
        return self._add(Rule("drop", re.compile(match), count, every=every))

    def respond(
        self,
        status: int = 502,
        *,
        match: str = "",
        count: int = 1,
        every: int = 1,
        body: bytes = b"",
        content_type: str = "text/html",
    ) -> Rule:
        text = body or f"<html><body><h1>{status}</h1>网关错误</body></html>".encode()
        reason = {200: "OK", 502: "Bad Gateway", 503: "Service Unavailable"}.get(status, "Error")
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(text)}\r\nConnection: close\r\n\r\n"
        ).encode("ascii")
        return self._add(Rule("respond", re.compile(match), count, reply=head + text, every=every))

    def stall(self, seconds: float, *, match: str = "", count: int = 1, every: int = 1) -> Rule:
        return self._add(Rule("stall", re.compile(match), count, seconds=seconds, every=every))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def _take(self, kinds: tuple[str, ...], request: str) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and rule.fired < rule.count and rule.match.search(request):
                    rule.seen += 1
                    if rule.seen % rule.every == 0:
                        rule.fired += 1
                        return rule
        return None

    # --- pumping ------------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
                upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                _quick_ack(upstream)
            except OSError:
                _reset(client)
                continue
            conn = _Conn(client, upstream)
            with self._lock:
                self._conns.append(conn)
                self.connections += 1
            threading.Thread(target=self._pump_up, args=(conn,), daemon=True).start()
            threading.Thread(target=self._pump_down, args=(conn,), daemon=True).start()

    def _kill(self, conn: _Conn) -> None:
        with conn.lock:
            if conn.closed:
                return
            conn.closed = True
        with self._lock:
            self.resets += 1
        _reset(conn.client)
        _reset(conn.upstream)

    def _close(self, conn: _Conn) -> None:
        with conn.lock:
            if conn.closed:
                return
            conn.closed = True
        _finish(conn.client)
        _finish(conn.upstream)

    def _pump_up(self, conn: _Conn) -> None:
        try:
            while True:
                data = conn.client.recv(_BUFFER)
                if not data:
                    conn.upstream.shutdown(socket.SHUT_WR)
                    return
                found = _REQUEST_LINE.search(data)
                if found:
                    conn.request = f"{found.group(1).decode()} {found.group(2).decode(errors='replace')}"
                    with self._lock:
                        self.requests.append(conn.request)
                    if not self._on_request(conn, data):
                        return
                if conn.cut_up_left is not None:
                    if len(data) > conn.cut_up_left:
                        self._send_up(conn, data[: conn.cut_up_left])
                        self._kill(conn)
                        return
                    conn.cut_up_left -= len(data)
                self._send_up(conn, data)
        except OSError:
            self._close(conn)

    def _on_request(self, conn: _Conn, data: bytes) -> bool:
        """Apply rules for a new request; False when the connection is finished."""
        rule = self._take(("respond",), conn.request)
        if rule is not None:
            conn.client.sendall(rule.reply, _NO_SIGNAL)
            self._close(conn)
            return False
        rule = self._take(("stall",), conn.request)
        if rule is not None and self._stopping.wait(rule.seconds):
            self._close(conn)
            return False
        rule = self._take(("cut_up",), conn.request)
        if rule is not None:
            conn.cut_up_left = rule.n
        rule = self._take(("drop", "cut_down"), conn.request)
        conn.down_rule, conn.down_left = rule, (rule.n if rule is not None else None)
        return True

    def _send_up(self, conn: _Conn, data: bytes) -> None:
        conn.upstream.sendall(data, _NO_SIGNAL)
        with self._lock:
            self.up_bytes += len(data)

    def _pump_down(self, conn: _Conn) -> None:
        try:
            while True:
                data = conn.upstream.recv(_BUFFER)
                _quick_ack(conn.upstream)
                if not data:
                    self._close(conn)
                    return
                rule = conn.down_rule
                if rule is not None and rule.kind == "drop":
                    # The platform has answered, so it has committed: the client never hears it.
                    self._kill(conn)
                    return
                if rule is not None and conn.down_left is not None:
                    if len(data) > conn.down_left:
                        self._send_down(conn, data[: conn.down_left])
                        self._kill(conn)
                        return
                    conn.down_left -= len(data)
                self._send_down(conn, data)
        except OSError:
            # The platform reset the connection (e.g. its own "drop the reply" fault): pass it on.
            self._kill(conn)

    def _send_down(self, conn: _Conn, data: bytes) -> None:
        conn.client.sendall(data, _NO_SIGNAL)
        with self._lock:
            self.down_bytes += len(data)

    def stop(self) -> None:
        self._stopping.set()
        with suppress(OSError):
            self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            self._close(conn)


@contextmanager
def fault_proxy(base_url: str) -> Iterator[FaultProxy]:
    """A proxy in front of ``base_url`` (http://host:port), stopped when the block ends."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    proxy = FaultProxy(host, int(port.rstrip("/")))
    try:
        yield proxy
    finally:
        proxy.stop()
