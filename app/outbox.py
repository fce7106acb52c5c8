"""待同步: writing outbox events in the caller's transaction.

The sync engine (sync/, issue 8) claims and sends these rows; here we only guarantee that a
change and its event are committed together and that events of one case keep their order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.model import OutboxEvent


def enqueue(
    session: Session, *, aggregate: str, aggregate_uuid: str, kind: str, payload: dict[str, Any]
) -> OutboxEvent:
    last = session.execute(
        select(func.max(OutboxEvent.aggregate_seq)).where(
            OutboxEvent.aggregate == aggregate, OutboxEvent.aggregate_uuid == aggregate_uuid
        )
    ).scalar_one()
    ev = OutboxEvent(
        aggregate=aggregate,
        aggregate_uuid=aggregate_uuid,
        aggregate_seq=(last or 0) + 1,
        kind=kind,
        payload=payload,
    )
    session.add(ev)
    session.flush()
    return ev


def pending_count(session: Session) -> int:
    """Events not yet acknowledged by the platform (shown as 待同步 N)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.status.in_(("pending", "sending", "failed")))
        ).scalar_one()
    )


def pending_cases(session: Session) -> int:
    """Cases with at least one change the platform has not acknowledged (the status bar's 待同步 N 件)."""
    return int(
        session.execute(
            select(func.count(func.distinct(OutboxEvent.aggregate_uuid))).where(
                OutboxEvent.aggregate == "case", OutboxEvent.status.in_(("pending", "sending", "failed"))
            )
        ).scalar_one()
    )
