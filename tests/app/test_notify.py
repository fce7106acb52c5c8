"""Change notices: LISTEN/NOTIFY on PostgreSQL, stamp polling on SQLite, offline and reconnection."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import audit
from app.storage import notify
from app.storage.db import Database

FAST_POLL_S = 0.05
#: Long enough that on PostgreSQL only a NOTIFY can wake the watcher within a test's patience.
SLOW_POLL_S = 60.0


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class Recorder:
    """Collects a watcher's callbacks (they arrive on the watcher thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.changes = 0
        self.statuses: list[bool] = []

    def on_change(self) -> None:
        with self._lock:
            self.changes += 1

    def on_status(self, online: bool) -> None:
        with self._lock:
            self.statuses.append(online)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def watch(recorder: Recorder) -> Iterator[Callable[..., notify.ChangeWatcher]]:
    started: list[notify.ChangeWatcher] = []

    def start(url: str, **kw: float) -> notify.ChangeWatcher:
        watcher = notify.ChangeWatcher(url, on_change=recorder.on_change, on_status=recorder.on_status, **kw)
        started.append(watcher)
        watcher.start()
        return watcher

    yield start
    for watcher in started:
        watcher.stop()


def _audited_change(db: Database, *, send_notice: bool = True) -> None:
    with db.session() as s:
        audit.append(s, actor="wang", action="ticket.call", entity="ticket", entity_id="A001@2026-11-23")
        if send_notice:
            notify.notify_queue_changed(s)


def _plain_url(db: Database) -> str:
    return make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_a_change_reaches_the_watcher(
    db: Database, recorder: Recorder, watch: Callable[..., notify.ChangeWatcher]
) -> None:
    poll = FAST_POLL_S if db.is_sqlite else SLOW_POLL_S
    watcher = watch(db.url, poll_interval_s=poll)
    assert wait_for(lambda: recorder.changes == 1)  # the first contact counts as a change
    assert recorder.statuses == [True]
    assert watcher.uses_notify is not db.is_sqlite
    if db.is_sqlite:
        _audited_change(db)  # no NOTIFY on SQLite: the stamp poll finds it
    else:
        with db.session() as s:  # a notice alone, no stamp change: only LISTEN can see this one
            notify.notify_queue_changed(s)
    assert wait_for(lambda: recorder.changes == 2, timeout=5.0)
    time.sleep(0.3)
    assert recorder.changes == 2  # one change, one notice: no repeats from the poll


def test_notice_is_sent_on_commit_and_never_for_a_rollback(db: Database) -> None:
    if db.is_sqlite:
        with db.session() as s:
            notify.notify_queue_changed(s)  # a no-op that must not break the writer's transaction
            assert s.execute(text("SELECT 1")).scalar_one() == 1
        return
    with psycopg.connect(_plain_url(db), autocommit=True) as listener:
        listener.execute(f"LISTEN {notify.CHANNEL}")
        with pytest.raises(RuntimeError), db.session() as s:
            notify.notify_queue_changed(s, "rolled back")
            raise RuntimeError("the writer failed")
        with db.session() as s:
            notify.notify_queue_changed(s, "ST001")
        payloads = [n.payload for n in listener.notifies(timeout=2.0, stop_after=1)]
        assert payloads == ["ST001"]


def test_watcher_reconnects_after_losing_the_connection(
    db: Database, recorder: Recorder, watch: Callable[..., notify.ChangeWatcher], tmp_path: Path
) -> None:
    poll = FAST_POLL_S if db.is_sqlite else SLOW_POLL_S
    watcher = watch(db.url, poll_interval_s=poll, first_backoff_s=0.05, max_backoff_s=0.2)
    assert wait_for(lambda: recorder.statuses == [True])
    db_file = Path(make_url(db.url).database or "")
    if db.is_sqlite:
        moved = tmp_path / "away.sqlite3"
        db_file.rename(moved)  # the disk holding the database went away
        assert wait_for(lambda: recorder.statuses == [True, False])
        moved.rename(db_file)
    else:
        with db.session() as s:  # what a server restart does to every client connection
            killed = s.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :n"
                ),
                {"n": notify.APPLICATION_NAME},
            ).scalar_one()
        assert killed == 1
    assert wait_for(lambda: recorder.statuses == [True, False, True])
    assert watcher.reconnects == 1
    assert watcher.online is True
    changes_after_reconnect = recorder.changes
    assert changes_after_reconnect >= 2  # reconnecting reports a change: notices may have been missed
    _audited_change(db)
    assert wait_for(lambda: recorder.changes > changes_after_reconnect, timeout=5.0)


def test_unreachable_server_is_reported_offline_and_stop_is_prompt(
    recorder: Recorder, watch: Callable[..., notify.ChangeWatcher], tmp_path: Path
) -> None:
    watcher = watch("postgresql+psycopg://yichuang@127.0.0.1:1/none", first_backoff_s=0.05, max_backoff_s=0.1)
    assert wait_for(lambda: recorder.statuses == [False])
    assert recorder.changes == 0
    started = time.monotonic()
    watcher.stop()
    assert time.monotonic() - started < 2.0
    missing = notify.ChangeWatcher(
        f"sqlite:///{tmp_path / 'missing.sqlite3'}",
        on_change=recorder.on_change,
        on_status=recorder.on_status,
    )
    missing.start()
    assert wait_for(lambda: recorder.statuses == [False, False])
    missing.stop()
    assert not (tmp_path / "missing.sqlite3").exists()  # never creates an empty database in its place


def test_only_postgresql_and_sqlite_are_watched() -> None:
    with pytest.raises(ValueError, match="not supported"):
        notify.ChangeWatcher("mysql://x@localhost/db", on_change=lambda: None)


def test_a_ticket_issued_by_the_queue_service_wakes_the_watcher_at_once(
    db: Database, recorder: Recorder, watch: Callable[..., notify.ChangeWatcher]
) -> None:
    """queue.py sends the notice itself (a flush hook), so kiosks and displays see calls immediately."""
    if db.is_sqlite:
        pytest.skip("SQLite watchers poll; there is no notice to send")
    from app.model import Station
    from app.services.queue import ensure_default_categories, issue_ticket

    with db.session() as s:
        s.add(Station(code="H1", name="大厅"))
        s.flush()
        ensure_default_categories(s, "H1")
    watch(db.url, poll_interval_s=SLOW_POLL_S)
    assert wait_for(lambda: recorder.changes == 1)
    with db.session() as s:
        issue_ticket(s, station_code="H1", category="A")
    assert wait_for(lambda: recorder.changes >= 2, timeout=5.0)
