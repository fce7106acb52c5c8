"""每日清号: the daily reset that closes the tickets of earlier service days.

Numbers already restart by themselves when the Beijing date changes (the counter row is keyed by
service day). What is left over is yesterday's unfinished tickets: people who never came back, a
called number nobody finished, a parked form. They would stay "waiting" forever, and a stale
called/serving ticket would keep its window from calling. The reset moves them to ``expired`` (已过期);
the rows stay, so the day's history and its KPIs are kept, and each closed ticket gets an audit event.

Running it twice does nothing the second time, and two PCs of one hall running it at the same moment
are serialized on a locked setting row, so a ticket is never expired twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.clock import LOCAL_TZ, local_date
from app.errors import DomainError
from app.model import Setting, Station, Ticket
from app.storage.counters import locked_setting

log = logging.getLogger(__name__)

EXPIRED = "expired"
EXPIRED_LABEL = "已过期"
# Serving is closed too: a ticket still "in service" from an earlier day blocks its window's next call.
STALE_STATES = ("waiting", "called", "serving", "parked")
DEFAULT_RESET_AT = dt.time(0, 30)  # after midnight, before any hall opens


@dataclass(frozen=True)
class ResetReport:
    """What one run of the daily reset did."""

    service_day: dt.date  # the day the reset ran for; tickets before it were closed
    expired: tuple[str, ...]  # "A001@2026-11-23", oldest first

    @property
    def count(self) -> int:
        return len(self.expired)


def reset_due(now: dt.datetime, reset_at: dt.time, *, last_reset_day: dt.date | None = None) -> bool:
    """Whether the daily reset should run at ``now``: past ``reset_at`` (Beijing time) and not run today.

    ``last_reset_day`` is the day the reset last ran (``last_reset_day()`` reads it from the database);
    None means it never ran.
    """
    if now.tzinfo is None:
        raise ValueError("reset_due needs an aware datetime")
    local = now.astimezone(LOCAL_TZ)
    if local.time() < reset_at:
        return False
    return last_reset_day is None or last_reset_day < local.date()


def _key(station_code: str) -> str:
    return f"queue.daily_reset.{station_code}"


def last_reset_day(session: Session, *, station_code: str) -> dt.date | None:
    """The service day of the last daily reset of this station, or None if it never ran."""
    row = session.get(Setting, _key(station_code))
    if row is None or not isinstance(row.value, dict) or not row.value.get("day"):
        return None
    return dt.date.fromisoformat(str(row.value["day"]))


def daily_reset(session: Session, *, station_code: str, now: dt.datetime) -> ResetReport:
    """Close every waiting/called/serving/parked ticket of a service day before today as ``expired``."""
    station = session.execute(select(Station).where(Station.code == station_code)).scalar_one_or_none()
    if station is None:
        raise DomainError(f"找不到站点 {station_code}，请检查本机的站点设置。")
    today = local_date(now)
    # Serializes concurrent resets of one station; the second waits and then finds nothing stale.
    marker = locked_setting(session, _key(station_code), {"day": ""})
    stale = list(
        session.execute(
            select(Ticket)
            .where(
                Ticket.station_id == station.id,
                Ticket.service_day < today,
                Ticket.state.in_(STALE_STATES),
            )
            .order_by(Ticket.service_day, Ticket.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    )
    closed: list[str] = []
    for ticket in stale:
        before = {"state": ticket.state, "category": ticket.category}
        ticket.state = EXPIRED
        entity_id = f"{ticket.number}@{ticket.service_day.isoformat()}"
        audit.append(
            session,
            actor="system",
            action="ticket.expire",
            entity="ticket",
            entity_id=entity_id,
            before=before,
            after={"state": EXPIRED, "category": ticket.category},
            reason="每日清号",
            at=now,
        )
        closed.append(entity_id)
    marker.value = {"day": today.isoformat(), "expired": len(closed)}
    session.flush()
    if closed:
        log.info("daily reset of station %s expired %d stale tickets", station_code, len(closed))
    return ResetReport(service_day=today, expired=tuple(closed))


def reset_if_due(
    session: Session, *, station_code: str, now: dt.datetime, reset_at: dt.time = DEFAULT_RESET_AT
) -> ResetReport | None:
    """Run the daily reset when it is due (any counter, kiosk or display may ask; it runs once a day)."""
    if not reset_due(now, reset_at, last_reset_day=last_reset_day(session, station_code=station_code)):
        return None
    return daily_reset(session, station_code=station_code, now=now)
