"""办件流转: opening cases and moving them through the state machine.

Every transition writes, in the caller's single transaction, the case change, one AuditEvent
(who, when, before/after, reason) and one OutboxEvent for the platform. Nothing here commits:
``Database.session()`` does, so a crash leaves either all three rows or none.

The window's decisions (预登记, 受理, 补正告知, 不予受理, 撤销, 出件) live here too, beside the
transitions they drive: one module for the whole case lifecycle is longer than our usual ~400
lines, but splitting it would separate each decision from the state rule it depends on.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, outbox
from app.case_states import ACTION_LABELS, TRANSITIONS, CaseAction, CaseState, next_state
from app.clock import local_date
from app.errors import DomainError
from app.masking import mask_id_number
from app.model import (
    Agent,
    Applicant,
    Case,
    CaseMaterial,
    CaseMaterialStatus,
    ItemBundle,
    ServiceItem,
    Station,
    Suspension,
    utcnow,
)
from app.services import card_reads
from app.services.actor import Actor
from app.services.calendar import load_calendar
from app.services.case_views import CaseView, CorrectionItem, build_view, case_items
from app.storage.counters import locked_setting
from app.storage.crypto import active_cipher
from app.validation import check_id_number
from app.workdays import Deadline, WorkdayCalendar

log = logging.getLogger(__name__)

# Fields copied into the audit trail's before/after snapshots.
_SNAPSHOT_FIELDS = ("state", "promised_date", "result_code", "correction_count", "last_reason")


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
        # Provisional query password for the receipt; the platform's own replaces it after sync.
        query_password=f"{secrets.randbelow(10**6):06d}",
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
    applicant = session.get(Applicant, applicant_id) if applicant_id is not None else None
    card_reads.keep_on_case(case, applicant, items)
    session.add(case)
    session.flush()
    _record(session, case, actor, action, before=None, reason="", now=now)
    return build_view(session, case)


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
    if action is CaseAction.RECEIVE:
        case.received_at = now  # 收件 time is legally material: the 5-day notice window starts here
    elif action is CaseAction.ACCEPT:
        cal = calendar or load_calendar(session)
        deadlines = [promised_deadline(it, today, cal) for it in case_items(session, case)]
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
    return build_view(session, case)


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


# --- Decisions at the window ----------------------------------------------------------------


def pre_register(
    session: Session,
    actor: Actor,
    *,
    station_code: str,
    item_impl_code: str | None = None,
    bundle_code: str | None = None,
    applicant_id: int | None = None,
    agent_id: int | None = None,
    authorization_id: int | None = None,
    ticket_id: int | None = None,
    window_id: int | None = None,
    now: dt.datetime | None = None,
) -> CaseView:
    """预登记: number the case and route it to the department's window (a 收件凭证 is printed)."""
    view = open_case(
        session,
        actor,
        station_code=station_code,
        item_impl_code=item_impl_code,
        bundle_code=bundle_code,
        applicant_id=applicant_id,
        agent_id=agent_id,
        authorization_id=authorization_id,
        ticket_id=ticket_id,
        window_id=window_id,
        pre_register=True,
        now=now,
    )
    case = _case(session, view.id)
    items = case_items(session, case)
    case.routed_department = "、".join(dict.fromkeys(i.department for i in items))
    session.flush()
    return build_view(session, case)


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise DomainError(f"办件 {case_id} 不存在。")
    return case


def blocking_materials(case: Case) -> list[str]:
    """Why 受理 is not possible yet: required materials without pages, 容缺 ones without commitment."""
    blocking = []
    for m in case.materials:
        if m.status in (CaseMaterialStatus.RECEIVED, CaseMaterialStatus.REUSED, CaseMaterialStatus.DEFERRED):
            continue
        if m.necessity == "1":
            blocking.append(f"{m.name}（必要材料，尚未收取）")
        elif m.necessity == "3":
            blocking.append(f"{m.name}（容缺后补材料：请收取或登记容缺承诺）")
    return blocking


def accept(session: Session, actor: Actor, case_id: int, *, now: dt.datetime | None = None) -> CaseView:
    """受理: only with every required material in hand (or 容缺 committed); sets the promised date."""
    case = _case(session, case_id)
    missing = blocking_materials(case)
    if missing and case.state == CaseState.RECEIVED:
        raise DomainError("材料不齐，不能受理：" + "；".join(missing) + "。请收取材料，或改为补正告知。")
    return transition(session, case_id, CaseAction.ACCEPT, actor, now=now)


