"""UI test setup: Qt offscreen, and a guard that fails a test whose threads or timers outlive it.

A thread or an active QTimer left behind by one test fires during the next one and makes failures
appear far from their cause, so the guard runs for every test in this folder.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QTimer

from app.config import load_config
from app.context import AppContext, open_context
from app.demo.loader import load_demo

THREAD_GRACE_SECONDS = 2.0


class TimerTracker:
    """Records QTimers started and single shots scheduled from Python while a test runs."""

    def __init__(self) -> None:
        self.timers: list[weakref.ReferenceType[QTimer]] = []
        self.pending_shots: dict[int, str] = {}
        self._next_shot = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original_start = QTimer.start
        original_single_shot = QTimer.singleShot
        tracker = self

        def start(timer: QTimer, *args: Any) -> None:
            tracker.timers.append(weakref.ref(timer))
            original_start(timer, *args)

        def single_shot(msec: int, *args: Any) -> None:
            *context, callback = args
            if not callable(callback):  # receiver + slot-name form: leave it alone
                original_single_shot(msec, *args)
                return
            tracker._next_shot += 1
            key = tracker._next_shot
            tracker.pending_shots[key] = getattr(callback, "__qualname__", repr(callback))

            def fire() -> None:
                tracker.pending_shots.pop(key, None)
                callback()

            original_single_shot(msec, *context, fire)

        monkeypatch.setattr(QTimer, "start", start)
        monkeypatch.setattr(QTimer, "singleShot", staticmethod(single_shot))

    def active(self) -> list[str]:
        alive = []
        for ref in self.timers:
            timer = ref()
            if timer is not None and shiboken6.isValid(timer) and timer.isActive():
                alive.append(f"QTimer(interval={timer.interval()}, parent={timer.parent()!r})")
        return alive + [f"singleShot({name})" for name in self.pending_shots.values()]


def _flush_deferred_deletes() -> None:
    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


def _new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


@pytest.fixture(autouse=True)
def no_leaked_threads_or_timers(monkeypatch: pytest.MonkeyPatch) -> Iterator[TimerTracker]:
    """Fail the test when a thread or a QTimer it started is still running after its teardown.

    Autouse fixtures are set up first, so this teardown runs after pytest-qt has closed the
    test's widgets and after the test's own fixtures stopped their threads.
    """
    before = set(threading.enumerate())
    tracker = TimerTracker()
    tracker.install(monkeypatch)
    yield tracker
    _flush_deferred_deletes()
    deadline = time.monotonic() + THREAD_GRACE_SECONDS
    while _new_threads(before) and time.monotonic() < deadline:
        time.sleep(0.02)  # a joined executor's threads may take a moment to leave enumerate()
    leaked_threads = [t.name for t in _new_threads(before)]
    leaked_timers = tracker.active()
    if leaked_threads or leaked_timers:
        pytest.fail(f"left running after the test: threads={leaked_threads} timers={leaked_timers}")


@pytest.fixture
def demo_ctx(yc_home: Path) -> Iterator[AppContext]:
    """An opened AppContext on a temp SQLite database with the demo station and catalog loaded.

    Demo mode, so every ``devices.<kind>`` defaults to the simulated driver; the key lives in a
    file because test machines have no keyring.
    """
    config = load_config(None, overrides={"ui.demo": "true", "storage.key_source": "file"})
    ctx = open_context(config)
    with ctx.db.session() as session:
        load_demo(session, station_name=config.get_str("station.name"))
    yield ctx
    ctx.close()
