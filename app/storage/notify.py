"""Change notices (变更通知): tell displays, kiosks and counters that the queue changed.

On PostgreSQL a writer calls :func:`notify_queue_changed` inside its transaction; the NOTIFY is
delivered when that transaction commits (never for a rollback). A :class:`ChangeWatcher` LISTENs on
:data:`CHANNEL` with its own psycopg connection. Push channels die silently (a restarted server, a
dropped LAN link, a NAT timeout), so the watcher also polls a cheap stamp — the newest audit sequence
number, which every queue action writes — at every ``poll_interval_s``; that poll doubles as the
connection's liveness check. On SQLite there is no NOTIFY: the stamp poll is all there is, with a
fresh connection each time so a database file that disappeared (a USB disk, a network share) is
noticed instead of being read through an old handle.

When the database cannot be reached the watcher reports ``online=False`` once, retries with
exponential backoff (up to :data:`MAX_BACKOFF_S`, like the 10 s reconnect of hall systems), and on
success reports ``online=True`` followed by a change, because notices sent meanwhile were lost.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL: Final = "yichuang_queue"
#: Newest audit sequence number: changes with every ticket issued, called, recalled, finished …
STAMP_SQL: Final = "SELECT max(seq) FROM audit_event"
APPLICATION_NAME: Final = "yichuang-watcher"
DEFAULT_POLL_INTERVAL_S: Final = 2.0
FIRST_BACKOFF_S: Final = 0.5
MAX_BACKOFF_S: Final = 10.0
CONNECT_TIMEOUT_S: Final = 5
#: Longest a wait for notices blocks, so stop() returns promptly.
_WAIT_SLICE_S: Final = 0.2


def notify_queue_changed(session: Session, payload: str = "") -> None:
    """Announce a queue change to every watcher when ``session`` commits (PostgreSQL); no-op on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})


def _psycopg_conninfo(url: str) -> str:
    """A libpq URI for psycopg from a SQLAlchemy URL (``postgresql+psycopg://…`` → ``postgresql://…``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class _Link(Protocol):
    """One open connection of the watcher: wait for a notice or a timeout, read the stamp."""

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Block up to ``seconds`` (less when ``stop`` is set); True when a notice arrived."""
        ...

    def stamp(self) -> Any: ...

    def close(self) -> None: ...


class _PostgresLink:
    def __init__(self, url: str) -> None:
        self._conn = psycopg.connect(
            _psycopg_conninfo(url),
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name=APPLICATION_NAME,
        )
        self._conn.execute(f"LISTEN {CHANNEL}")

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            for _notice in self._conn.notifies(timeout=min(remaining, _WAIT_SLICE_S), stop_after=1):
                return True
            if self._conn.closed:
                raise psycopg.OperationalError("the notification connection was closed")
        return False

    def stamp(self) -> Any:
        row = self._conn.execute(STAMP_SQL).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self._conn.close()


class _SqliteLink:
    def __init__(self, url: str) -> None:
        path = make_url(url).database
        if not path or path == ":memory:":
            raise ValueError(
                "a change watcher needs a database file; an in-memory SQLite has no other writers"
            )
        self._uri = f"file:{path}?mode=rw"  # mode=rw: a missing file is an error, never a new empty database
        self.stamp()  # fail now, not at the first poll, when the file is not there

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        stop.wait(seconds)
        return False

    def stamp(self) -> Any:
        conn = sqlite3.connect(self._uri, uri=True, timeout=5.0)
        try:
            row = conn.execute(STAMP_SQL).fetchone()
            return row[0] if row else None
        finally:
            conn.close()

    def close(self) -> None:
        """Nothing to release: every stamp read opens and closes its own connection."""


def _open_link(url: str) -> _Link:
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        return _PostgresLink(url)
    if backend == "sqlite":
        return _SqliteLink(url)
    raise ValueError(f"change notices are not supported for the {backend} database")


class ChangeWatcher:
    """Watches one database for queue changes on a thread of its own (``yichuang-watch``).

    ``on_change()`` and ``on_status(online)`` run on that thread: a UI must hand them to its own
    thread (a queued signal) and return quickly. ``on_status`` is called on every transition
    (including the first connection either way); ``on_change`` after the first connection, after
    each reconnection and whenever a notice arrives or the stamp moved. Call :meth:`stop` before
    the program ends: it joins the thread.
    """

    def __init__(
        self,
        url: str,
        *,
        on_change: Callable[[], object],
        on_status: Callable[[bool], object] | None = None,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        first_backoff_s: float = FIRST_BACKOFF_S,
        max_backoff_s: float = MAX_BACKOFF_S,
    ) -> None:
        backend = make_url(url).get_backend_name()
        if backend not in ("postgresql", "sqlite"):
            raise ValueError(f"change notices are not supported for the {backend} database")
        self._url = url
        self._on_change = on_change
        self._on_status = on_status
        self._poll_interval_s = poll_interval_s
        self._first_backoff_s = first_backoff_s
        self._max_backoff_s = max_backoff_s
        self._stop = threading.Event()
        self._online: bool | None = None
        self._reconnects = 0
        self._thread: threading.Thread | None = None

    @property
    def uses_notify(self) -> bool:
        """True on PostgreSQL (LISTEN/NOTIFY plus polling), False on SQLite (polling only)."""
        return make_url(self._url).get_backend_name() == "postgresql"

    @property
    def online(self) -> bool | None:
        """The last reported state; None before the first connection attempt finished."""
        return self._online

    @property
    def reconnects(self) -> int:
        """How many times the connection was lost and opened again."""
        return self._reconnects

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("ChangeWatcher.start() called twice")
        self._thread = threading.Thread(target=self._run, name="yichuang-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and join the thread (idempotent)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    # --- watcher thread -------------------------------------------------------------------------

    def _report(self, online: bool) -> None:
        if self._online == online:
            return
        was_online = self._online
        self._online = online
        if online:
            log.info("change watcher connected (%s)", "LISTEN/NOTIFY" if self.uses_notify else "polling")
        else:
            log.warning("change watcher lost the database; reconnecting with backoff")
        if was_online is False and online:
            self._reconnects += 1
        if self._on_status is not None:
            self._call(self._on_status, online)

    @staticmethod
    def _call(callback: Callable[..., object], *args: object) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("change watcher callback failed")

    def _run(self) -> None:
        backoff = self._first_backoff_s
        while not self._stop.is_set():
            link: _Link | None = None
            try:
                link = _open_link(self._url)
                stamp = link.stamp()
                self._report(True)
                self._call(self._on_change)  # first contact, or notices lost while we were away
                backoff = self._first_backoff_s
                while not self._stop.is_set():
                    noticed = link.wait(self._poll_interval_s, self._stop)
                    if self._stop.is_set():
                        break
                    new_stamp = link.stamp()
                    if noticed or new_stamp != stamp:
                        stamp = new_stamp
                        self._call(self._on_change)
            except (psycopg.Error, sqlite3.Error, OSError) as error:
                log.debug("change watcher: %s", error)
                self._report(False)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._max_backoff_s)
            finally:
                if link is not None:
                    with contextlib.suppress(Exception):
                        link.close()
