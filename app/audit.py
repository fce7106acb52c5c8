"""全程留痕: the append-only, hash-chained audit trail.

Each event's hash covers its own fields and the previous event's hash, so editing or deleting any
row breaks the chain from there on. The newest (seq, hash) is also kept in the ``setting`` row
``audit.head``: deleting the newest rows is caught because the head no longer matches. Appends lock
that row (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers anyway), so two windows writing at
once never fork the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.model import AuditEvent, Setting, utcnow
from app.storage.counters import locked_setting

GENESIS = "0" * 64
HEAD_KEY = "audit.head"


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(
    *,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
    prev_hash: str,
) -> str:
    body = _canonical(
        {
            "seq": seq,
            # Microseconds are dropped: not every database keeps them, and the hash must survive a round trip.
            "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before,
            "after": after,
            "reason": reason,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def hash_of(ev: AuditEvent) -> str:
    """The hash an event should carry, from its stored fields and its ``prev_hash``."""
    return event_hash(
        seq=ev.seq,
        at=ev.at,
        actor=ev.actor,
        action=ev.action,
        entity=ev.entity,
        entity_id=ev.entity_id,
        before=ev.before,
        after=ev.after,
        reason=ev.reason,
        prev_hash=ev.prev_hash,
    )


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (commit it together with the change)."""
    head = locked_setting(session, HEAD_KEY, {"seq": 0, "hash": GENESIS})
    seq = int(head.value["seq"]) + 1
    prev = str(head.value["hash"])
    when = (at or utcnow()).replace(microsecond=0)
    ev = AuditEvent(
        seq=seq,
        at=when,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        reason=reason,
        prev_hash=prev,
    )
    ev.hash = hash_of(ev)
    session.add(ev)
    head.value = {"seq": seq, "hash": ev.hash}
    session.flush()
    return ev


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    message: str  # Chinese, for the verify command's output


@dataclass(frozen=True)
class AuditReport:
    checked: int
    problems: list[AuditProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _iter_events(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(session: Session) -> AuditReport:
    """Walk the chain; report every edited, inserted or deleted row (messages in Chinese)."""
    problems: list[AuditProblem] = []
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for ev in _iter_events(session):
        checked += 1
        if ev.seq != expected_seq:
            problems.append(
                AuditProblem(expected_seq, f"第 {expected_seq}–{ev.seq - 1} 条留痕记录缺失（已被删除）")
            )
        if ev.prev_hash != prev:
            problems.append(
                AuditProblem(ev.seq, f"第 {ev.seq} 条留痕记录与前一条不衔接（前一条被删除或改动）")
            )
        recomputed = hash_of(ev)
        if recomputed != ev.hash:
            problems.append(
                AuditProblem(ev.seq, f"第 {ev.seq} 条留痕记录内容被改动（{ev.action} {ev.entity}）")
            )
        prev = ev.hash
        expected_seq = ev.seq + 1
    head = session.execute(select(Setting).where(Setting.key == HEAD_KEY)).scalar_one_or_none()
    head_seq = int(head.value["seq"]) if head is not None else 0
    head_hash = str(head.value["hash"]) if head is not None else GENESIS
    if head_seq != expected_seq - 1 or head_hash != prev:
        problems.append(
            AuditProblem(
                head_seq,
                f"留痕记录末尾不完整：应有 {head_seq} 条，实际最后一条为第 {expected_seq - 1} 条（最新记录被删除或改动）",
            )
        )
    return AuditReport(checked=checked, problems=problems)
