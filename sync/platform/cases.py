"""办件: receiving cases, submitting them, the back office's decisions and the changes feed.

A case is one row per uuid whatever happens on the wire. Its platform life:
received → submitted → (correction_requested → submitted …) → approved → completed, or rejected.
Each move the station should hear about is appended to that station's changes feed.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import LOCAL_TZ
from sync.platform.blobs import incomplete
from sync.platform.core import StationRef, iso
from sync.platform.errors import ApiError
from sync.platform.idempotency import Answer, remember, replay
from sync.platform.models import Change, NumberSerial, PlatformCase
from sync.platform.schemas import AdminActionIn, CaseIn
from sync.protocol import ChangeKind, ErrorCode, canonical_hash

log = logging.getLogger(__name__)

#: Back-office action -> (states it may start from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"submitted"}), "approved"),
    "reject": (frozenset({"submitted", "correction_requested"}), "rejected"),
    "correct": (frozenset({"submitted"}), "correction_requested"),
    "result": (frozenset({"approved"}), "completed"),
}
STATE_LABELS = {
    "received": "已接收",
    "submitted": "已提交",
    "correction_requested": "待补正",
    "approved": "已准予",
    "rejected": "不予许可",
    "completed": "已办结",
}


def page_hashes(body: CaseIn) -> list[str]:
    """Every page's sha256 in material then page order, each once."""
    out: list[str] = []
    for material in sorted(body.materials, key=lambda m: m.position):
        for page in sorted(material.pages, key=lambda p: p.position):
            if page.sha256 not in out:
                out.append(page.sha256)
    return out


def _add_change(
    session: Session, case: PlatformCase, kind: ChangeKind, data: dict[str, Any], now: dt.datetime
) -> None:
    session.add(Change(station_id=case.station_id, case_uuid=case.uuid, kind=kind, data=data, at=now))


def _owned(session: Session, station: StationRef, case_uuid: str, *, lock: bool = False) -> PlatformCase:
    row = session.get(PlatformCase, case_uuid, with_for_update=lock)
    if row is None or row.station_id != station.id:
        # Another station's case is "not found": its existence is not ours to learn.
        raise ApiError(ErrorCode.CASE_NOT_FOUND)
    return row


def put_case(
    session: Session, station: StationRef, case_uuid: str, key: str, body: CaseIn, now: dt.datetime
) -> Answer:
    data = body.model_dump(mode="json")
    fingerprint = canonical_hash({"op": "case", "uuid": case_uuid, "body": data})
    stored = replay(session, station.id, "case", key, fingerprint)
    if stored is not None:
        return stored
    if body.station_code != station.code:
        raise ApiError(ErrorCode.WRONG_STATION)
    row = session.get(PlatformCase, case_uuid, with_for_update=True)
    status = 200
    if row is None:
        row = PlatformCase(
            uuid=case_uuid,
            station_id=station.id,
            received_at=now,
            state="received",
            submit_count=0,
            submit_requests=0,
            put_count=0,
        )
        session.add(row)
        status = 201
    elif row.station_id != station.id:
        raise ApiError(ErrorCode.WRONG_STATION)
    elif body.data_version < row.data_version:
        raise ApiError(ErrorCode.STALE_VERSION, data_version=row.data_version)
    row.station_code = body.station_code
    row.local_number = body.local_number
    row.data_version = body.data_version
    row.item_impl_code = body.item_impl_code
    row.title = body.title
    row.client_state = body.state
    row.body = data
    row.page_hashes = page_hashes(body)
    row.updated_at = now
    row.put_count += 1
    session.flush()
    answer = Answer(
        status, {"uuid": case_uuid, "received_at": iso(row.received_at), "data_version": row.data_version}
    )
    return remember(session, station.id, "case", key, fingerprint, answer, now)


def _platform_number(session: Session, case_uuid: str, now: dt.datetime) -> str:
    serial = NumberSerial(case_uuid=case_uuid)
    session.add(serial)
    session.flush()
    return f"YC{now.astimezone(LOCAL_TZ):%Y%m%d}{serial.id:06d}"


