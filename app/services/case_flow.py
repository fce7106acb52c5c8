"""办件流转: opening cases and moving them through the state machine.

Every transition writes, in the caller's single transaction, the case change, one AuditEvent
(who, when, before/after, reason) and one OutboxEvent for the platform. Nothing here commits:
``Database.session()`` does, so a crash leaves either all three rows or none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, outbox
from app.case_states import ACTION_LABELS, STATE_LABELS, TRANSITIONS, CaseAction, CaseState, next_state
from app.clock import local_date
from app.errors import DomainError
from app.model import (
    Case,
    CaseMaterial,
    CaseMaterialStatus,
    ItemBundle,
    ServiceItem,
    Station,
    Suspension,
    utcnow,
)
from app.services.actor import Actor
from app.services.calendar import load_calendar
from app.storage.counters import locked_setting
from app.workdays import Deadline, WorkdayCalendar

# Fields copied into the audit trail's before/after snapshots.
_SNAPSHOT_FIELDS = ("state", "promised_date", "result_code", "correction_count", "last_reason")


@dataclass(frozen=True)
class CaseView:
    """What screens need to show a case; a plain copy, safe to hand to another thread."""

    id: int
    uuid: str
    local_number: str
    state: str
    state_label: str
    title: str
    promised_date: dt.date | None
    promised_provisional: bool
    correction_count: int
    materials: tuple[str, ...]


def _view(case: Case) -> CaseView:
    return CaseView(
        id=case.id,
        uuid=case.uuid,
        local_number=case.local_number,
        state=case.state,
        state_label=STATE_LABELS[CaseState(case.state)],
        title=case.title,
        promised_date=case.promised_date,
        promised_provisional=case.promised_provisional,
        correction_count=case.correction_count,
        materials=tuple(m.name for m in case.materials),
    )


def _snapshot(case: Case) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in _SNAPSHOT_FIELDS:
        v = getattr(case, f)
        if v is None or v == "":
            continue
        out[f] = v.isoformat() if isinstance(v, dt.date) else v
    return out


def _next_local_number(session: Session, station_code: str, today: dt.date) -> str:
    """Per-station daily serial, e.g. ``ST001-20261121-0007``; the counter row is locked on PostgreSQL."""
    key = f"case.serial.{station_code}.{today:%Y%m%d}"
    row = locked_setting(session, key, 0)
    row.value = int(row.value) + 1
    session.flush()
    return f"{station_code}-{today:%Y%m%d}-{int(row.value):04d}"


def merged_requirements(items: list[ServiceItem]) -> list[tuple[str, str, int | None]]:
    """Material list of several items without duplicates (by name); the strictest necessity wins.

    Returns (name, necessity, requirement_id) in first-seen order. 必要 (1) beats 容缺后补 (3) beats
    非必要 (2): if any item needs a material outright, the bundle does too.
    """
    rank = {"1": 0, "3": 1, "2": 2}
    merged: dict[str, tuple[str, int | None]] = {}
    for item in items:
        for req in item.materials:
            key = req.name.strip()
            if key not in merged or rank[req.necessity] < rank[merged[key][0]]:
                keep_id = merged[key][1] if key in merged else req.id
                merged[key] = (req.necessity, keep_id)
    return [(name, nec, rid) for name, (nec, rid) in merged.items()]


def _case_items(session: Session, case: Case) -> list[ServiceItem]:
    if case.bundle_id is not None:
        bundle = session.get(ItemBundle, case.bundle_id)
        return list(bundle.items) if bundle else []
    item = session.get(ServiceItem, case.item_id) if case.item_id is not None else None
    return [item] if item else []


def open_case(
    session: Session,
    actor: Actor,
    *,
    station_code: str,
    item_impl_code: str | None = None,
    bundle_code: str | None = None,
    applicant_id: int | None = None,
    agent_id: int | None = None,
    authorization_id: int | None = None,
    window_id: int | None = None,
    ticket_id: int | None = None,
    channel: str = "1",
    pre_register: bool = False,
    now: dt.datetime | None = None,
) -> CaseView:
    """预登记 or 收件 of a new case for one item or one 一件事 bundle, with its material checklist."""
    now = now or utcnow()
    if (item_impl_code is None) == (bundle_code is None):
        raise DomainError("请选择一个办理事项或一个“一件事”套餐。")
    if agent_id is not None and authorization_id is None:
        raise DomainError("代办必须登记委托授权（扫描委托书作为材料）。")
    item: ServiceItem | None = None
    bundle: ItemBundle | None = None
    if item_impl_code is not None:
        item = session.execute(
            select(ServiceItem).where(ServiceItem.impl_code == item_impl_code)
        ).scalar_one_or_none()
        if item is None:
            raise DomainError(f"找不到实施编码为 {item_impl_code} 的事项，请刷新事项目录后重试。")
        items = [item]
        title = item.name
        case_type = item.case_type_code
    else:
        bundle = session.execute(
            select(ItemBundle).where(ItemBundle.code == bundle_code)
        ).scalar_one_or_none()
        if bundle is None:
            raise DomainError(f"找不到编号为 {bundle_code} 的“一件事”，请刷新事项目录后重试。")
        items = list(bundle.items)
        title = bundle.name
        case_type = "2"
    station = session.execute(select(Station).where(Station.code == station_code)).scalar_one_or_none()
    action = CaseAction.PRE_REGISTER if pre_register else CaseAction.RECEIVE
    actor.require(TRANSITIONS[action].roles, ACTION_LABELS[action])
    case = Case(
        local_number=_next_local_number(session, station_code, local_date(now)),
        state=next_state(CaseState.NEW, action).value,
        title=title,
        item_id=item.id if item else None,
        bundle_id=bundle.id if bundle else None,
        applicant_id=applicant_id,
        agent_id=agent_id,
        authorization_id=authorization_id,
        station_id=station.id if station else None,
        window_id=window_id,
        clerk_id=actor.clerk_id,
        ticket_id=ticket_id,
        channel=channel,
        case_type_code=case_type,
        registered_at=now if pre_register else None,
        received_at=None if pre_register else now,
    )
    for pos, (name, necessity, req_id) in enumerate(merged_requirements(items)):
        case.materials.append(
            CaseMaterial(position=pos, name=name, necessity=necessity, requirement_id=req_id)
        )
    for it in items:
        it.use_count += 1
    session.add(case)
    session.flush()
    _record(session, case, actor, action, before=None, reason="", now=now)
    return _view(case)


def promised_deadline(item: ServiceItem, accepted: dt.date, calendar: WorkdayCalendar) -> Deadline:
    """承诺办结日 from the item's promised limit: working days, calendar days, months or same day."""
    n = item.promised_limit
    unit = item.promised_limit_unit
    if n <= 0 or unit in ("3", "4"):  # 即办件, hours, minutes: due the day it is accepted
        return Deadline(accepted, False, "same_day")
    if unit == "2":
        return Deadline(accepted + dt.timedelta(days=n), False, "calendar_days")
    if unit == "5":  # 1 月 = 30 天 (Shandong exchange convention)
        return Deadline(accepted + dt.timedelta(days=30 * n), False, "calendar_days")
    return calendar.add_working_days(accepted, n)


