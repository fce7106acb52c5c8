"""草稿: saving what a clerk is typing so a crash loses at most the field being typed.

Payloads are JSON kept in an encrypted column: drafts hold names and ID numbers.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from app.model import Draft


def save_draft(session: Session, key: str, clerk: str, payload: dict[str, Any]) -> None:
    text = json.dumps(payload, ensure_ascii=False, default=str)
    row = session.get(Draft, key)
    if row is None:
        session.add(Draft(key=key, clerk=clerk, payload=text))
    else:
        row.clerk = clerk
        row.payload = text
    session.flush()


def load_draft(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(Draft, key)
    if row is None:
        return None
    data = json.loads(row.payload)
    return data if isinstance(data, dict) else None


def clear_draft(session: Session, key: str) -> None:
    row = session.get(Draft, key)
    if row is not None:
        session.delete(row)
        session.flush()
