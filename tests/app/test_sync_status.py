"""The sync log (同步记录) as the clerk reads it, "立即同步" for another sender, and platform steps on the timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from app import audit, outbox
from app.model import Case, MaterialRequirement, OutboxEvent, Role, ServiceItem, Station, utcnow
from app.services.actor import Actor
from app.services.case_flow import open_case
from app.services.cases import case_timeline
from app.services.sync_status import SyncLogRow, change_label, clerk_error, make_due_now, sync_log
from app.storage.db import Database

CLERK = Actor(username="wang", role=Role.CLERK)
STATION = "ST001"
ITEM = "IMPL-LOG-A"


@pytest.fixture
def station(db: Database) -> Database:
    with db.session() as s:
        s.add(Station(code=STATION, name="测试便民服务站"))
        item = ServiceItem(
            basic_code="0000000102",
            impl_code=ITEM,
            name="最低生活保障",
            item_type_code="01",
            department="示范县民政局",
            implementing_body="示范县民政局",
            implementing_body_code="11341122MB0000001X",
            promised_limit=5,
            promised_limit_unit="1",
        )
        item.materials.append(MaterialRequirement(position=0, name="申请人身份证", necessity="1"))
        s.add(item)
    return db


def new_case(db: Database, *, extra_events: int = 1) -> tuple[int, str, str]:
    """A received case with ``extra_events`` more changes queued: id, uuid, local number."""
    with db.session() as s:
        view = open_case(s, CLERK, station_code=STATION, item_impl_code=ITEM)
        for n in range(extra_events):
            outbox.enqueue(
                s, aggregate="case", aggregate_uuid=view.uuid, kind="case.accept", payload={"n": n}
            )
        return view.id, view.uuid, view.local_number


def set_events(db: Database, case_uuid: str, *statuses: str, **values: object) -> None:
    """Give the case's events these statuses in order (what the sender would have done)."""
    with db.session() as s:
        events = s.execute(
            select(OutboxEvent)
            .where(OutboxEvent.aggregate_uuid == case_uuid)
            .order_by(OutboxEvent.aggregate_seq)
        ).scalars()
        for event, status in zip(events, statuses, strict=True):
            event.status = status
            if status == "sent":
                event.sent_at = utcnow()
            for key, value in values.items():
                if status not in ("sent", "pending"):
                    setattr(event, key, value)


def by_number(rows: list[SyncLogRow], number: str) -> SyncLogRow:
    return next(r for r in rows if r.local_number == number)


def test_each_case_is_one_line_that_says_where_it_stands(station: Database) -> None:
    _sent_id, sent, sent_no = new_case(station)
    set_events(station, sent, "sent", "sent")
    _w, waiting, waiting_no = new_case(station)
    later = utcnow() + dt.timedelta(minutes=4)
    set_events(
        station,
        waiting,
        "sent",
        "failed",
        attempts=3,
        next_attempt_at=later,
        last_error="[offline] 无法连接省级平台，请检查网络。",
    )
    _r, refused, refused_no = new_case(station)
    set_events(
        station,
        refused,
        "quarantined",
        "pending",
        attempts=1,
        quarantine_reason="材料页不清晰，请重新扫描。",
        last_error="[rejected 422 blob_corrupt] 材料页不清晰，请重新扫描。",
        quarantined_at=utcnow(),
    )
    _n, _fresh, fresh_no = new_case(station, extra_events=0)

    with station.session() as s:
        rows = sync_log(s)
    assert [r.local_number for r in rows] == [refused_no, waiting_no, fresh_no, sent_no]  # attention first
    done = by_number(rows, sent_no)
    assert (done.state_label, done.events_done, done.events_total, done.last_error) == ("已同步", 2, 2, "")
    retry = by_number(rows, waiting_no)
    assert (retry.state_label, retry.events_done, retry.attempts) == ("等待重试", 1, 3)
    assert retry.next_attempt_at is not None and abs((retry.next_attempt_at - later).total_seconds()) < 1
    assert retry.last_error == "无法连接省级平台，请检查网络。"  # the clerk's words, not the log's codes
    assert retry.last_error_detail.startswith("[offline]")
    quarantined = by_number(rows, refused_no)
    assert (quarantined.state_label, quarantined.last_error) == ("平台退回", "材料页不清晰，请重新扫描。")
    assert quarantined.title == "最低生活保障" and quarantined.case_id is not None
    assert by_number(rows, fresh_no).state_label == "等待发送"


def test_handled_refusals_release_the_case_and_say_so(station: Database) -> None:
    _id, case_uuid, number = new_case(station)
    set_events(station, case_uuid, "handled", "sent")
    with station.session() as s:
        row = by_number(sync_log(s), number)
    assert (row.state, row.state_label, row.events_done) == ("handled", "退回已处理", 2)


