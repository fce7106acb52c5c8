"""Case services on both databases: every transition writes its audit and outbox rows atomically."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app import audit
from app.case_states import CaseAction, CaseState
from app.errors import DomainError, IllegalTransition, PermissionDenied
from app.model import (
    AuditEvent,
    Case,
    ItemBundle,
    MaterialRequirement,
    OutboxEvent,
    Role,
    ServiceItem,
    Station,
)
from app.services.actor import Actor
from app.services.case_flow import open_case, transition
from app.storage.db import Database

CLERK = Actor(username="wang", role=Role.CLERK, clerk_id=None)
SUPERVISOR = Actor(username="zhao", role=Role.SUPERVISOR)
INSTALLER = Actor(username="sun", role=Role.INSTALLER)
# 2026-09-30 10:00 Beijing time; 5 working days later is 2026-10-13 (National Day holiday, Sat 10-10 worked).
SEPT30 = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)


def _item(code: str, name: str, materials: list[tuple[str, str]], limit: int = 5) -> ServiceItem:
    item = ServiceItem(
        basic_code="0000000101",
        impl_code=code,
        name=name,
        item_type_code="01",
        department="示范县民政局",
        implementing_body="示范县民政局",
        implementing_body_code="11341122MB0000001X",
        promised_limit=limit,
        promised_limit_unit="1",
    )
    for pos, (mname, nec) in enumerate(materials):
        item.materials.append(MaterialRequirement(position=pos, name=mname, necessity=nec))
    return item


@pytest.fixture
def catalog(db: Database) -> Database:
    with db.session() as s:
        s.add(Station(code="ST001", name="测试站"))
        a = _item("IMPL-A", "临时救助", [("申请人身份证", "1"), ("困难情况说明", "1"), ("收入证明", "3")])
        b = _item("IMPL-B", "医疗救助", [("申请人身份证", "1"), ("收入证明", "1"), ("病历", "2")], limit=10)
        s.add_all([a, b])
        s.flush()
        bundle = ItemBundle(code="B1", name="困难群众救助一件事")
        bundle.items.extend([a, b])
        s.add(bundle)
    return db


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return (
            s.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            s.execute(select(func.count()).select_from(OutboxEvent)).scalar_one(),
        )


def test_open_case_numbers_and_checklist(catalog: Database) -> None:
    with catalog.session() as s:
        v1 = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", now=SEPT30)
        v2 = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", now=SEPT30)
    assert v1.local_number == "ST001-20260930-0001"
    assert v2.local_number == "ST001-20260930-0002"
    assert v1.state == CaseState.RECEIVED
    assert v1.materials == ("申请人身份证", "困难情况说明", "收入证明")
    assert len(v1.uuid) == 36 and v1.uuid != v2.uuid


def test_bundle_merges_materials_without_duplicates_strictest_wins(catalog: Database) -> None:
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", bundle_code="B1", now=SEPT30)
        case = s.get(Case, v.id)
        assert case is not None
        necessity = {m.name: m.necessity for m in case.materials}
    assert v.materials == ("申请人身份证", "困难情况说明", "收入证明", "病历")
    assert necessity["收入证明"] == "1"  # 容缺后补 in one item, 必要 in the other -> 必要


def test_accept_sets_promised_date_in_working_days(catalog: Database) -> None:
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", now=SEPT30)
        v = transition(s, v.id, CaseAction.ACCEPT, CLERK, now=SEPT30)
    assert v.state == CaseState.ACCEPTED
    assert v.promised_date == dt.date(2026, 10, 13)
    assert v.promised_provisional is False


def test_deadline_into_uncovered_year_is_provisional(catalog: Database) -> None:
    late = dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC)
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-B", now=late)
        v = transition(s, v.id, CaseAction.ACCEPT, CLERK, now=late)
    assert v.promised_provisional is True
    assert v.promised_date is not None and v.promised_date.year == 2027


def test_full_lifecycle_writes_one_audit_and_outbox_row_per_step(catalog: Database) -> None:
    steps = [
        (CaseAction.REQUEST_CORRECTION, "缺少收入证明"),
        (CaseAction.RECEIVE_CORRECTION, ""),
        (CaseAction.ACCEPT, ""),
        (CaseAction.START_SPECIAL, "专家评审"),
        (CaseAction.END_SPECIAL, ""),
        (CaseAction.COMPLETE, ""),
        (CaseAction.DELIVER, ""),
        (CaseAction.EVALUATE, ""),
    ]
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", pre_register=True, now=SEPT30)
        v = transition(s, v.id, CaseAction.RECEIVE, CLERK, now=SEPT30)
        for action, reason in steps:
            v = transition(s, v.id, action, CLERK, reason=reason, now=SEPT30)
    assert v.state == CaseState.EVALUATED
    assert v.correction_count == 1
    with catalog.session() as s:
        events = (
            s.execute(select(AuditEvent).where(AuditEvent.entity_id == v.uuid).order_by(AuditEvent.seq))
            .scalars()
            .all()
        )
        outbox = (
            s.execute(
                select(OutboxEvent).where(OutboxEvent.aggregate_uuid == v.uuid).order_by(OutboxEvent.id)
            )
            .scalars()
            .all()
        )
        assert [e.action for e in events] == [
            "case.pre_register",
            "case.receive",
            *[f"case.{a.value}" for a, _ in steps],
        ]
        assert [o.aggregate_seq for o in outbox] == list(range(1, len(steps) + 3))
        assert events[2].before == {"state": "received", "correction_count": 0}
        assert events[2].after is not None and events[2].after["state"] == "correction_requested"
        assert events[2].reason == "缺少收入证明"
        assert audit.verify(s).ok


def test_illegal_transition_changes_nothing(catalog: Database) -> None:
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", now=SEPT30)
    before = _counts(catalog)
    with pytest.raises(IllegalTransition, match="已收件"), catalog.session() as s:
        transition(s, v.id, CaseAction.COMPLETE, CLERK, now=SEPT30)
    assert _counts(catalog) == before


def test_failure_after_change_rolls_back_case_audit_and_outbox(catalog: Database) -> None:
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", now=SEPT30)
    before = _counts(catalog)
    with pytest.raises(RuntimeError), catalog.session() as s:
        transition(s, v.id, CaseAction.ACCEPT, CLERK, now=SEPT30)
        raise RuntimeError("power cut before commit")
    assert _counts(catalog) == before
    with catalog.session() as s:
        case = s.get(Case, v.id)
        assert case is not None and case.state == CaseState.RECEIVED and case.accepted_at is None


def test_reason_required_for_reject(catalog: Database) -> None:
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", now=SEPT30)
    with pytest.raises(DomainError, match="必须填写理由"), catalog.session() as s:
        transition(s, v.id, CaseAction.REJECT, CLERK, reason="  ")


def test_only_supervisor_may_void_and_installer_touches_no_case(catalog: Database) -> None:
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", now=SEPT30)
    with pytest.raises(PermissionDenied, match="值班长"), catalog.session() as s:
        transition(s, v.id, CaseAction.VOID, CLERK, reason="录入错误")
    with pytest.raises(PermissionDenied), catalog.session() as s:
        open_case(s, INSTALLER, station_code="ST001", item_impl_code="IMPL-A")
    with catalog.session() as s:
        assert transition(s, v.id, CaseAction.VOID, SUPERVISOR, reason="录入错误").state == CaseState.VOIDED


def test_special_procedure_pushes_promised_date(catalog: Database) -> None:
    start = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # Monday
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", now=start)
        v = transition(s, v.id, CaseAction.ACCEPT, CLERK, now=start)
        assert v.promised_date == dt.date(2026, 6, 8)
        transition(
            s, v.id, CaseAction.START_SPECIAL, CLERK, reason="现场勘验", now=start + dt.timedelta(days=1)
        )
        v = transition(s, v.id, CaseAction.END_SPECIAL, CLERK, now=start + dt.timedelta(days=3))
    assert v.promised_date == dt.date(2026, 6, 10)  # two working days (Wed, Thu) paused


def test_agent_needs_authorization(catalog: Database) -> None:
    with pytest.raises(DomainError, match="委托"), catalog.session() as s:
        open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", agent_id=1)


def test_receiving_a_pre_registered_case_records_receipt_time(catalog: Database) -> None:
    later = SEPT30 + dt.timedelta(hours=2)
    with catalog.session() as s:
        v = open_case(s, CLERK, station_code="ST001", item_impl_code="IMPL-A", pre_register=True, now=SEPT30)
        case = s.get(Case, v.id)
        assert case is not None and case.received_at is None and case.registered_at == SEPT30
        transition(s, v.id, CaseAction.RECEIVE, CLERK, now=later)
        assert case.received_at == later
