"""取号/叫号 at the counter: numbering, routing, priorities, counter actions and concurrent windows."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from app import audit
from app.errors import DomainError, PermissionDenied, ValidationError
from app.model import AuditEvent, QueueCategory, Role, Station, Ticket, Window
from app.services import queue as q
from app.services.actor import Actor
from app.storage.db import Database

ST = "H1"
CLERK = Actor(username="wang", role=Role.CLERK, display_name="王小窗")
INSTALLER = Actor(username="impl", role=Role.INSTALLER)
# 09:00 Beijing time on a Monday.
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
DAY = "2026-11-23"
WINDOWS = {1: ["A", "B"], 2: ["B", "A"], 3: ["C"], 4: ["A", "B", "C"]}


class Clock:
    """Moments one second apart, so issue and call order are unambiguous."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        self.t += dt.timedelta(seconds=1)
        return self.t


@pytest.fixture
def hall(db: Database) -> Database:
    with db.session() as s:
        station = Station(code=ST, name="测试大厅", mode="hall")
        for n, cats in WINDOWS.items():
            station.windows.append(Window(number=n, name=f"{n}号窗口", categories=cats))
        s.add(station)
        s.flush()
        q.ensure_default_categories(s, ST)
    return db


@pytest.fixture
def clock() -> Clock:
    return Clock()


