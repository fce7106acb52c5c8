"""从平台拉取: the changes feed (status, 补正, decisions, results, numbers) and reference data.

Changes come by the platform's cursor, never by our clock. Each page of changes is applied in
one transaction together with the new cursor (``setting`` row ``sync.changes_cursor``, locked),
so a crash replays at most that page and two hall nodes pulling at once never apply a page twice.
Every applied change writes an audit event (entity "case", action ``platform.<kind>``), so it
shows on the case timeline with the state it moved the case to.

Platform decisions move the local case directly, not through ``case_flow``: they are the
platform's acts, not the window's, and must not be sent back as new outbox events.
``result`` (and a refusal) make the case 已办结, which puts it in the counter's "可出件" filter;
a 补正 request makes it 待补正 so the window can take the extra materials.

Reference documents (catalog, calendar, clerk accounts) are fetched with their ETag, so an
unchanged document costs one 304, and applied without deleting anything local.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.case_states import CaseState
from app.errors import ValidationError
from app.model import (
    CalendarOverride,
    Case,
    Clerk,
    ItemBundle,
    MaterialRequirement,
    Role,
    ServiceItem,
    Setting,
    Station,
    bundle_item,
    utcnow,
)
from app.services.card_reads import check_card_fields
from app.services.catalog import pinyin_full, pinyin_initials
from app.storage.counters import locked_setting
from app.storage.db import Database
from sync import protocol
from sync.client import Change, PlatformClient

log = logging.getLogger(__name__)

CURSOR_SETTING = "sync.changes_cursor"
REFERENCE_SETTING = "sync.reference.{name}"
REFERENCES: tuple[tuple[str, str], ...] = (
    ("calendar", protocol.PATH_CALENDAR),
    ("catalog", protocol.PATH_CATALOG),
    ("clerks", protocol.PATH_CLERKS),
)
#: Local states a platform result or refusal closes (the case is with the department).
_DECIDABLE = frozenset({CaseState.ACCEPTED.value, CaseState.SUSPENDED.value})
#: Local states a platform 补正 request sends back to the window.
_CORRECTABLE = frozenset({CaseState.RECEIVED.value, CaseState.ACCEPTED.value, CaseState.SUSPENDED.value})
#: Canonical 办结结果 codes (Shandong DONERESULT): 0 出证办结, 1 退回办结 (不予许可), 6 其他办结.
RESULT_WITH_CERTIFICATE = "0"
RESULT_RETURNED = "1"
RESULT_OTHER = "6"


@dataclass
class PullReport:
    changes: int = 0  # applied to a local case (and audited)
    skipped: int = 0  # for a case this database does not hold


# --- Changes feed -------------------------------------------------------------------------------


def changes_cursor(db: Database) -> int:
    with db.session() as s:
        row = s.get(Setting, CURSOR_SETTING)
        return int(row.value) if row is not None else 0


def pull_changes(db: Database, client: PlatformClient, *, limit: int = protocol.CHANGES_PAGE) -> PullReport:
    """Apply every change after the stored cursor, one page per transaction."""
    report = PullReport()
    while True:
        cursor = changes_cursor(db)
        page = client.changes(cursor, limit)
        with db.session() as s:
            row = locked_setting(s, CURSOR_SETTING, 0)
            if int(row.value) != cursor:
                # Another node applied this page while we fetched it: fetch again from its cursor.
                log.info("changes cursor moved from %d to %s meanwhile, fetching again", cursor, row.value)
                continue
            for change in page.changes:
                if apply_change(s, change):
                    report.changes += 1
                else:
                    report.skipped += 1
            if page.next_cursor > cursor:
                row.value = page.next_cursor
        if len(page.changes) < limit or page.next_cursor <= cursor:
            return report


def apply_change(session: Session, change: Change, *, now: dt.datetime | None = None) -> bool:
    """Apply one change to its local case and audit it; False when the case is not on this database."""
    now = now or utcnow()
    case = session.execute(
        select(Case).where(Case.uuid == change.case_uuid).with_for_update()
    ).scalar_one_or_none()
    if case is None:
        log.warning(
            "change %d (%s) for unknown case %s skipped", change.cursor, change.kind, change.case_uuid
        )
        return False
    data = change.data
    at = _platform_time(change.at) or now
    before_state = case.state
    after: dict[str, Any] = {"cursor": change.cursor}
    reason = ""
    if change.kind == "platform_number":
        number = str(data.get("platform_number", ""))[:50]
        password = str(data.get("query_password", ""))[:20]
        if number:
            case.platform_number = number
        if password:
            case.query_password = password
        after["platform_number"] = number
    elif change.kind == "status":
        after["platform_state"] = str(data.get("state", ""))
    elif change.kind == "correction_request":
        reason = str(data.get("reason", ""))
        materials = [str(m) for m in data.get("materials", []) if str(m).strip()]
        case.correction_items = [{"material": m, "requirement": reason} for m in materials]
        case.correction_notified_at = at
        if reason:
            case.last_reason = reason
        if case.state in _CORRECTABLE:
            case.state = CaseState.CORRECTION_REQUESTED.value
        after["materials"] = materials
    elif change.kind == "decision":
        decision = str(data.get("decision", ""))
        case.decided_at = at
        after["decision"] = decision
        if decision == "rejected":
            reason = str(data.get("reason", ""))
            case.last_reason = reason or case.last_reason
            _complete(case, at, RESULT_RETURNED, reason)
        else:
            reason = str(data.get("note", ""))
    elif change.kind == "result":
        name = str(data.get("result_name", ""))
        number = str(data.get("licence_number", ""))
        note = str(data.get("note", ""))
        reason = note
        code = RESULT_WITH_CERTIFICATE if number else RESULT_OTHER
        text = f"{name}（{number}）" if number else name
        _complete(case, at, code, "；".join(t for t in (text, note) if t))
        after.update(result_name=name, licence_number=number)
    else:
        log.warning("change %d of unknown kind %r recorded only", change.cursor, change.kind)
        after["data"] = dict(data)
    before = None
    if case.state != before_state:
        before = {"state": before_state}
        after["state"] = case.state
    session.flush()
    audit.append(
        session,
        actor="platform",
        action=f"platform.{change.kind}",
        entity="case",
        entity_id=case.uuid,
        before=before,
        after=after,
        reason=reason,
        at=now,
    )
    return True


def _complete(case: Case, at: dt.datetime, code: str, note: str) -> None:
    case.result_code = code
    case.result_note = note
    if case.state in _DECIDABLE:
        case.state = CaseState.COMPLETED.value
        case.completed_at = at


def _platform_time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# --- Reference documents --------------------------------------------------------------------------


def pull_references(db: Database, client: PlatformClient, *, now: dt.datetime | None = None) -> list[str]:
    """Fetch catalog, calendar and clerks when their ETag changed; returns the names applied."""
    applied: list[str] = []
    for name, path in REFERENCES:
        key = REFERENCE_SETTING.format(name=name)
        with db.session() as s:
            row = s.get(Setting, key)
            etag = str(row.value.get("etag", "")) if row is not None and isinstance(row.value, dict) else ""
        document = client.reference(path, etag or None)
        if document is None:
            continue
        with db.session() as s:
            body = document.body if isinstance(document.body, dict) else {}
            counts = _APPLIERS[name](s, body)
            value = {"etag": document.etag, "fetched_at": (now or utcnow()).isoformat(), **counts}
            row = s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value=value))
            else:
                row.value = value
        log.info("reference %s updated (%s)", name, counts)
        applied.append(name)
    return applied


def apply_calendar(session: Session, body: dict[str, Any]) -> dict[str, int]:
    """Platform holidays and make-up days; days a clerk set locally stay as they are."""
    written = 0
    listed: set[dt.date] = set()
    for entry in body.get("days", []):
        try:
            day = dt.date.fromisoformat(str(entry["date"]))
        except (KeyError, TypeError, ValueError):
            log.warning("calendar entry %r skipped", entry)
            continue
        listed.add(day)
        is_workday = bool(entry.get("workday", False))
        source = str(entry.get("name", ""))[:200]
        row = session.get(CalendarOverride, day)
        if row is None:
            session.add(CalendarOverride(day=day, is_workday=is_workday, source=source, from_platform=True))
            written += 1
        elif row.from_platform and (row.is_workday != is_workday or row.source != source):
            row.is_workday, row.source = is_workday, source
            written += 1
    year = body.get("year")
    removed = 0
    if isinstance(year, int):
        # The document covers its year whole: a platform day no longer listed was withdrawn.
        for row in session.execute(
            select(CalendarOverride).where(CalendarOverride.from_platform.is_(True))
        ).scalars():
            if row.day.year == year and row.day not in listed:
                session.delete(row)
                removed += 1
    session.flush()
    return {"written": written, "removed": removed}


_ITEM_COLUMNS = frozenset(ServiceItem.__table__.columns.keys()) - {
    "id",
    "use_count",
    "pinyin_initials",
    "pinyin_full",
}
_MATERIAL_COLUMNS = frozenset(MaterialRequirement.__table__.columns.keys()) - {"id", "item_id"}
_MATERIAL_RENAME = {"order": "position"}


def _item_fields(raw: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in raw.items() if k in _ITEM_COLUMNS}
    if fields.get("card_fields") is not None:
        fields["card_fields"] = check_card_fields(fields["card_fields"])
    return fields


def _material(raw: dict[str, Any]) -> MaterialRequirement:
    fields = {_MATERIAL_RENAME.get(k, k): v for k, v in raw.items()}
    return MaterialRequirement(**{k: v for k, v in fields.items() if k in _MATERIAL_COLUMNS})


def apply_catalog(session: Session, body: dict[str, Any]) -> dict[str, int]:
    """New items and bundles are added; known items (by 实施编码) get the platform's fields.

    Nothing is deleted and existing material requirements are kept (cases point at them); a
    material the platform added to an item is appended.
    """
    added = updated = bundles = 0
    by_code = {i.impl_code: i for i in session.execute(select(ServiceItem)).scalars()}
    for raw in body.get("items", []):
        if not isinstance(raw, dict) or not raw.get("impl_code") or not raw.get("name"):
            log.warning("catalog item without impl_code or name skipped")
            continue
        try:
            fields = _item_fields(raw)
        except ValidationError as exc:
            log.warning("catalog item %s skipped: %s", raw.get("impl_code"), exc)
            continue
        item = by_code.get(str(raw["impl_code"]))
        if item is None:
            item = ServiceItem(
                **fields,
                pinyin_initials=pinyin_initials(fields["name"]),
                pinyin_full=pinyin_full(fields["name"]),
            )
            session.add(item)
            by_code[item.impl_code] = item
            added += 1
        else:
            changed = False
            for key, value in fields.items():
                if getattr(item, key) != value:
                    setattr(item, key, value)
                    changed = True
            if changed:
                item.pinyin_initials = pinyin_initials(item.name)
                item.pinyin_full = pinyin_full(item.name)
                updated += 1
        have = {m.name for m in item.materials}
        for m in raw.get("materials", []):
            if isinstance(m, dict) and m.get("name") and m["name"] not in have:
                item.materials.append(_material(m))
                have.add(m["name"])
    session.flush()
    known_bundles = set(session.execute(select(ItemBundle.code)).scalars())
    for raw in body.get("bundles", []):
        if not isinstance(raw, dict) or raw.get("code") in known_bundles:
            continue
        members = [by_code[c] for c in raw.get("items", []) if c in by_code]
        if not members:
            continue
        bundle = ItemBundle(
            code=str(raw["code"]),
            name=str(raw.get("name", raw["code"])),
            description=str(raw.get("description", "")),
            lead_department=str(raw.get("lead_department", "")),
        )
        session.add(bundle)
        session.flush()
        for position, member in enumerate(members):
            session.execute(
                bundle_item.insert().values(bundle_id=bundle.id, item_id=member.id, position=position)
            )
        bundles += 1
    session.flush()
    return {"added": added, "updated": updated, "bundles": bundles}


def apply_clerks(session: Session, body: dict[str, Any]) -> dict[str, int]:
    """Accounts the platform manages: created or updated by username; never deleted (deactivated)."""
    roles = {r.value for r in Role}
    stations = {s.code: s.id for s in session.execute(select(Station)).scalars()}
    added = updated = 0
    for raw in body.get("clerks", []):
        if not isinstance(raw, dict) or not raw.get("username") or raw.get("role") not in roles:
            log.warning("clerk entry without username or with an unknown role skipped")
            continue
        username = str(raw["username"])[:64]
        fields: dict[str, Any] = {
            "display_name": str(raw.get("display_name", username))[:100],
            "role": str(raw["role"]),
            "active": bool(raw.get("active", True)),
        }
        if raw.get("password_hash"):
            fields["password_hash"] = str(raw["password_hash"])[:200]
        station_id = stations.get(str(raw.get("station_code", "")))
        if station_id is not None:
            fields["station_id"] = station_id
        clerk = session.execute(select(Clerk).where(Clerk.username == username)).scalar_one_or_none()
        if clerk is None:
            session.add(Clerk(username=username, **fields))
            added += 1
            continue
        changed = False
        for key, value in fields.items():
            if getattr(clerk, key) != value:
                setattr(clerk, key, value)
                changed = True
        updated += changed
    session.flush()
    return {"added": added, "updated": updated}


_APPLIERS = {"calendar": apply_calendar, "catalog": apply_catalog, "clerks": apply_clerks}