def test_evaluations_are_listed_under_the_case_they_rate(station: Database) -> None:
    _id, case_uuid, number = new_case(station, extra_events=0)
    set_events(station, case_uuid, "sent")
    with station.session() as s:
        outbox.enqueue(
            s,
            aggregate="evaluation",
            aggregate_uuid="e0000000-0000-0000-0000-000000000001",
            kind="evaluation.recorded",
            payload={"case_uuid": case_uuid, "level": 5},
        )
        rows = sync_log(s)
    evaluation = next(r for r in rows if r.aggregate == "evaluation")
    assert (evaluation.local_number, evaluation.title, evaluation.case_id) == (number, "满意度评价", None)
    assert evaluation.state == "pending"


def test_the_log_keeps_every_waiting_case_but_only_recent_finished_ones(station: Database) -> None:
    numbers = []
    for n in range(5):
        _id, case_uuid, number = new_case(station, extra_events=0)
        numbers.append(number)
        if n != 0:
            set_events(station, case_uuid, "sent")
    with station.session() as s:
        rows = sync_log(s, recent_finished=2)
    # The oldest case still waits, so it stays; of the four finished only the two newest are listed.
    assert [r.local_number for r in rows] == [numbers[0], numbers[4], numbers[3]]


def test_an_empty_outbox_makes_an_empty_log(station: Database) -> None:
    with station.session() as s:
        assert sync_log(s) == []


def test_make_due_now_brings_only_waiting_retries_forward(station: Database) -> None:
    _a, failed, _n1 = new_case(station, extra_events=0)
    _b, quarantined, _n2 = new_case(station, extra_events=0)
    later = utcnow() + dt.timedelta(hours=1)
    set_events(station, failed, "failed", next_attempt_at=later)
    set_events(station, quarantined, "quarantined", next_attempt_at=later)
    with station.session() as s:
        assert make_due_now(s) == 1
    with station.session() as s:
        due = {
            uuid: at
            for uuid, at in s.execute(select(OutboxEvent.aggregate_uuid, OutboxEvent.next_attempt_at))
        }
    assert due[failed] is None
    assert due[quarantined] is not None  # a refusal waits for the clerk, not for time
    with station.session() as s:
        assert make_due_now(s) == 0


def test_change_labels_and_clerk_errors() -> None:
    assert change_label("case.accept") == "受理"
    assert change_label("case.something_new") == "something_new"
    assert change_label("evaluation.recorded") == "满意度评价"
    assert clerk_error("[rejected 409 idempotency_conflict] 平台已收到内容不同的同一记录。") == (
        "平台已收到内容不同的同一记录。"
    )
    assert clerk_error("重新发送（原记录 abc）") == "重新发送（原记录 abc）"


def test_the_platforms_changes_have_names_on_the_case_timeline(station: Database) -> None:
    case_id, case_uuid, _number = new_case(station, extra_events=0)
    steps = [
        ("platform.platform_number", {"platform_number": "P-1"}),
        ("platform.status", {"platform_state": "submitted"}),
        ("platform.correction_request", {"materials": ["申请人身份证"]}),
        ("platform.decision", {"decision": "approved"}),
        ("platform.decision", {"decision": "rejected"}),
        ("platform.result", {"result_name": "救助决定书", "state": "completed"}),
        ("platform.submitted", {"platform_number": "P-1"}),
        ("sync.quarantined", {"event": "x"}),
        ("sync.requeue", {"event": "y"}),
        ("sync.handled", {"event": "y"}),
        ("sync.pages_purged", {"files": 1}),
    ]
    with station.session() as s:
        s.execute(update(Case).where(Case.uuid == case_uuid).values(state="accepted"))
        for action, after in steps:
            before = {"state": "accepted"} if "state" in after else None
            audit.append(s, actor="platform", action=action, entity="case", entity_id=case_uuid, before=before,
                         after=after, reason="符合条件" if action == "platform.decision" else "")  # fmt: skip
    with station.session() as s:
        timeline = case_timeline(s, case_id)
    labels = [e.action_label for e in timeline[-len(steps) :]]
    assert labels == [
        "平台办件编号",
        "平台状态更新",
        "平台要求补正",
        "平台决定（准予）",
        "平台决定（不予许可）",
        "平台出具结果",
        "已报送平台",
        "平台退回",
        "重新发送",
        "平台退回已处理",
        "清理本机材料文件",
    ]
    result = timeline[-6]
    assert (result.before_state, result.after_state) == ("已受理", "已办结")
