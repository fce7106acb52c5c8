"""好差评: recording ratings with their links, the bad-review rules, and the follow-up list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from app import audit
from app.errors import DomainError, PermissionDenied, ValidationError
from app.model import AuditEvent, CalendarOverride, Clerk, Evaluation, OutboxEvent, Role, Station, Window
from app.services import evaluations as ev
from app.services import queue as q
from app.services.actor import Actor
from app.storage.db import Database

ST = "H1"
# 10:00 Beijing time, Friday 2026-11-20.
T0 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
SUPERVISOR = Actor(username="zhang", role=Role.SUPERVISOR, display_name="张值班")


@pytest.fixture
def hall(db: Database) -> tuple[Database, Actor]:
    with db.session() as s:
        station = Station(code=ST, name="测试大厅", mode="hall")
        station.windows.append(Window(number=3, name="3号综合窗口", categories=["A"]))
        station.windows.append(Window(number=4, name="4号综合窗口", categories=["A"]))
        s.add(station)
        s.flush()
        clerk = Clerk(username="wang", display_name="王小窗", role=Role.CLERK.value, station_id=station.id)
        s.add(clerk)
        s.flush()
        q.ensure_default_categories(s, ST)
        actor = Actor(username="wang", role=Role.CLERK, clerk_id=clerk.id, display_name="王小窗")
    return db, actor


def serve_one(db: Database, actor: Actor, *, window: int = 3, start: dt.datetime = T0) -> q.TicketView:
    """Issue, call, start and finish one A ticket at ``window``; returns the finished ticket."""
    steps: list[tuple[Any, dict[str, Any]]] = [
        (q.call_next, {}),
        (q.start_service, {}),
        (q.finish, {}),
    ]
    with db.session() as s:
        q.issue_ticket(s, station_code=ST, category="A", now=start)
    view = None
    for i, (fn, kw) in enumerate(steps, start=1):
        with db.session() as s:
            view = fn(
                s, actor, station_code=ST, window_number=window, now=start + dt.timedelta(minutes=i), **kw
            )
    assert view is not None
    return view


def test_a_rating_links_ticket_window_and_clerk_and_goes_to_the_outbox(hall: tuple[Database, Actor]) -> None:
    db, clerk = hall
    ticket = serve_one(db, clerk)
    with db.session() as s:
        view = ev.record_evaluation(s, None, level=1, ticket_id=ticket.id, now=T0 + dt.timedelta(minutes=5))
    assert view.level_label == "非常满意" and not view.is_bad
    with db.session() as s:
        row = s.execute(select(Evaluation)).scalar_one()
        window = s.get(Window, row.window_id)
        assert window is not None and window.number == 3
        assert row.clerk_id == clerk.clerk_id and row.ticket_id == ticket.id
        assert row.channel == "政务大厅其他终端"
        event = s.execute(select(OutboxEvent).where(OutboxEvent.aggregate == "evaluation")).scalar_one()
        assert event.aggregate_uuid == view.uuid and event.kind == "evaluation.recorded"
        assert event.payload["level"] == 1 and event.payload["ticket_number"] == "A001"
        assert event.payload["window_number"] == 3 and event.payload["clerk_name"] == "王小窗"
        last = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
        assert (last.action, last.actor, last.entity_id) == ("evaluation.record", "evaluator", str(view.id))
        assert audit.verify(s).ok


@pytest.mark.parametrize("level", [4, 5])
def test_a_bad_rating_without_a_reason_is_refused_and_nothing_is_written(
    hall: tuple[Database, Actor], level: int
) -> None:
    db, _ = hall
    with db.session() as s, pytest.raises(ValidationError) as info:
        ev.record_evaluation(s, None, level=level, comment="不好", station_code=ST, window_number=3)
    assert "请至少勾选一项原因" in str(info.value) and info.value.field == "reasons"
    with db.session() as s:
        assert s.execute(select(Evaluation)).first() is None
        assert s.execute(select(OutboxEvent)).first() is None


def test_a_bad_rating_with_reasons_keeps_them_in_list_order_once(hall: tuple[Database, Actor]) -> None:
    db, _ = hall
    with db.session() as s:
        view = ev.record_evaluation(
            s,
            None,
            level=5,
            reasons=["多次跑动", "办事效率低", "多次跑动"],
            comment="  跑了三趟  ",
            station_code=ST,
            window_number=4,
        )
    assert view.reasons == ("办事效率低", "多次跑动") and view.comment == "跑了三趟" and view.is_bad


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": 0}, "请选择满意程度"),
        ({"level": 6}, "请选择满意程度"),
        ({"level": 4, "reasons": ["太冷了"]}, "不是可选的评价原因"),
        ({"level": 4, "reasons": ["其他"]}, "写明具体问题"),
        ({"level": 2, "reasons": ["服务态度差"]}, "无需选择不满意原因"),
        ({"level": 1, "comment": "好" * 501}, "最多 500 个字"),
        ({"level": 1, "channel": "微信"}, "未知的评价渠道"),
    ],
)
def test_invalid_ratings_say_what_to_fix(
    hall: tuple[Database, Actor], kwargs: dict[str, Any], message: str
) -> None:
    db, _ = hall
    with db.session() as s, pytest.raises(ValidationError, match=message):
        ev.record_evaluation(s, None, **kwargs)


def test_other_with_a_comment_is_accepted(hall: tuple[Database, Actor]) -> None:
    db, _ = hall
    with db.session() as s:
        view = ev.record_evaluation(s, None, level=4, reasons=["其他"], comment="大厅没有饮水机")
    assert view.reasons == ("其他",)


def test_one_visit_is_rated_once(hall: tuple[Database, Actor]) -> None:
    db, clerk = hall
    ticket = serve_one(db, clerk)
    with db.session() as s:
        ev.record_evaluation(s, None, level=2, ticket_id=ticket.id)
    with db.session() as s, pytest.raises(DomainError, match="已经评价过了"):
        ev.record_evaluation(s, None, level=1, ticket_id=ticket.id)


def test_unknown_links_are_refused(hall: tuple[Database, Actor]) -> None:
    db, _ = hall
    with db.session() as s, pytest.raises(DomainError, match="没有9号窗口"):
        ev.record_evaluation(s, None, level=1, station_code=ST, window_number=9)
    with db.session() as s, pytest.raises(DomainError, match="排队号已不存在"):
        ev.record_evaluation(s, None, level=1, ticket_id=999)
    with db.session() as s, pytest.raises(DomainError, match="工作人员账号不存在"):
        ev.record_evaluation(s, None, level=1, clerk_id=999)


def test_the_rating_target_is_the_current_visit_then_the_last_finished_one(
    hall: tuple[Database, Actor],
) -> None:
    db, clerk = hall
    with db.session() as s:
        empty = ev.rating_target(s, station_code=ST, window_number=3, now=T0)
    assert empty.ticket_id is None and empty.clerk_name == "" and empty.window_name == "3号综合窗口"
    ticket = serve_one(db, clerk)
    just_after = T0 + dt.timedelta(minutes=5)
    with db.session() as s:
        target = ev.rating_target(s, station_code=ST, window_number=3, now=just_after)
    assert (target.ticket_number, target.clerk_name, target.already_rated) == ("A001", "王小窗", False)
    assert target.ticket_id == ticket.id and target.clerk_id == clerk.clerk_id
    with db.session() as s:
        ev.record_evaluation(s, None, level=1, ticket_id=ticket.id)
        assert ev.rating_target(s, station_code=ST, window_number=3, now=just_after).already_rated
        later = ev.rating_target(s, station_code=ST, window_number=3, now=T0 + dt.timedelta(hours=1))
    assert later.ticket_id is None  # the visit is long over: nobody to rate
    with db.session() as s:
        other = ev.rating_target(s, station_code=ST, window_number=4, now=just_after)
    assert other.ticket_id is None


def test_bad_reviews_get_a_deadline_in_working_days_and_turn_overdue(hall: tuple[Database, Actor]) -> None:
    db, clerk = hall
    ticket = serve_one(db, clerk)
    with db.session() as s:
        # A local holiday on Monday pushes the deadline by one working day.
        s.add(CalendarOverride(day=dt.date(2026, 11, 23), is_workday=False))
        ev.record_evaluation(s, None, level=4, reasons=["服务态度差"], ticket_id=ticket.id, now=T0)
        ev.record_evaluation(s, None, level=3, station_code=ST, window_number=3, now=T0)
    with db.session() as s:
        (review,) = ev.bad_reviews(s, rectify_days=5, today=dt.date(2026, 11, 20))
        # Friday + 5 working days, Monday off: Tue 24 … Mon 30.
        assert review.deadline == dt.date(2026, 11, 30)
        assert (review.level_label, review.reasons, review.window_number) == ("不满意", ("服务态度差",), 3)
        assert (review.clerk_name, review.ticket_number) == ("王小窗", "A001")
        assert review.working_days_left == 5 and not review.overdue
        on_deadline = ev.bad_reviews(s, rectify_days=5, today=dt.date(2026, 11, 30))[0]
        assert on_deadline.working_days_left == 0 and not on_deadline.overdue
        late = ev.bad_reviews(s, rectify_days=5, today=dt.date(2026, 12, 1))[0]
        assert late.overdue and late.working_days_left == -1
        longer = ev.bad_reviews(s, rectify_days=15, today=dt.date(2026, 12, 1))[0]
        assert not longer.overdue
        assert ev.bad_reviews(s, today=dt.date(2026, 12, 1), since=dt.date(2026, 11, 21)) == []


def test_a_rectified_bad_review_is_no_longer_overdue(hall: tuple[Database, Actor]) -> None:
    db, clerk = hall
    with db.session() as s:
        bad = ev.record_evaluation(
            s, None, level=5, reasons=["多次跑动"], station_code=ST, window_number=3, now=T0
        )
        worse = ev.record_evaluation(s, None, level=5, reasons=["办事效率低"], now=T0)
    with db.session() as s, pytest.raises(PermissionDenied):
        ev.mark_rectified(s, clerk, bad.id, note="已回访")
    with db.session() as s, pytest.raises(ValidationError, match="请写明整改情况"):
        ev.mark_rectified(s, SUPERVISOR, bad.id, note="  ")
    with db.session() as s:
        ev.mark_rectified(s, SUPERVISOR, bad.id, note="已电话回访，申请人认可", now=T0 + dt.timedelta(days=2))
    with db.session() as s, pytest.raises(DomainError, match="已登记过整改"):
        ev.mark_rectified(s, SUPERVISOR, bad.id, note="再来一次")
    with db.session() as s:
        reviews = ev.bad_reviews(s, today=dt.date(2026, 12, 31))
        assert [r.evaluation_id for r in reviews] == [worse.id, bad.id]  # open and overdue first
        assert reviews[0].overdue and not reviews[1].overdue
        assert reviews[1].rectified_by == "zhang" and reviews[1].rectify_note == "已电话回访，申请人认可"
        assert [
            r.evaluation_id for r in ev.bad_reviews(s, today=dt.date(2026, 12, 31), include_rectified=False)
        ] == [worse.id]
        assert audit.verify(s).ok


def test_only_bad_reviews_can_be_rectified(hall: tuple[Database, Actor]) -> None:
    db, _ = hall
    with db.session() as s:
        good = ev.record_evaluation(s, None, level=2)
    with db.session() as s, pytest.raises(DomainError, match="找不到这条差评"):
        ev.mark_rectified(s, SUPERVISOR, good.id, note="无")