def run(db: Database, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """One service call in its own transaction, as a screen would make it."""
    with db.session() as s:
        return fn(s, *args, **kw)


def issue(db: Database, clock: Clock, category: str = "A", priority: str = "normal") -> q.TicketView:
    view: q.TicketView = run(
        db, q.issue_ticket, station_code=ST, category=category, priority=priority, now=clock()
    )
    return view


def call(db: Database, clock: Clock, window: int, **kw: Any) -> q.TicketView | None:
    view: q.TicketView | None = run(
        db, q.call_next, CLERK, station_code=ST, window_number=window, now=clock(), **kw
    )
    return view


def act(db: Database, clock: Clock, fn: Callable[..., Any], window: int, **kw: Any) -> q.TicketView:
    view: q.TicketView = run(db, fn, CLERK, station_code=ST, window_number=window, now=clock(), **kw)
    return view


def serve(db: Database, clock: Clock, window: int) -> None:
    act(db, clock, q.start_service, window)
    act(db, clock, q.finish, window)


def set_category(db: Database, code: str, **fields: Any) -> None:
    with db.session() as s:
        cat = s.execute(select(QueueCategory).where(QueueCategory.code == code)).scalar_one()
        for k, v in fields.items():
            setattr(cat, k, v)


def audit_actions(db: Database, entity_id: str) -> list[str]:
    with db.session() as s:
        return list(
            s.execute(
                select(AuditEvent.action).where(AuditEvent.entity_id == entity_id).order_by(AuditEvent.seq)
            ).scalars()
        )


# --- Categories and numbering -------------------------------------------------------------------


def test_default_categories_are_created_once_in_hall_order(hall: Database) -> None:
    run(hall, q.ensure_default_categories, ST)
    cats = run(hall, q.waiting_by_category, station_code=ST)
    assert [(c.code, c.name, c.waiting) for c in cats] == [
        ("A", "综合受理", 0),
        ("B", "社保医保", 0),
        ("C", "民政残联", 0),
        ("D", "市场准入", 0),
        ("E", "不动产与建设", 0),
        ("F", "公安户政", 0),
    ]


def test_defaults_do_not_touch_a_station_with_its_own_categories(db: Database) -> None:
    with db.session() as s:
        station = Station(code="S2", name="村站")
        s.add(station)
        s.flush()
        s.add(QueueCategory(station_id=station.id, code="Z", name="代办"))
    run(db, q.ensure_default_categories, "S2")
    assert [c.code for c in run(db, q.waiting_by_category, station_code="S2")] == ["Z"]


def test_numbers_are_prefix_and_three_digits_per_category_and_restart_each_day(
    hall: Database, clock: Clock
) -> None:
    first = issue(hall, clock, "A")
    assert (first.number, first.category, first.category_name, first.state) == (
        "A001",
        "A",
        "综合受理",
        "waiting",
    )
    assert first.window_number is None and first.called_at is None and first.recall_count == 0
    assert [issue(hall, clock, c).number for c in "ABAC"] == ["A002", "B001", "A003", "C001"]
    next_day = Clock(T0 + dt.timedelta(days=1))
    assert issue(hall, next_day, "A").number == "A001"
    assert audit_actions(hall, f"A001@{DAY}") == ["ticket.issue"]


def test_service_day_is_the_beijing_date(hall: Database) -> None:
    # 2026-11-23 17:30 UTC is already 01:30 on the 24th in Beijing: a new service day.
    late = Clock(dt.datetime(2026, 11, 23, 17, 30, tzinfo=dt.UTC))
    issue(hall, Clock(), "A")
    t = issue(hall, late, "A")
    assert t.number == "A001"
    with hall.session() as s:
        assert s.get(Ticket, t.id).service_day == dt.date(2026, 11, 24)  # type: ignore[union-attr]


def test_start_and_step(hall: Database, clock: Clock) -> None:
    set_category(hall, "B", start=100, step=5)
    assert [issue(hall, clock, "B").number for _ in range(3)] == ["B100", "B105", "B110"]


def test_wrap_never_repeats_a_number_of_the_same_day(hall: Database, clock: Clock) -> None:
    set_category(hall, "A", wrap_at=3)
    assert [issue(hall, clock).number for _ in range(3)] == ["A001", "A002", "A003"]
    with pytest.raises(DomainError, match=r"^今日A类号已发完（A001–A003 已全部发出）"):
        issue(hall, clock)
    # Raising the limit during the day continues after the last number instead of restarting.
    set_category(hall, "A", wrap_at=5)
    assert issue(hall, clock).number == "A004"
    # After the wrap point numbering starts again at ``start``, skipping numbers already out today.
    set_category(hall, "A", wrap_at=4, start=2)
    with pytest.raises(DomainError, match="今日A类号已发完"):
        issue(hall, clock)
    next_day = Clock(T0 + dt.timedelta(days=1))
    assert [issue(hall, next_day).number for _ in range(3)] == ["A002", "A003", "A004"]
    with pytest.raises(DomainError, match="A002–A004 已全部发出"):
        issue(hall, next_day)


def test_wrap_restarts_at_start_when_that_number_is_free(hall: Database, clock: Clock) -> None:
    set_category(hall, "A", start=1, step=2, wrap_at=5)
    assert [issue(hall, clock).number for _ in range(3)] == ["A001", "A003", "A005"]
    # The hall switches to even numbers mid-day: after the wrap point it starts again at the new start.
    set_category(hall, "A", start=2)
    assert [issue(hall, clock).number for _ in range(2)] == ["A002", "A004"]


def test_wrap_limit_above_999_keeps_three_digits(hall: Database, clock: Clock) -> None:
    set_category(hall, "A", start=998, wrap_at=5000)
    assert [issue(hall, clock).number for _ in range(2)] == ["A998", "A999"]
    with pytest.raises(DomainError, match="A998–A999 已全部发出"):
        issue(hall, clock)


def test_daily_cap(hall: Database, clock: Clock) -> None:
    set_category(hall, "A", daily_cap=2)
    issue(hall, clock)
    issue(hall, clock)
    with pytest.raises(DomainError, match=r"^今日A类号已发完（每日限 2 个），请明日再来"):
        issue(hall, clock)
    assert issue(hall, clock, "B").number == "B001"  # other categories are not capped
    assert issue(hall, Clock(T0 + dt.timedelta(days=1))).number == "A001"
    with hall.session() as s:
        assert len(s.execute(select(Ticket).where(Ticket.category == "A")).all()) == 3


def test_opening_hours(hall: Database) -> None:
    set_category(hall, "A", opens_at=dt.time(8, 30), closes_at=dt.time(17, 0))
    at_8 = Clock(dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC) - dt.timedelta(seconds=1))  # 08:00 Beijing
    with pytest.raises(DomainError, match=r"综合受理（A类）取号时间为 08:30–17:00，现在不能取号"):
        issue(hall, at_8)
    at_17 = Clock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC) - dt.timedelta(seconds=1))  # 17:00 Beijing
    with pytest.raises(DomainError, match="08:30–17:00"):
        issue(hall, at_17)
    assert issue(hall, Clock()).number == "A001"  # 09:00
    set_category(hall, "A", closes_at=None)
    with pytest.raises(DomainError, match="取号时间为 08:30 起"):
        issue(hall, at_8)
    set_category(hall, "A", opens_at=None, closes_at=dt.time(8, 0))
    with pytest.raises(DomainError, match="取号时间为 08:00 前"):
        issue(hall, Clock())