def submit_case(session: Session, station: StationRef, case_uuid: str, key: str, now: dt.datetime) -> Answer:
    fingerprint = canonical_hash({"op": "submit", "uuid": case_uuid})
    stored = replay(session, station.id, "submit", key, fingerprint)
    if stored is not None:
        return stored
    row = _owned(session, station, case_uuid, lock=True)
    missing = incomplete(session, list(row.page_hashes))
    if missing:
        raise ApiError(ErrorCode.BLOBS_INCOMPLETE, missing=missing)
    row.submit_requests += 1
    if row.state in ("received", "correction_requested"):
        previous = row.state
        row.state = "submitted"
        row.submit_count += 1
        if row.submitted_at is None:
            row.submitted_at = now
        if row.platform_number is None:
            row.platform_number = _platform_number(session, case_uuid, now)
            row.query_password = f"{secrets.randbelow(10**6):06d}"
            _add_change(
                session,
                row,
                "platform_number",
                {"platform_number": row.platform_number, "query_password": row.query_password},
                now,
            )
        _add_change(session, row, "status", {"state": "submitted", "previous": previous}, now)
        log.info("case %s submitted as %s (submission %d)", case_uuid, row.platform_number, row.submit_count)
    assert row.platform_number is not None and row.query_password is not None
    answer = Answer(
        200,
        {
            "uuid": case_uuid,
            "state": row.state,
            "platform_number": row.platform_number,
            "query_password": row.query_password,
        },
    )
    return remember(session, station.id, "submit", key, fingerprint, answer, now)


def case_view(row: PlatformCase) -> dict[str, Any]:
    return {
        "uuid": row.uuid,
        "state": row.state,
        "platform_number": row.platform_number,
        "query_password": row.query_password,
        "pages": list(row.page_hashes),
        "submitted_at": iso(row.submitted_at) if row.submitted_at else None,
        "received_at": iso(row.received_at),
        "data_version": row.data_version,
        "local_number": row.local_number,
    }


def get_case(session: Session, station: StationRef, case_uuid: str) -> dict[str, Any]:
    return case_view(_owned(session, station, case_uuid))


def changes(session: Session, station: StationRef, since: int, limit: int) -> tuple[list[Change], bool]:
    """The station's changes after ``since`` (at most ``limit``) and whether more are waiting."""
    rows = list(
        session.execute(
            select(Change)
            .where(Change.station_id == station.id, Change.cursor > since)
            .order_by(Change.cursor)
            .limit(limit + 1)
        ).scalars()
    )
    return rows[:limit], len(rows) > limit


def change_view(row: Change) -> dict[str, Any]:
    return {
        "cursor": row.cursor,
        "case_uuid": row.case_uuid,
        "kind": row.kind,
        "data": dict(row.data),
        "at": iso(row.at),
    }


def decide(
    session: Session, case_uuid: str, action: str, note: AdminActionIn, now: dt.datetime
) -> PlatformCase:
    """Apply a back-office action (approve, reject, correct, result) and tell the station."""
    row = session.get(PlatformCase, case_uuid, with_for_update=True)
    if row is None:
        raise ApiError(ErrorCode.CASE_NOT_FOUND)
    allowed, target = TRANSITIONS[action]
    if row.state not in allowed:
        raise ApiError(
            ErrorCode.ILLEGAL_STATE, state=row.state, detail=f"{action} is not allowed in state {row.state}"
        )
    previous = row.state
    row.state = target
    row.updated_at = now
    if action == "approve":
        _add_change(session, row, "decision", {"decision": "approved", "note": note.note}, now)
    elif action == "reject":
        _add_change(session, row, "decision", {"decision": "rejected", "reason": note.note}, now)
    elif action == "correct":
        _add_change(
            session, row, "correction_request", {"reason": note.note, "materials": list(note.materials)}, now
        )
    else:
        result_name = note.result_name or "办理结果"
        _add_change(
            session,
            row,
            "result",
            {
                "result_name": result_name,
                "licence_number": note.licence_number,
                "note": note.note,
                "issued_at": iso(now),
            },
            now,
        )
    _add_change(session, row, "status", {"state": target, "previous": previous}, now)
    session.flush()
    log.info("back office: case %s %s (%s -> %s)", case_uuid, action, previous, target)
    return row


def all_cases(session: Session) -> list[PlatformCase]:
    return list(session.execute(select(PlatformCase).order_by(PlatformCase.received_at.desc())).scalars())
