"""每日清号: yesterday's unfinished tickets are closed as expired, history and audit kept, once only."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import select

from app import audit
from app.errors import DomainError
from app.model import AuditEvent, Role, Station, Ticket, Window
from app.services import queue as q
from app.services.actor import Actor
from app.services.queue_day import EXPIRED, daily_reset, last_reset_day, reset_due
from app.storage.db import Database

ST = "H1"
CLERK = Actor(username="wang", role=Role.CLERK)
# 09:00 Beijing time on Monday 2026-11-23; the next morning is 09:00 on the 24th.
DAY1 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)


@pytest.fixture
def hall(db: Database) -> Database:
    with db.session() as s:
        station = Station(code=ST, name="测试大厅", mode="hall")
        for n in (1, 2, 3, 4):
            station.windows.append(Window(number=n, name=f"{n}号窗口", categories=["A", "B"]))
        s.add(station)
        s.flush()
        q.ensure_default_categories(s, ST)
    return db


def run(db: Database, fn: Any, *args: Any, **kw: Any) -> Any:
    with db.session() as s:
        return fn(s, *args, **kw)


def at(base: dt.datetime, minutes: int) -> dt.datetime:
    return base + dt.timedelta(minutes=minutes)


def states(db: Database) -> dict[str, str]:
    with db.session() as s:
        rows = s.execute(select(Ticket.number, Ticket.service_day, Ticket.state)).all()
    return {f"{n}@{d.isoformat()}": st for n, d, st in rows}


def day_one_leftovers(db: Database) -> None:
    """Day 1 ends with one ticket in each state a hall leaves behind at closing time."""
    for i in range(7):
        run(db, q.issue_ticket, station_code=ST, category="A", now=at(DAY1, i))
    call = {"station_code": ST}
    for w in (1, 2, 3, 4):
        run(db, q.call_next, CLERK, window_number=w, now=at(DAY1, 10 + w), **call)
    run(db, q.start_service, CLERK, window_number=1, now=at(DAY1, 20), **call)
    run(db, q.finish, CLERK, window_number=1, now=at(DAY1, 21), **call)  # A001 done
    run(db, q.start_service, CLERK, window_number=2, now=at(DAY1, 22), **call)  # A002 serving
    run(db, q.park, CLERK, window_number=3, now=at(DAY1, 23), **call)  # A003 parked
    # A004 stays called at window 4
    run(db, q.call_next, CLERK, window_number=1, now=at(DAY1, 24), **call)
    run(db, q.no_show, CLERK, window_number=1, now=at(DAY1, 25), **call)  # A005 过号
    run(db, q.call_next, CLERK, window_number=3, now=at(DAY1, 26), **call)
    run(db, q.cancel, CLERK, window_number=3, now=at(DAY1, 27), **call)  # A006 cancelled
    # A007 still waiting


def test_reset_expires_unfinished_tickets_of_earlier_days_and_keeps_the_rest(hall: Database) -> None:
    day_one_leftovers(hall)
    run(hall, q.issue_ticket, station_code=ST, category="B", now=at(DAY2, -60 * 8))  # day 2, 01:00 Beijing
    report = run(hall, daily_reset, station_code=ST, now=at(DAY2, -60 * 7))
    d1 = "2026-11-23"
    assert report.service_day == dt.date(2026, 11, 24)
    assert report.expired == (f"A002@{d1}", f"A003@{d1}", f"A004@{d1}", f"A007@{d1}")
    assert report.count == 4
    assert states(hall) == {
        f"A001@{d1}": "done",
        f"A002@{d1}": EXPIRED,
        f"A003@{d1}": EXPIRED,
        f"A004@{d1}": EXPIRED,
        f"A005@{d1}": "no_show",
        f"A006@{d1}": "cancelled",
        f"A007@{d1}": EXPIRED,
        "B001@2026-11-24": "waiting",  # today's ticket is not touched
    }
    with hall.session() as s:
        events = s.execute(
            select(AuditEvent).where(AuditEvent.action == "ticket.expire").order_by(AuditEvent.seq)
        ).scalars()
        assert [(e.entity_id, e.before, e.reason) for e in events] == [
            (f"A002@{d1}", {"state": "serving", "category": "A"}, "每日清号"),
            (f"A003@{d1}", {"state": "parked", "category": "A"}, "每日清号"),
            (f"A004@{d1}", {"state": "called", "category": "A"}, "每日清号"),
            (f"A007@{d1}", {"state": "waiting", "category": "A"}, "每日清号"),
        ]
        assert audit.verify(s).ok
        # History kept: the expired ticket still knows where and when it was called.
        a004 = s.execute(select(Ticket).where(Ticket.number == "A004")).scalars().one()
        assert a004.window_id is not None and a004.called_at is not None


def test_reset_frees_windows_blocked_by_yesterdays_ticket(hall: Database) -> None:
    day_one_leftovers(hall)
    call = {"station_code": ST, "window_number": 2}
    run(hall, q.issue_ticket, station_code=ST, category="A", now=DAY2)
    with pytest.raises(DomainError, match="本窗口还有未办结的号 A002"):
        run(hall, q.call_next, CLERK, now=at(DAY2, 1), **call)
    run(hall, daily_reset, station_code=ST, now=at(DAY2, 2))
    called = run(hall, q.call_next, CLERK, now=at(DAY2, 3), **call)
    assert called is not None and called.number == "A001" and called.issued_at.date() == DAY2.date()


def test_reset_is_idempotent(hall: Database) -> None:
    day_one_leftovers(hall)
    first = run(hall, daily_reset, station_code=ST, now=DAY2)
    second = run(hall, daily_reset, station_code=ST, now=at(DAY2, 5))
    assert first.count == 4 and second.count == 0
    with hall.session() as s:
        n_events = len(
            list(s.execute(select(AuditEvent).where(AuditEvent.action == "ticket.expire")).scalars())
        )
    assert n_events == 4
    assert run(hall, last_reset_day, station_code=ST) == dt.date(2026, 11, 24)


def test_concurrent_resets_expire_each_ticket_once(hall: Database) -> None:
    day_one_leftovers(hall)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            counts.append(run(hall, daily_reset, station_code=ST, now=DAY2).count)
        except BaseException as exc:  # asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(counts) == [0, 0, 4]
    with hall.session() as s:
        assert audit.verify(s).ok


def test_reset_of_an_unknown_station_says_so(hall: Database) -> None:
    with pytest.raises(DomainError, match="找不到站点 X9"):
        run(hall, daily_reset, station_code="X9", now=DAY2)


def test_last_reset_day_is_none_before_the_first_reset(hall: Database) -> None:
    assert run(hall, last_reset_day, station_code=ST) is None


@pytest.mark.parametrize(
    ("beijing", "last", "due"),
    [
        ("00:29", None, False),  # before the configured time
        ("00:30", None, True),
        ("08:00", None, True),
        ("08:00", "2026-11-24", False),  # already ran today
        ("08:00", "2026-11-23", True),  # ran yesterday
        ("23:59", "2026-11-23", True),
    ],
)
def test_reset_due_after_the_configured_beijing_time_once_a_day(
    beijing: str, last: str | None, due: bool
) -> None:
    hh, mm = map(int, beijing.split(":"))
    # 2026-11-24 in Beijing is UTC+8: 00:29 Beijing is 16:29 UTC the day before.
    now = dt.datetime(2026, 11, 24, hh, mm, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.UTC)
    last_day = dt.date.fromisoformat(last) if last else None
    assert reset_due(now, dt.time(0, 30), last_reset_day=last_day) is due


def test_reset_due_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        reset_due(dt.datetime(2026, 11, 24, 8, 0), dt.time(0, 30))
