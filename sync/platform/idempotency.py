"""幂等键: a key plus the fingerprint of its request body map to one stored answer.

Same key and same body (canonical JSON hash) replay the stored answer; same key with another body
is 409 ``idempotency_conflict``. Only successful answers are stored: an error (say, blobs still
missing at submit) must not stick to the key, or the client could never succeed with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from sync.platform.errors import ApiError
from sync.platform.models import IdempotencyRecord
from sync.protocol import ErrorCode

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def clean_key(raw: str | None) -> str:
    """The key of an ``Idempotency-Key`` header (a structured-field string may come quoted)."""
    key = (raw or "").strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key:
        raise ApiError(ErrorCode.IDEMPOTENCY_KEY_MISSING)
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApiError(
            ErrorCode.BAD_REQUEST, detail=f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} printable ASCII"
        )
    return key


def replay(session: Session, station_id: str, scope: str, key: str, fingerprint: str) -> Answer | None:
    row = session.get(IdempotencyRecord, (station_id, scope, key))
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise ApiError(ErrorCode.IDEMPOTENCY_CONFLICT)
    return Answer(row.status_code, dict(row.response))


def remember(
    session: Session,
    station_id: str,
    scope: str,
    key: str,
    fingerprint: str,
    answer: Answer,
    now: dt.datetime,
) -> Answer:
    session.add(
        IdempotencyRecord(
            station_id=station_id,
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            status_code=answer.status,
            response=answer.body,
            created_at=now,
        )
    )
    session.flush()
    return answer