def test_issue_refusals(hall: Database, clock: Clock) -> None:
    with pytest.raises(DomainError, match="本站点没有“X”类号"):
        issue(hall, clock, "X")
    set_category(hall, "B", active=False)
    with pytest.raises(DomainError, match=r"社保医保（B类）暂停取号"):
        issue(hall, clock, "B")
    with pytest.raises(ValidationError, match="未知的优先类型") as exc:
        issue(hall, clock, "A", priority="vip")
    assert exc.value.field == "priority"
    with pytest.raises(DomainError, match="找不到站点 NOPE"):
        run(hall, q.issue_ticket, station_code="NOPE", category="A", now=clock())
    assert [c.code for c in run(hall, q.waiting_by_category, station_code=ST)] == ["A", "C", "D", "E", "F"]


# --- Calling -----------------------------------------------------------------------------------


def test_window_serves_its_categories_in_listed_order(hall: Database, clock: Clock) -> None:
    a1 = issue(hall, clock, "A")
    b1 = issue(hall, clock, "B")
    c1 = issue(hall, clock, "C")
    got = call(hall, clock, 2)  # window 2 serves B before A
    assert got is not None
    assert (got.number, got.state, got.window_number, got.category_name) == (
        b1.number,
        "called",
        2,
        "社保医保",
    )
    assert got.called_at is not None
    got1 = call(hall, clock, 1)  # window 1 serves A first
    assert got1 is not None and got1.number == a1.number
    assert call(hall, clock, 3) is not None  # C only
    serve(hall, clock, 3)
    assert call(hall, clock, 3) is None  # nobody waiting for C any more
    assert c1.number == "C001"
    assert audit_actions(hall, f"B001@{DAY}") == ["ticket.issue", "ticket.call"]


def test_window_does_not_call_categories_it_does_not_serve(hall: Database, clock: Clock) -> None:
    issue(hall, clock, "D")
    assert call(hall, clock, 1) is None
    assert run(hall, q.current_ticket, station_code=ST, window_number=1) is None


def test_yesterdays_waiting_tickets_are_not_called(hall: Database) -> None:
    issue(hall, Clock(T0 - dt.timedelta(days=1)), "A")
    assert call(hall, Clock(), 1) is None


def test_oldest_ticket_first_within_a_category(hall: Database, clock: Clock) -> None:
    numbers = [issue(hall, clock, "A").number for _ in range(3)]
    called = []
    for _ in range(3):
        t = call(hall, clock, 1)
        assert t is not None
        called.append(t.number)
        serve(hall, clock, 1)
    assert called == numbers


def test_priority_tickets_go_first(hall: Database, clock: Clock) -> None:
    issue(hall, clock, "A")
    issue(hall, clock, "B")
    green = issue(hall, clock, "B", priority="green")
    t = call(hall, clock, 1)  # window 1 prefers A, but a priority B ticket beats a normal A one
    assert t is not None and (t.number, t.priority) == (green.number, "green")


def test_interleave_normal_after_burst_of_priority_calls(hall: Database, clock: Clock) -> None:
    for _ in range(3):
        issue(hall, clock, "A")
    kinds = ["elderly", "disabled", "appointment", "green", "elderly"]
    for kind in kinds:
        issue(hall, clock, "A", priority=kind)
    order = []
    while (t := call(hall, clock, 1)) is not None:
        order.append(t.number if t.priority == "normal" else "P")
        serve(hall, clock, 1)
    # 3 priority, then one normal, then the last 2 priority, then the normal ones left.
    assert order == ["P", "P", "P", "A001", "P", "P", "A002", "A003"]


