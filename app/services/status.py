"""What the counter's status bar shows about the station and the sync backlog."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import outbox
from app.clock import LOCAL_TZ, local_now
from app.model import Case, Station


@dataclass(frozen=True)
class CounterStatus:
    station_name: str
    window_number: int
    pending_outbox: int  # cases (not events) waiting to sync
    cases_today: int


def counter_status(session: Session, *, station_name: str = "", window_number: int = 1) -> CounterStatus:
    """Counts for the status bar; ``station_name`` falls back to the station row when not given."""
    if not station_name:
        station = session.execute(select(Station).order_by(Station.id)).scalars().first()
        station_name = station.name if station else "未配置站点"
    start = dt.datetime.combine(local_now().date(), dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC)
    today = session.execute(
        select(func.count()).select_from(Case).where(Case.created_at >= start)
    ).scalar_one()
    return CounterStatus(
        station_name=station_name,
        window_number=window_number,
        pending_outbox=outbox.pending_cases(session),
        cases_today=int(today),
    )
