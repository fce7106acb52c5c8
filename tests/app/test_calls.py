"""叫号信息 for the calling display: current and recent calls, voice text, announce-once tracking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.errors import DomainError
from app.model import Role, Station, Window
from app.services import calls
from app.services import queue as q
from app.services.actor import Actor
from app.storage.db import Database

ST = "H1"
CLERK = Actor(username="wang", role=Role.CLERK, display_name="王小窗")
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)  # 09:00 Beijing time


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> dt.datetime:
        self.t += dt.timedelta(seconds=1)
        return self.t


@pytest.fixture
def hall(db: Database) -> Database:
    with db.session() as s:
        station = Station(code=ST, name="测试大厅", mode="hall")
        for n, cats in {1: ["A"], 2: ["A", "B"], 3: ["B"]}.items():
            station.windows.append(Window(number=n, name=f"{n}号窗口", categories=cats))
        s.add(station)
        s.flush()
        q.ensure_default_categories(s, ST)
    return db


def _do(db: Database, fn: Any, *args: Any, **kw: Any) -> Any:
    with db.session() as s:
        return fn(s, *args, **kw)


def _issue(db: Database, clock: Clock, category: str = "A") -> None:
    _do(db, q.issue_ticket, station_code=ST, category=category, now=clock())


def _act(db: Database, clock: Clock, fn: Any, window: int) -> Any:
    return _do(db, fn, CLERK, station_code=ST, window_number=window, now=clock())


def _current(db: Database, clock: Clock) -> list[calls.CallView]:
    result: list[calls.CallView] = _do(db, calls.current_calls, ST, now=clock.t)
    return result


def test_current_and_recent_calls_follow_the_windows(hall: Database) -> None:
    clock = Clock()
    for cat in "AAB":
        _issue(hall, clock, cat)
    _act(hall, clock, q.call_next, 2)  # A001
    _act(hall, clock, q.call_next, 1)  # A002
    _act(hall, clock, q.call_next, 3)  # B001
    current = _current(hall, clock)
    assert [(c.window_number, c.number, c.category_name) for c in current] == [
        (1, "A002", "综合受理"),
        (2, "A001", "综合受理"),
        (3, "B001", "社保医保"),
    ]
    _act(hall, clock, q.start_service, 1)
    _act(hall, clock, q.finish, 1)
    _act(hall, clock, q.no_show, 3)
    current = _current(hall, clock)
    assert [(c.window_number, c.number) for c in current] == [(2, "A001")]
    recent = _do(hall, calls.recent_calls, ST, 2, now=clock.t)
    assert [(c.number, c.window_number, c.state) for c in recent] == [
        ("B001", 3, "no_show"),
        ("A002", 1, "done"),
    ]
    assert _do(hall, calls.recent_calls, ST, 0, now=clock.t) == []


def test_calls_of_an_earlier_day_are_not_shown(hall: Database) -> None:
    clock = Clock()
    _issue(hall, clock)
    _act(hall, clock, q.call_next, 1)
    next_day = clock.t + dt.timedelta(days=1)
    assert _do(hall, calls.current_calls, ST, now=next_day) == []
    assert _do(hall, calls.recent_calls, ST, now=next_day) == []


def test_station_name_and_unknown_station(hall: Database) -> None:
    assert _do(hall, calls.station_name, ST) == "测试大厅"
    with pytest.raises(DomainError, match="找不到站点"):
        _do(hall, calls.recent_calls, "NOPE")
    with pytest.raises(DomainError, match="找不到站点"):
        _do(hall, calls.station_name, "NOPE")


def test_announcement_text_says_number_window_and_recall() -> None:
    call = calls.CallView(
        number="A001", window_number=3, called_at=T0, recall_count=0, category_name="综合受理"
    )
    assert calls.announcement_text(call) == "请A001号到3号窗口办理"
    again = calls.CallView(number="A001", window_number=3, called_at=T0, recall_count=1, category_name="")
    assert calls.announcement_text(again) == "请A001号到3号窗口办理（重呼）"


def test_tracker_announces_each_call_and_recall_once_in_order(hall: Database) -> None:
    clock = Clock()
    for cat in "AAB":
        _issue(hall, clock, cat)
    _act(hall, clock, q.call_next, 1)  # A001, on the board before the display started
    tracker = calls.AnnouncementTracker()
    assert tracker.new_calls(_current(hall, clock)) == []
    _act(hall, clock, q.call_next, 3)  # B001
    _act(hall, clock, q.call_next, 2)  # A002
    said = [calls.announcement_text(c) for c in tracker.new_calls(_current(hall, clock))]
    assert said == ["请B001号到3号窗口办理", "请A002号到2号窗口办理"]
    assert tracker.new_calls(_current(hall, clock)) == []  # looking again says nothing
    _act(hall, clock, q.recall, 3)
    said = [calls.announcement_text(c) for c in tracker.new_calls(_current(hall, clock))]
    assert said == ["请B001号到3号窗口办理（重呼）"]
    _act(hall, clock, q.recall, 3)
    assert len(tracker.new_calls(_current(hall, clock))) == 1  # the second recall is announced too


def test_tracker_skips_calls_already_being_served(hall: Database) -> None:
    clock = Clock()
    _issue(hall, clock)
    tracker = calls.AnnouncementTracker()
    tracker.new_calls(_current(hall, clock))
    _act(hall, clock, q.call_next, 1)
    _act(hall, clock, q.start_service, 1)  # the applicant was already at the window
    assert tracker.new_calls(_current(hall, clock)) == []