def test_interleave_burst_is_a_keyword(hall: Database, clock: Clock) -> None:
    for _ in range(2):
        issue(hall, clock, "A")
        issue(hall, clock, "A", priority="elderly")
    issue(hall, clock, "A", priority="elderly")
    order = []
    while (t := call(hall, clock, 1, priority_burst=1)) is not None:
        order.append(t.priority)
        serve(hall, clock, 1)
    assert order == ["elderly", "normal", "elderly", "normal", "elderly"]


def test_priority_keeps_going_when_no_normal_ticket_waits(hall: Database, clock: Clock) -> None:
    for _ in range(5):
        issue(hall, clock, "C", priority="elderly")
    for _ in range(5):
        t = call(hall, clock, 3, priority_burst=2)
        assert t is not None and t.priority == "elderly"
        serve(hall, clock, 3)


def test_window_holds_one_ticket_at_a_time(hall: Database, clock: Clock) -> None:
    issue(hall, clock)
    issue(hall, clock)
    call(hall, clock, 1)
    with pytest.raises(DomainError, match="本窗口还有未办结的号 A001，请先办结、过号或转移它"):
        call(hall, clock, 1)
    with pytest.raises(DomainError, match="本窗口还有未办结的号 A001"):
        act(hall, clock, q.call_number, 1, number="A002")
    act(hall, clock, q.start_service, 1)
    with pytest.raises(DomainError, match="本窗口还有未办结的号 A001"):
        call(hall, clock, 1)


def test_paused_window_cannot_call_but_can_finish(hall: Database, clock: Clock) -> None:
    issue(hall, clock)
    issue(hall, clock)
    call(hall, clock, 1)
    act(hall, clock, q.start_service, 1)
    run(hall, q.set_paused, CLERK, station_code=ST, window_number=1, paused=True, reason="系统维护")
    with hall.session() as s:
        w = s.execute(select(Window).where(Window.number == 1)).scalar_one()
        assert (w.paused, w.paused_reason) == (True, "系统维护")
    assert act(hall, clock, q.finish, 1).state == "done"
    with pytest.raises(DomainError, match=r"^本窗口已暂停服务"):
        call(hall, clock, 1)
    with pytest.raises(DomainError, match=r"^本窗口已暂停服务"):
        act(hall, clock, q.call_number, 1, number="A002")
    run(hall, q.set_paused, CLERK, station_code=ST, window_number=1, paused=False)
    t = call(hall, clock, 1)
    assert t is not None and t.number == "A002"
    assert audit_actions(hall, f"{ST}-1") == ["window.pause", "window.resume"]


def test_call_a_specific_number(hall: Database, clock: Clock) -> None:
    issue(hall, clock, "A")
    issue(hall, clock, "D")
    t = act(hall, clock, q.call_number, 1, number=" d001 ")  # out of order, and not a category of window 1
    assert (t.number, t.state, t.window_number) == ("D001", "called", 1)
    with pytest.raises(DomainError, match="D001 号正在1号窗口办理，不能重复呼叫"):
        act(hall, clock, q.call_number, 2, number="D001")
    with pytest.raises(DomainError, match="今天没有发出 A009 号"):
        act(hall, clock, q.call_number, 2, number="A009")
    with pytest.raises(ValidationError, match="请输入要呼叫的号码"):
        act(hall, clock, q.call_number, 2, number="  ")
    serve(hall, clock, 1)
    with pytest.raises(DomainError, match="D001 号已办结，不能再呼叫"):
        act(hall, clock, q.call_number, 2, number="D001")


# --- Actions on the current ticket -------------------------------------------------------------


