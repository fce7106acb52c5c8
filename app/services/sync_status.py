"""同步记录: each case's way to the provincial platform, as the clerk's sync log shows it.

The outbox (app/outbox.py) holds one row per change; the sender (sync/engine.py) moves each row
pending → sending → sent, or to failed (retried later) or quarantined (平台退回, until a clerk
resends it or marks it handled). The clerk thinks in cases, not rows, so :func:`sync_log` folds
the rows of one case (or one evaluation) into one line: where it stands, how many of its changes
the platform has, and — for the first change still waiting — attempts, next try and last error.

:func:`make_due_now` is "立即同步" when another process sends (the ``yichuang`` sync runner): rows
waiting out their backoff become due, so its next round takes them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.case_states import ACTION_LABELS, CaseAction
from app.model import Case, OutboxEvent

#: Outbox statuses that release the next change of the same case.
FINISHED = ("sent", "handled")
#: What a line of the sync log says, by the status that decides it.
STATE_LABELS: dict[str, str] = {
    "quarantined": "平台退回",
    "failed": "等待重试",
    "sending": "正在发送",
    "pending": "等待发送",
    "sent": "已同步",
    "handled": "退回已处理",
}
#: Lines needing the clerk come first: refused, then failing, then merely waiting.
_ORDER = {state: n for n, state in enumerate(STATE_LABELS)}
AGGREGATE_LABELS: dict[str, str] = {"case": "办件", "evaluation": "满意度评价", "audit": "审计记录"}
#: How many finished cases or evaluations the log lists besides every unfinished one.
RECENT_FINISHED = 200
#: The engine prefixes its error text with "[kind status code] " for the log file; clerks get the words.
_TECHNICAL_PREFIX = re.compile(r"^\[[^\]]*\]\s*")


@dataclass(frozen=True)
class SyncLogRow:
    """One case (or evaluation) in the sync log."""

    aggregate: str  # case | evaluation | audit
    aggregate_uuid: str
    case_id: int | None  # the local case, when the line is a case still on this database
    local_number: str
    title: str
    platform_number: str
    state: str  # a key of STATE_LABELS
    state_label: str
    events_total: int
    events_done: int  # acknowledged by the platform or handled by a clerk
    attempts: int  # of the first change still waiting (0 when none waits)
    next_attempt_at: dt.datetime | None  # None while due now or when nothing waits
    last_error: str  # in Chinese, as the platform or the link failure put it
    last_error_detail: str  # the same with the technical codes, for the tooltip
    last_activity_at: dt.datetime


def change_label(kind: str) -> str:
    """ "case.accept" → "受理"; other kinds by their aggregate ("evaluation.recorded" → "满意度评价")."""
    aggregate, _, action = kind.partition(".")
    if aggregate == "case":
        try:
            return ACTION_LABELS[CaseAction(action)]
        except ValueError:
            return action
    return AGGREGATE_LABELS.get(aggregate, kind)


def clerk_error(text: str) -> str:
    """The engine's error text without its technical prefix: what the clerk reads."""
    return _TECHNICAL_PREFIX.sub("", text, count=1).strip()


def _line_state(events: list[OutboxEvent]) -> tuple[str, OutboxEvent | None]:
    """The status that decides a line, and the first change still waiting (None when all are done).

    Changes of one case go in order, so the first unfinished one is where the case stands.
    """
    for event in events:
        if event.status not in FINISHED:
            return event.status, event
    return ("handled" if any(e.status == "handled" for e in events) else "sent"), None


def _activity(event: OutboxEvent) -> dt.datetime:
    return max(t for t in (event.created_at, event.sent_at, event.quarantined_at, event.handled_at) if t)


def sync_log(session: Session, *, recent_finished: int = RECENT_FINISHED) -> list[SyncLogRow]:
    """Every case or evaluation with a change still waiting, then the most recently finished ones.

    Unfinished lines come first (平台退回, 等待重试, 正在发送, 等待发送), each group newest first.
    """
    unfinished: set[tuple[str, str]] = {
        (aggregate, uuid)
        for aggregate, uuid in session.execute(
            select(OutboxEvent.aggregate, OutboxEvent.aggregate_uuid)
            .where(OutboxEvent.status.not_in(FINISHED))
            .distinct()
        )
    }
    newest = func.max(OutboxEvent.id)
    recent = session.execute(
        select(OutboxEvent.aggregate, OutboxEvent.aggregate_uuid)
        .group_by(OutboxEvent.aggregate, OutboxEvent.aggregate_uuid)
        .order_by(newest.desc())
        .limit(recent_finished + len(unfinished))
    )
    finished = [(aggregate, uuid) for aggregate, uuid in recent if (aggregate, uuid) not in unfinished]
    keys = unfinished | set(finished[:recent_finished])
    uuids = {uuid for _aggregate, uuid in keys}
    if not uuids:
        return []
    by_key: dict[tuple[str, str], list[OutboxEvent]] = {}
    for event in session.execute(
        select(OutboxEvent)
        .where(OutboxEvent.aggregate_uuid.in_(uuids))
        .order_by(OutboxEvent.aggregate_seq, OutboxEvent.id)
    ).scalars():
        if (event.aggregate, event.aggregate_uuid) in keys:
            by_key.setdefault((event.aggregate, event.aggregate_uuid), []).append(event)
    cases = {c.uuid: c for c in session.execute(select(Case).where(Case.uuid.in_(uuids))).scalars()}
    rows = [_row(aggregate, uuid, events, cases) for (aggregate, uuid), events in by_key.items()]
    rows.sort(key=lambda r: r.last_activity_at, reverse=True)
    rows.sort(key=lambda r: len(_ORDER) if r.state in FINISHED else _ORDER[r.state])
    return rows


def _row(aggregate: str, uuid: str, events: list[OutboxEvent], cases: dict[str, Case]) -> SyncLogRow:
    state, waiting = _line_state(events)
    case = cases.get(uuid) if aggregate == "case" else None
    if case is None and aggregate == "evaluation":
        # An evaluation is listed under the case it rates, when it rates one.
        case_uuid = events[-1].payload.get("case_uuid")
        case = cases.get(str(case_uuid)) if case_uuid else None
    payload_number = str(events[-1].payload.get("local_number", ""))
    if aggregate == "case":
        title = case.title if case is not None else ""
    else:
        title = AGGREGATE_LABELS.get(aggregate, aggregate)
    error = ""
    if waiting is not None:
        error = (
            (waiting.quarantine_reason or waiting.last_error)
            if state == "quarantined"
            else waiting.last_error
        )
    return SyncLogRow(
        aggregate=aggregate,
        aggregate_uuid=uuid,
        case_id=case.id if case is not None and aggregate == "case" else None,
        local_number=case.local_number if case is not None else payload_number,
        title=title,
        platform_number=case.platform_number if case is not None and aggregate == "case" else "",
        state=state,
        state_label=STATE_LABELS[state],
        events_total=len(events),
        events_done=sum(1 for e in events if e.status in FINISHED),
        attempts=waiting.attempts if waiting is not None else 0,
        next_attempt_at=waiting.next_attempt_at if waiting is not None and state == "failed" else None,
        last_error=clerk_error(error),
        last_error_detail=error,
        last_activity_at=max(_activity(e) for e in events),
    )


def make_due_now(session: Session) -> int:
    """立即同步 for a sender in another process: every row waiting out its backoff is due now.

    Returns how many rows were brought forward; the sender takes them in its next round.
    """
    result = session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.status == "failed", OutboxEvent.next_attempt_at.is_not(None))
        .values(next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
