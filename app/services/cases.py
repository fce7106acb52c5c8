"""办件查询: the case list (search and filters), a case's timeline and an applicant's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from app.case_states import ACTION_LABELS, STATE_LABELS, CaseAction, CaseState
from app.clock import LOCAL_TZ, local_now
from app.errors import DomainError, ValidationError
from app.masking import mask_name, mask_phone
from app.model import Applicant, AuditEvent, Case, OutboxEvent
from app.services.calendar import load_calendar
from app.services.card_reads import PURPOSE_LABELS
from app.services.materials import ACTION_LABELS as MATERIAL_ACTION_LABELS
from app.storage.crypto import active_cipher
from app.validation import check_id_number

CaseFilter = Literal["all", "today", "correction", "overdue", "result_ready", "unsynced"]
FILTER_LABELS: dict[str, str] = {
    "all": "全部",
    "today": "今天",
    "correction": "待补正",
    "overdue": "超期预警",
    "result_ready": "可出件",
    "unsynced": "未同步",
}
_OPEN_CLOCK = (CaseState.ACCEPTED.value, CaseState.SUSPENDED.value)
_UNSENT = ("pending", "sending", "failed")


@dataclass(frozen=True)
class CaseRow:
    id: int
    local_number: str
    title: str
    applicant_name: str  # masked: the list is visible to people standing at the window
    applicant_id_masked: str
    mobile_masked: str
    state: str
    state_label: str
    received_at: dt.datetime | None
    promised_date: dt.date | None
    promised_provisional: bool
    overdue_level: str  # "" | "yellow" (due within the warning window) | "red" (past due)
    synced: bool


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    actor: str
    action_label: str
    before_state: str
    after_state: str
    reason: str


def overdue_level(case: Case, today: dt.date, yellow_by: dt.date) -> str:
    if case.state not in _OPEN_CLOCK or case.promised_date is None:
        return ""
    if case.promised_date < today:
        return "red"
    if case.promised_date <= yellow_by:
        return "yellow"
    return ""


def _text_filter(stmt: Select[Any], text: str) -> Select[Any]:
    q = text.strip()
    if not q:
        return stmt
    conds = [Case.local_number.contains(q), Case.platform_number.contains(q), Case.title.contains(q)]
    applicant_conds = [
        Applicant.name.contains(q),
        Applicant.mobile.contains(q),
        Applicant.id_number_masked.contains(q),
    ]
    if len(q) == 18:
        try:
            number = check_id_number(q).number
        except ValidationError:
            number = ""
        if number:  # a full ID number: find it by blind index, never by clear text
            applicant_conds.append(Applicant.id_number_index == active_cipher().blind_index(number))
    conds.append(Case.applicant_id.in_(select(Applicant.id).where(or_(*applicant_conds))))
    return stmt.where(or_(*conds))


def search_cases(
    session: Session,
    *,
    text: str = "",
    filter: str = "all",
    today: dt.date | None = None,
    yellow_working_days: int = 2,
    applicant_id: int | None = None,
    limit: int = 200,
) -> list[CaseRow]:
    """Cases matching ``text`` (number, name, ID, phone) and one filter, newest first."""
    if filter not in FILTER_LABELS:
        raise DomainError(f"未知的筛选条件：{filter}")
    today = today or local_now().date()
    calendar = load_calendar(session)
    yellow_by = calendar.add_working_days(today, yellow_working_days).date
    stmt = _text_filter(select(Case), text)
    if applicant_id is not None:
        stmt = stmt.where(Case.applicant_id == applicant_id)
    unsent = exists().where(and_(OutboxEvent.aggregate_uuid == Case.uuid, OutboxEvent.status.in_(_UNSENT)))
    if filter == "today":
        start = dt.datetime.combine(today, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC)
        stmt = stmt.where(Case.created_at >= start, Case.created_at < start + dt.timedelta(days=1))
    elif filter == "correction":
        stmt = stmt.where(Case.state == CaseState.CORRECTION_REQUESTED.value)
    elif filter == "overdue":
        stmt = stmt.where(Case.state.in_(_OPEN_CLOCK), Case.promised_date <= yellow_by)
    elif filter == "result_ready":
        stmt = stmt.where(Case.state == CaseState.COMPLETED.value)
    elif filter == "unsynced":
        stmt = stmt.where(unsent)
    cases = (
        session.execute(stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)).scalars().all()
    )
    ids = [c.applicant_id for c in cases if c.applicant_id is not None]
    applicants = {a.id: a for a in session.execute(select(Applicant).where(Applicant.id.in_(ids))).scalars()}
    pending = set(
        session.execute(
            select(OutboxEvent.aggregate_uuid).where(
                OutboxEvent.status.in_(_UNSENT), OutboxEvent.aggregate_uuid.in_([c.uuid for c in cases])
            )
        ).scalars()
    )
    rows = []
    for c in cases:
        a = applicants.get(c.applicant_id) if c.applicant_id is not None else None
        rows.append(
            CaseRow(
                id=c.id,
                local_number=c.local_number,
                title=c.title,
                applicant_name=mask_name(a.name) if a else "",
                applicant_id_masked=(a.id_number_masked or a.uscc) if a else "",
                mobile_masked=mask_phone(a.mobile) if a and a.mobile else "",
                state=c.state,
                state_label=STATE_LABELS[CaseState(c.state)],
                received_at=c.received_at,
                promised_date=c.promised_date,
                promised_provisional=c.promised_provisional,
                overdue_level=overdue_level(c, today, yellow_by),
                synced=c.uuid not in pending,
            )
        )
    return rows


#: Case events that are not state transitions or material steps: the window's own, the platform's
#: changes as the sync pull applies them (sync/pull.py, "platform.<kind>") and the sender's steps.
_OTHER_LABELS: dict[str, str] = {
    "idcard.read": "读取身份证",
    "notice.save": "通知书存档",
    "platform.status": "平台状态更新",
    "platform.correction_request": "平台要求补正",
    "platform.decision": "平台决定",
    "platform.result": "平台出具结果",
    "platform.platform_number": "平台办件编号",
    "platform.submitted": "已报送平台",
    "sync.quarantined": "平台退回",
    "sync.requeue": "重新发送",
    "sync.handled": "平台退回已处理",
    "sync.pages_purged": "清理本机材料文件",
}
#: The platform's decision, named on the timeline by what it decided.
_DECISION_LABELS: dict[str, str] = {"approved": "平台决定（准予）", "rejected": "平台决定（不予许可）"}


def case_timeline(session: Session, case_id: int) -> list[TimelineEntry]:
    """Every recorded step of a case, oldest first, straight from the audit trail."""
    case = session.get(Case, case_id)
    if case is None:
        raise DomainError(f"办件 {case_id} 不存在。")
    events = session.execute(
        select(AuditEvent)
        .where(AuditEvent.entity == "case", AuditEvent.entity_id == case.uuid)
        .order_by(AuditEvent.seq)
    ).scalars()
    out = []
    for ev in events:
        action = ev.action.removeprefix("case.")
        try:
            label = ACTION_LABELS[CaseAction(action)]
        except ValueError:
            label = MATERIAL_ACTION_LABELS.get(ev.action) or _OTHER_LABELS.get(ev.action, ev.action)
            if ev.action == "idcard.read":
                purpose = str((ev.after or {}).get("purpose", ""))
                label = f"{label}（{PURPOSE_LABELS.get(purpose, purpose)}）" if purpose else label
            elif ev.action == "platform.decision":
                label = _DECISION_LABELS.get(str((ev.after or {}).get("decision", "")), label)
        before = str((ev.before or {}).get("state", ""))
        after = str((ev.after or {}).get("state", ""))
        out.append(
            TimelineEntry(
                at=ev.at,
                actor=ev.actor,
                action_label=label,
                before_state=STATE_LABELS[CaseState(before)] if before else "",
                after_state=STATE_LABELS[CaseState(after)] if after else "",
                reason=ev.reason,
            )
        )
    return out


def previous_cases(session: Session, applicant_id: int, *, limit: int = 50) -> list[CaseRow]:
    """The applicant's earlier cases, newest first (shown when they come to the window again)."""
    return search_cases(session, applicant_id=applicant_id, limit=limit)