def test_recall_counts_and_then_asks_for_no_show(hall: Database, clock: Clock) -> None:
    issue(hall, clock)
    call(hall, clock, 1)
    for n in (1, 2):
        assert act(hall, clock, q.recall, 1, max_recalls=2).recall_count == n
    with pytest.raises(DomainError, match="A001 号已重呼 2 次仍未到窗口，请标记过号后叫下一位"):
        act(hall, clock, q.recall, 1, max_recalls=2)
    gone = act(hall, clock, q.no_show, 1)
    assert (gone.state, gone.window_number, gone.recall_count) == ("no_show", 1, 2)
    assert run(hall, q.current_ticket, station_code=ST, window_number=1) is None
    assert audit_actions(hall, f"A001@{DAY}") == [
        "ticket.issue",
        "ticket.call",
        "ticket.recall",
        "ticket.recall",
        "ticket.no_show",
    ]


def test_no_show_can_be_called_back_by_number(hall: Database, clock: Clock) -> None:
    issue(hall, clock)
    call(hall, clock, 1)
    act(hall, clock, q.recall, 1)
    act(hall, clock, q.no_show, 1)
    back = act(hall, clock, q.call_number, 2, number="A001")
    assert (back.state, back.window_number, back.recall_count) == ("called", 2, 0)


def test_recall_and_no_show_only_while_called(hall: Database, clock: Clock) -> None:
    with pytest.raises(DomainError, match="本窗口当前没有已叫的号，无法重呼"):
        act(hall, clock, q.recall, 1)
    issue(hall, clock)
    call(hall, clock, 1)
    act(hall, clock, q.start_service, 1)
    with pytest.raises(DomainError, match="A001 号已在办理中，不需要重呼"):
        act(hall, clock, q.recall, 1)
    with pytest.raises(DomainError, match="A001 号已开始办理，不能标记过号"):
        act(hall, clock, q.no_show, 1)
    with pytest.raises(DomainError, match="A001 号已在办理中"):
        act(hall, clock, q.start_service, 1)


def test_start_and_finish(hall: Database, clock: Clock) -> None:
    issue(hall, clock)
    called = call(hall, clock, 1)
    with pytest.raises(DomainError, match="A001 号还未开始办理，请先点“开始办理”"):
        act(hall, clock, q.finish, 1)
    serving = act(hall, clock, q.start_service, 1)
    assert serving.state == "serving"
    assert run(hall, q.current_ticket, station_code=ST, window_number=1) == serving
    done = act(hall, clock, q.finish, 1)
    assert (done.state, done.window_number) == ("done", 1)
    assert called is not None and done.called_at == called.called_at
    with hall.session() as s:
        row = s.get(Ticket, done.id)
        assert row is not None and row.started_at is not None and row.finished_at is not None
        assert row.issued_at < row.called_at < row.started_at < row.finished_at  # type: ignore[operator]
    with pytest.raises(DomainError, match="本窗口当前没有已叫的号，无法办结"):
        act(hall, clock, q.finish, 1)
    assert audit_actions(hall, f"A001@{DAY}") == [
        "ticket.issue",
        "ticket.call",
        "ticket.start",
        "ticket.finish",
    ]


def test_transfer_to_category_keeps_number_and_issue_order(hall: Database, clock: Clock) -> None:
    issue(hall, clock, "B")  # B001, before A001
    a1 = issue(hall, clock, "A")
    issue(hall, clock, "B")  # B002, after A001
    t = call(hall, clock, 1)
    assert t is not None and t.number == "A001"
    moved = act(hall, clock, q.transfer, 1, to_category="b")
    assert (moved.number, moved.category, moved.category_name, moved.state) == (
        "A001",
        "B",
        "社保医保",
        "waiting",
    )
    assert moved.window_number is None and moved.called_at is None and moved.issued_at == a1.issued_at
    assert run(hall, q.current_ticket, station_code=ST, window_number=1) is None
    order = []
    while (n := call(hall, clock, 2)) is not None:
        order.append(n.number)
        serve(hall, clock, 2)
    assert order == ["B001", "A001", "B002"]  # by issue time, the transferred ticket kept its place
    with hall.session() as s:
        row = s.get(Ticket, a1.id)
        assert row is not None and row.transferred_from == "category A"
    assert "ticket.transfer" in audit_actions(hall, f"A001@{DAY}")


