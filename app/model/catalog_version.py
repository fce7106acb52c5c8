"""A token that changes whenever any service item changes, so catalog caches know when to rebuild.

Every flush that adds, changes or deletes a ServiceItem writes a new random token to the
``setting`` row ``catalog.version`` in the same transaction. Reading that one row is far cheaper
than scanning the catalog for its last change. Writes that bypass the ORM (raw SQL) do not bump it.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.model.base import utcnow
from app.model.catalog import MaterialRequirement, ServiceItem
from app.model.records import Setting

CATALOG_VERSION_KEY = "catalog.version"
_WATCHED = (ServiceItem, MaterialRequirement)


def catalog_version(session: Session) -> object:
    return session.execute(
        select(Setting.value).where(Setting.key == CATALOG_VERSION_KEY)
    ).scalar_one_or_none()


@event.listens_for(Session, "before_flush")
def _bump_on_catalog_change(session: Session, _ctx: Any, _instances: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(obj, _WATCHED) for obj in touched):
        return
    values = {"key": CATALOG_VERSION_KEY, "value": uuid.uuid4().hex, "updated_at": utcnow()}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Setting).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value})
    session.execute(stmt)
