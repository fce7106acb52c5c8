"""Evaluations (好差评) and audit events (留痕) pushed by stations; e-licences and pre-applications looked up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.platform.core import StationRef, iso
from sync.platform.errors import ApiError
from sync.platform.idempotency import Answer, remember, replay
from sync.platform.models import AuditRecord, EvaluationRecord, Licence, PreApplication
from sync.protocol import ErrorCode, canonical_hash


def push_evaluation(
    session: Session, station: StationRef, key: str, payload: dict[str, Any], now: dt.datetime
) -> Answer:
    fingerprint = canonical_hash({"op": "evaluation", "body": payload})
    stored = replay(session, station.id, "evaluation", key, fingerprint)
    if stored is not None:
        return stored
    # The record and its idempotency entry are written in one transaction, so a key without an
    # entry has no record either.
    row = EvaluationRecord(station_id=station.id, uuid=key, payload=payload, received_at=now)
    session.add(row)
    session.flush()
    answer = Answer(201, {"uuid": key, "received_at": iso(row.received_at)})
    return remember(session, station.id, "evaluation", key, fingerprint, answer, now)


def push_audit(
    session: Session, station: StationRef, events: list[dict[str, Any]], now: dt.datetime
) -> tuple[int, int]:
    """Store events not seen before; returns ``(accepted, duplicates)`` where accepted counts all."""
    seen: set[str] = set()
    duplicates = 0
    for event in events:
        uuid = str(event["uuid"])
        if uuid in seen or session.get(AuditRecord, (station.id, uuid)) is not None:
            duplicates += 1
            continue
        seen.add(uuid)
        session.add(AuditRecord(station_id=station.id, uuid=uuid, payload=event, received_at=now))
    session.flush()
    return len(events), duplicates


def licences(session: Session, holder: str) -> list[dict[str, str]]:
    rows = session.execute(
        select(Licence).where(Licence.holder_hash == holder).order_by(Licence.id)
    ).scalars()
    return [
        {"name": r.name, "number": r.number, "issuer": r.issuer, "valid_until": r.valid_until} for r in rows
    ]


def preapplication(session: Session, code: str) -> dict[str, Any]:
    row = session.get(PreApplication, code.strip().upper())
    if row is None:
        raise ApiError(ErrorCode.PREAPPLICATION_NOT_FOUND)
    return {
        "code": row.code,
        "item_impl_code": row.item_impl_code,
        "item_name": row.item_name,
        "applicant_name": row.applicant_name_masked,
        "applicant_kind": row.applicant_kind,
        "submitted_at": iso(row.submitted_at),
        "materials": [dict(m) for m in row.materials],
        "form": dict(row.form),
        "note": row.note,
    }