def test_transfer_to_window_goes_only_to_that_window_and_first(hall: Database, clock: Clock) -> None:
    issue(hall, clock, "A")  # A001
    issue(hall, clock, "A")  # A002
    issue(hall, clock, "C")  # C001: window 3 serves only C
    call(hall, clock, 1)  # A001
    act(hall, clock, q.start_service, 1)
    moved = act(hall, clock, q.transfer, 1, to_window=3)
    assert (moved.number, moved.state, moved.category) == ("A001", "waiting", "A")
    nxt = call(hall, clock, 4)  # window 4 serves A too, but not the ticket sent to window 3
    assert nxt is not None and nxt.number == "A002"
    first = call(hall, clock, 3)
    assert first is not None and (first.number, first.window_number) == ("A001", 3)
    serve(hall, clock, 3)
    then = call(hall, clock, 3)
    assert then is not None and then.number == "C001"
    with hall.session() as s:
        row = s.get(Ticket, moved.id)
        assert row is not None and (row.transferred_from, row.target_window_number) == ("window 1", None)


def test_window_without_categories_takes_only_transfers(hall: Database, clock: Clock) -> None:
    with hall.session() as s:
        station = s.execute(select(Station).where(Station.code == ST)).scalar_one()
        s.add(Window(station_id=station.id, number=9, name="专窗", categories=[]))
    issue(hall, clock, "A")
    issue(hall, clock, "A")
    assert call(hall, clock, 9) is None
    call(hall, clock, 1)
    act(hall, clock, q.transfer, 1, to_window=9)
    t = call(hall, clock, 9)
    assert t is not None and (t.number, t.window_number) == ("A001", 9)


def test_transfer_refusals(hall: Database, clock: Clock) -> None:
    issue(hall, clock)
    with pytest.raises(DomainError, match="本窗口当前没有已叫的号，无法转移"):
        act(hall, clock, q.transfer, 1, to_category="B")
    call(hall, clock, 1)
    with pytest.raises(ValidationError, match="二选一"):
        act(hall, clock, q.transfer, 1)
    with pytest.raises(ValidationError, match="二选一"):
        act(hall, clock, q.transfer, 1, to_category="B", to_window=2)
    with pytest.raises(DomainError, match="不能转到本窗口"):
        act(hall, clock, q.transfer, 1, to_window=1)
    with pytest.raises(DomainError, match="本站点没有8号窗口"):
        act(hall, clock, q.transfer, 1, to_window=8)
    with pytest.raises(DomainError, match="本站点没有“X”类号"):
        act(hall, clock, q.transfer, 1, to_category="X")
    current = run(hall, q.current_ticket, station_code=ST, window_number=1)
    assert current is not None and current.state == "called"  # nothing changed


def test_park_and_call_back(hall: Database, clock: Clock) -> None:
    issue(hall, clock)
    issue(hall, clock)
    call(hall, clock, 1)
    act(hall, clock, q.start_service, 1)
    parked = act(hall, clock, q.park, 1)
    assert (parked.number, parked.state) == ("A001", "parked")
    nxt = call(hall, clock, 1)  # the window is free; a parked ticket is not called by "next"
    assert nxt is not None and nxt.number == "A002"
    serve(hall, clock, 1)
    assert call(hall, clock, 1) is None
    back = act(hall, clock, q.call_number, 1, number="A001")
    assert (back.state, back.window_number) == ("called", 1)


def test_cancel(hall: Database, clock: Clock) -> None:
    issue(hall, clock)
    call(hall, clock, 1)
    gone = act(hall, clock, q.cancel, 1)
    assert gone.state == "cancelled"
    with pytest.raises(DomainError, match="A001 号已取消，不能再呼叫"):
        act(hall, clock, q.call_number, 1, number="A001")
    assert audit_actions(hall, f"A001@{DAY}")[-1] == "ticket.cancel"


def test_waiting_counts(hall: Database, clock: Clock) -> None:
    for c in "AABC":
        issue(hall, clock, c)
    call(hall, clock, 1)
    counts = {c.code: c.waiting for c in run(hall, q.waiting_by_category, station_code=ST, now=clock())}
    assert counts == {"A": 1, "B": 1, "C": 1, "D": 0, "E": 0, "F": 0}


