"""The guard in conftest.py must notice what it is there to notice."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from tests.ui.conftest import TimerTracker, _new_threads


def test_tracker_sees_an_active_timer_until_it_stops(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    tracker = TimerTracker()
    tracker.install(monkeypatch)
    timer = QTimer()
    timer.start(60_000)
    assert tracker.active() == ["QTimer(interval=60000, parent=None)"]
    timer.stop()
    assert tracker.active() == []


def test_tracker_sees_a_pending_single_shot_until_it_fires(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = TimerTracker()
    tracker.install(monkeypatch)
    fired: list[bool] = []

    def remember() -> None:
        fired.append(True)

    QTimer.singleShot(10, remember)
    assert tracker.active() == [f"singleShot({remember.__qualname__})"]
    qtbot.waitUntil(lambda: bool(fired), timeout=2000)
    assert tracker.active() == []


def test_new_threads_lists_a_thread_started_after_the_snapshot() -> None:
    before = set(threading.enumerate())
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="still-running")
    worker.start()
    try:
        assert [t.name for t in _new_threads(before)] == ["still-running"]
    finally:
        release.set()
        worker.join()
    assert _new_threads(before) == []