def transition(
    session: Session,
    case_id: int,
    action: CaseAction | str,
    actor: Actor,
    *,
    reason: str = "",
    result_code: str = "",
    suspension_kind: str = "2",
    delivery_method: str = "",
    now: dt.datetime | None = None,
    calendar: WorkdayCalendar | None = None,
) -> CaseView:
    """Move one case along ``action``; IllegalTransition / PermissionDenied / DomainError in Chinese."""
    now = now or utcnow()
    action = CaseAction(action)
    case = session.get(Case, case_id, with_for_update=True)
    if case is None:
        raise DomainError(f"办件 {case_id} 不存在。")
    t = TRANSITIONS[action]
    actor.require(t.roles, ACTION_LABELS[action])
    target = next_state(case.state, action)
    if t.needs_reason and not reason.strip():
        raise DomainError(f"“{ACTION_LABELS[action]}”必须填写理由，请补充后再提交。")
    before = _snapshot(case)
    today = local_date(now)
    if action is CaseAction.ACCEPT:
        cal = calendar or load_calendar(session)
        deadlines = [promised_deadline(it, today, cal) for it in _case_items(session, case)]
        if deadlines:
            latest = max(deadlines, key=lambda d: d.date)
            case.promised_date = latest.date
            case.promised_provisional = any(d.provisional for d in deadlines)
            case.promised_source = latest.source
        case.accepted_at = now
    elif action is CaseAction.REQUEST_CORRECTION:
        case.correction_notified_at = now
    elif action is CaseAction.RECEIVE_CORRECTION:
        case.correction_received_at = now
        case.correction_count += 1
        case.received_at = now  # acceptance clock restarts from the completed materials
    elif action is CaseAction.REJECT:
        case.rejected_at = now
    elif action is CaseAction.START_SPECIAL:
        case.suspensions.append(Suspension(kind_code=suspension_kind, reason=reason, started_at=now))
    elif action is CaseAction.END_SPECIAL:
        _end_suspension(case, now, today, calendar or load_calendar(session))
    elif action is CaseAction.COMPLETE:
        case.completed_at = now
        case.result_code = result_code or "6"
    elif action is CaseAction.DELIVER:
        case.delivered_at = now
        case.delivery_method = delivery_method or "自取"
    elif action is CaseAction.EVALUATE:
        case.evaluated_at = now
    elif action is CaseAction.WITHDRAW:
        case.withdrawn_at = now
    elif action is CaseAction.VOID:
        case.voided_at = now
    case.state = target.value
    if reason:
        case.last_reason = reason
    _record(session, case, actor, action, before=before, reason=reason, now=now)
    return _view(case)