def request_correction(
    session: Session,
    actor: Actor,
    case_id: int,
    items: list[CorrectionItem],
    *,
    deadline: dt.date,
    now: dt.datetime | None = None,
) -> CaseView:
    """补正告知 (一次性告知): every material to add or fix, at once, with a deadline."""
    now = now or utcnow()
    lines = [i for i in items if i.material.strip()]
    if not lines:
        raise DomainError("一次性告知必须列出需要补正的材料及要求。")
    if deadline < local_date(now):
        raise DomainError("补正期限不能早于今天。")
    case = _case(session, case_id)
    reason = "；".join(f"{i.material}：{i.requirement}" if i.requirement else i.material for i in lines)
    transition(session, case_id, CaseAction.REQUEST_CORRECTION, actor, reason=reason, now=now)
    case.correction_items = [{"material": i.material, "requirement": i.requirement} for i in lines]
    case.correction_deadline = deadline
    session.flush()
    return build_view(session, case)


def receive_correction(
    session: Session, actor: Actor, case_id: int, *, now: dt.datetime | None = None
) -> CaseView:
    """补正收件: the corrected materials arrived; the case is back to 已收件, ready for 受理."""
    return transition(session, case_id, CaseAction.RECEIVE_CORRECTION, actor, now=now)


def reject(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    reason: str,
    competent_agency: str = "",
    now: dt.datetime | None = None,
) -> CaseView:
    """不予受理: a specific reason is required; name the competent agency when outside the remit."""
    transition(session, case_id, CaseAction.REJECT, actor, reason=reason, now=now)
    case = _case(session, case_id)
    case.competent_agency = competent_agency.strip()
    session.flush()
    return build_view(session, case)


def undo_decision(
    session: Session, actor: Actor, case_id: int, *, reason: str, now: dt.datetime | None = None
) -> CaseView:
    """撤销决定 (supervisor only): back to 已收件; the undone decision stays in the audit trail."""
    case = _case(session, case_id)
    transition(session, case_id, CaseAction.UNDO_DECISION, actor, reason=reason, now=now)
    case.promised_date = None
    case.promised_provisional = False
    case.accepted_at = None
    case.rejected_at = None
    case.correction_items = []
    case.correction_deadline = None
    case.competent_agency = ""
    session.flush()
    return build_view(session, case)


def deliver(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    collector_id_number: str | None,
    collector_name: str,
    mail_address: str | None = None,
    tracking_number: str = "",
    now: dt.datetime | None = None,
) -> CaseView:
    """出件: hand the result to the applicant or their authorized agent (ID checked), or mail it (EMS)."""
    case = _case(session, case_id)
    if mail_address is not None:
        if not mail_address.strip() or not tracking_number.strip():
            raise DomainError("邮寄送达需要填写收件地址和快递单号。")
        transition(session, case_id, CaseAction.DELIVER, actor, delivery_method="邮寄", now=now)
        case.mail_address = mail_address.strip()
        case.mail_tracking_number = tracking_number.strip()
        case.collector_name = collector_name.strip()
        session.flush()
        return build_view(session, case)
    if not collector_id_number:
        raise DomainError("当面领取须核验领取人身份证：请读卡或输入证件号码。")
    info = check_id_number(collector_id_number)
    index = active_cipher().blind_index(info.number)
    applicant = session.get(Applicant, case.applicant_id) if case.applicant_id is not None else None
    agent = session.get(Agent, case.agent_id) if case.agent_id is not None else None
    if applicant is not None and applicant.id_number_index == index:
        is_agent = False
    elif agent is not None and agent.id_number_index == index:
        is_agent = True
    else:
        # The caller's transaction rolls back on this error, so the refusal is logged, not audited.
        log.warning(
            "delivery of case %s refused: collector %s matches neither applicant nor agent",
            case.local_number,
            mask_id_number(info.number),
        )
        raise DomainError(
            "领取人身份与申请人或受托代办人不符，不能领取。请由申请人本人或已登记的受托人持身份证领取。"
        )
    transition(session, case_id, CaseAction.DELIVER, actor, delivery_method="自取", now=now)
    case.collector_name = collector_name.strip() or (
        agent.name if is_agent and agent else applicant.name if applicant else ""
    )
    case.collector_id_index = index
    case.collector_is_agent = is_agent
    session.flush()
    return build_view(session, case)


def case_view(session: Session, case_id: int) -> CaseView:
    case = session.get(Case, case_id)
    if case is None:
        raise DomainError(f"办件 {case_id} 不存在。")
    return build_view(session, case)


__all__ = [
    "CaseMaterialStatus",
    "CaseView",
    "CorrectionItem",
    "accept",
    "blocking_materials",
    "case_view",
    "deliver",
    "merged_requirements",
    "open_case",
    "pre_register",
    "promised_deadline",
    "receive_correction",
    "reject",
    "request_correction",
    "transition",
    "undo_decision",
]