def test_unknown_or_inactive_window(hall: Database, clock: Clock) -> None:
    with pytest.raises(DomainError, match="本站点没有7号窗口"):
        call(hall, clock, 7)
    with hall.session() as s:
        s.execute(select(Window).where(Window.number == 2)).scalar_one().active = False
    with pytest.raises(DomainError, match="2号窗口已停用"):
        call(hall, clock, 2)


@pytest.mark.parametrize(
    ("fn", "kw"),
    [
        (q.call_next, {}),
        (q.call_number, {"number": "A001"}),
        (q.recall, {}),
        (q.no_show, {}),
        (q.start_service, {}),
        (q.finish, {}),
        (q.transfer, {"to_category": "B"}),
        (q.park, {}),
        (q.cancel, {}),
        (q.set_paused, {"paused": True}),
    ],
)
def test_installer_cannot_work_the_counter(
    hall: Database, clock: Clock, fn: Callable[..., Any], kw: Any
) -> None:
    issue(hall, clock)
    call(hall, clock, 1)
    with pytest.raises(PermissionDenied, match="当前账号（实施人员）无权"):
        run(hall, fn, INSTALLER, station_code=ST, window_number=1, **kw)


def test_station_staff_and_supervisor_can_call(hall: Database, clock: Clock) -> None:
    issue(hall, clock)
    issue(hall, clock)
    staff = Actor(username="li", role=Role.STATION_STAFF)
    boss = Actor(username="zhao", role=Role.SUPERVISOR)
    assert run(hall, q.call_next, staff, station_code=ST, window_number=1, now=clock()) is not None
    assert run(hall, q.call_next, boss, station_code=ST, window_number=2, now=clock()) is not None
    with hall.session() as s:
        actors = set(s.execute(select(AuditEvent.actor).where(AuditEvent.action == "ticket.call")).scalars())
        assert actors == {"li", "zhao"}
        assert audit.verify(s).ok


# --- Concurrency ---------------------------------------------------------------------------------


def test_concurrent_windows_never_call_the_same_ticket(hall: Database) -> None:
    """2 kiosks issue while 4 windows call at once; every ticket is called exactly once."""
    per_kiosk = 12
    kiosk_done = threading.Event()
    issued: list[str] = []
    served: dict[int, list[str]] = {n: [] for n in WINDOWS}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def kiosk(i: int) -> None:
        for n in range(per_kiosk):
            t = run(hall, q.issue_ticket, station_code=ST, category="AB"[(i + n) % 2],
                    priority="elderly" if n % 4 == 0 else "normal")  # fmt: skip
            with lock:
                issued.append(t.number)

    def window(n: int) -> None:
        idle = 0
        while idle < 3:
            t = run(hall, q.call_next, CLERK, station_code=ST, window_number=n)
            if t is None:
                if kiosk_done.is_set():
                    idle += 1
                time.sleep(0.005)  # let the kiosks in
                continue
            served[n].append(t.number)
            run(hall, q.start_service, CLERK, station_code=ST, window_number=n)
            run(hall, q.finish, CLERK, station_code=ST, window_number=n)

    def guard(target: Callable[[int], None], arg: int) -> None:
        try:
            target(arg)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    kiosks = [threading.Thread(target=guard, args=(kiosk, i)) for i in range(2)]
    windows = [threading.Thread(target=guard, args=(window, n)) for n in WINDOWS]
    for t in kiosks + windows:
        t.start()
    for t in kiosks:
        t.join(timeout=120)
    kiosk_done.set()
    for t in windows:
        t.join(timeout=120)
    assert errors == []
    called = [num for nums in served.values() for num in nums]
    assert len(issued) == len(set(issued)) == 2 * per_kiosk
    assert Counter(called) == Counter(issued)  # no ticket called twice, none lost
    with hall.session() as s:
        states = set(s.execute(select(Ticket.state)).scalars())
        assert states == {"done"}
        calls = Counter(
            s.execute(select(AuditEvent.entity_id).where(AuditEvent.action == "ticket.call")).scalars()
        )
        assert set(calls.values()) == {1}
        assert audit.verify(s).ok