def _end_suspension(case: Case, now: dt.datetime, today: dt.date, calendar: WorkdayCalendar) -> None:
    """Close the open 特别程序 and push the promised date back by the working days it took."""
    open_ones = [s for s in case.suspensions if s.ended_at is None]
    if not open_ones:
        raise DomainError("没有进行中的特别程序。")
    susp = open_ones[-1]
    susp.ended_at = now
    paused = calendar.working_days_between(local_date(susp.started_at), today)
    susp.approved_days = paused
    if case.promised_date is not None and paused > 0:
        moved = calendar.add_working_days(case.promised_date, paused)
        case.promised_date = moved.date
        case.promised_provisional = case.promised_provisional or moved.provisional


def _record(
    session: Session,
    case: Case,
    actor: Actor,
    action: CaseAction,
    *,
    before: dict[str, Any] | None,
    reason: str,
    now: dt.datetime,
) -> None:
    session.flush()
    after = _snapshot(case)
    audit.append(
        session,
        actor=actor.username,
        action=f"case.{action.value}",
        entity="case",
        entity_id=case.uuid,
        before=before,
        after=after,
        reason=reason,
        at=now,
    )
    outbox.enqueue(
        session,
        aggregate="case",
        aggregate_uuid=case.uuid,
        kind=f"case.{action.value}",
        payload={"local_number": case.local_number, "at": now.isoformat(), "reason": reason, **after},
    )


def case_view(session: Session, case_id: int) -> CaseView:
    case = session.get(Case, case_id)
    if case is None:
        raise DomainError(f"办件 {case_id} 不存在。")
    return _view(case)


__all__ = [
    "CaseMaterialStatus",
    "CaseView",
    "case_view",
    "merged_requirements",
    "open_case",
    "promised_deadline",
    "transition",
]
