"""Locked access to ``setting`` rows used as counters and heads (audit chain, daily serials).

The row is created with INSERT … ON CONFLICT DO NOTHING and then read ``FOR UPDATE``, so two
windows that both find it missing cannot both insert it (PostgreSQL), and the second one waits for
the first one's commit before reading the value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.model import Setting, utcnow


def locked_setting(session: Session, key: str, default: Any) -> Setting:
    """The ``setting`` row ``key`` (created with ``default`` if missing), locked for this transaction."""
    dialect = session.get_bind().dialect.name
    values = {"key": key, "value": default, "updated_at": utcnow()}
    if dialect == "postgresql":
        session.execute(
            postgresql.insert(Setting).values(**values).on_conflict_do_nothing(index_elements=["key"])
        )
    elif dialect == "sqlite":
        session.execute(
            sqlite.insert(Setting).values(**values).on_conflict_do_nothing(index_elements=["key"])
        )
    else:  # pragma: no cover - only the two supported databases reach here
        if session.get(Setting, key) is None:
            session.add(Setting(**values))
            session.flush()
    row = session.execute(
        select(Setting).where(Setting.key == key).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    return row
