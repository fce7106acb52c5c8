"""The load test's judge catches each broken rule, so a clean verdict under load means something."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from app.clock import LOCAL_TZ
from app.model import Role, Ticket
from app.services import queue as q
from app.services.actor import Actor
from app.storage.db import Database
from tests.load.harness import STATION, _interleave, judge, percentile, prepare_hall

CLERK = Actor(username="load", role=Role.CLERK)


@pytest.fixture
def station(tmp_path: Path) -> Iterator[tuple[Database, dict[int, list[str]]]]:
    db = Database(f"sqlite:///{tmp_path / 'judge.sqlite3'}")
    profiles = prepare_hall(db, windows=3)
    yield db, profiles
    db.dispose()


def issue(db: Database, category: str, priority: str = "normal") -> dict[str, Any]:
    t0 = time.time()
    with db.session() as s:
        v = q.issue_ticket(s, station_code=STATION, category=category, priority=priority)
    return {"id": v.id, "number": v.number, "category": v.category, "priority": v.priority,
            "day": v.issued_at.astimezone(LOCAL_TZ).date().isoformat(), "t_start": t0, "t_end": time.time()}  # fmt: skip


def call_and_finish(db: Database, window: int) -> dict[str, Any]:
    where: dict[str, Any] = {"station_code": STATION, "window_number": window}
    t0 = time.time()
    with db.session() as s:
        v = q.call_next(s, CLERK, **where)
    assert v is not None
    call = {"id": v.id, "number": v.number, "category": v.category, "priority": v.priority,
            "day": v.issued_at.astimezone(LOCAL_TZ).date().isoformat(), "window": window,
            "t_start": t0, "t_end": time.time()}  # fmt: skip
    for action in (q.start_service, q.finish):
        with db.session() as s:
            action(s, CLERK, **where)
    return call


def reports(issued: list[dict[str, Any]], calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"role": "kiosk", "number": 1, "issued": issued, "refused": [], "errors": [], "latencies": {}},
        {"role": "window", "number": 1, "calls": calls, "errors": [], "latencies": {}},
    ]


def small_day(db: Database) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    issued = [issue(db, "A"), issue(db, "A", "elderly"), issue(db, "C"), issue(db, "A")]
    calls = [call_and_finish(db, 1), call_and_finish(db, 2)]
    return issued, calls


def test_a_clean_run_passes_and_is_counted(station: tuple[Database, dict[int, list[str]]]) -> None:
    db, profiles = station
    issued, calls = small_day(db)
    v = judge(db, reports(issued, calls), profiles, burst=3)
    assert v.problems == []
    assert (v.issued, v.called, v.waiting_left, v.priority_issued) == (4, 2, 2, 1)


def test_a_ticket_called_by_two_windows_is_caught(station: tuple[Database, dict[int, list[str]]]) -> None:
    db, profiles = station
    issued, calls = small_day(db)
    twice = {**calls[0], "window": 3}
    v = judge(db, reports(issued, [*calls, twice]), profiles, burst=3)
    assert v.problems == [f"ticket {calls[0]['number']} called 2 times, by windows [1, 3]"]


def test_duplicate_and_lost_and_unreported_tickets_are_caught(
    station: tuple[Database, dict[int, list[str]]],
) -> None:
    db, profiles = station
    issued, calls = small_day(db)
    ghost = {**issued[0], "id": 9999}  # a kiosk printed A001 twice; the second is not in the database
    v = judge(db, reports([*issued[:3], ghost], calls), profiles, burst=3)
    assert v.problems == [
        f"number {issued[0]['number']} (A) handed out 2 times on {issued[0]['day']}",
        "ticket id 9999 was issued but is not in the database (lost)",
        f"ticket {issued[3]['number']} is in the database but no kiosk issued it",
    ]


def test_a_ticket_closed_without_a_call_is_caught(station: tuple[Database, dict[int, list[str]]]) -> None:
    db, profiles = station
    issued, calls = small_day(db)
    with db.session() as s:
        s.execute(update(Ticket).where(Ticket.id == issued[3]["id"]).values(state="done"))
    v = judge(db, reports(issued, calls), profiles, burst=3)
    assert v.problems == [f"ticket {issued[3]['number']} was never called but is done"]


def _t(tid: int, number: str, priority: str, t: float, **kw: Any) -> dict[str, Any]:
    return {"id": tid, "number": number, "category": number[0], "priority": priority, "day": "2026-11-23",
            "t_start": t, "t_end": t + 0.01, **kw}  # fmt: skip


# 2026-11-23 09:00 Beijing, as a unix time
T = 1795395600.0


def test_a_fourth_priority_call_while_a_normal_waits_breaks_the_interleave() -> None:
    issued = [_t(1, "A001", "normal", T)] + [_t(i, f"B00{i}", "elderly", T) for i in range(2, 6)]
    calls = [_t(i, f"B00{i}", "elderly", T + i, window=1) for i in range(2, 6)]
    checked, violations = _interleave(issued, calls, {1: ["A", "B"]}, burst=3)
    assert checked == 1
    assert violations == ["window 1 called priority B005 after 3 priority calls while a normal ticket waited"]


def test_a_normal_call_after_the_burst_keeps_the_interleave() -> None:
    issued = [_t(1, "A001", "normal", T)] + [_t(i, f"B00{i}", "elderly", T) for i in range(2, 5)]
    calls = [_t(i, f"B00{i}", "elderly", T + i, window=1) for i in range(2, 5)]
    calls.append(_t(1, "A001", "normal", T + 10, window=1))
    assert _interleave(issued, calls, {1: ["A", "B"]}, burst=3) == (1, [])


def test_a_normal_ticket_of_another_category_or_issued_later_does_not_count() -> None:
    issued = [_t(1, "C001", "normal", T), _t(6, "A006", "normal", T + 5)]
    issued += [_t(i, f"B00{i}", "elderly", T) for i in range(2, 6)]
    calls = [_t(i, f"B00{i}", "elderly", T + i, window=1) for i in range(2, 6)]
    # C001 is not for window 1, A006 was issued while the fourth call was already running.
    assert _interleave(issued, calls, {1: ["A", "B"]}, burst=3) == (0, [])


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([3.0], 99) == 3.0
