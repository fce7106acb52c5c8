"""The hall's working-day calendar, built from the packaged data and the override table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.model import CalendarOverride
from app.workdays import WorkdayCalendar


def load_calendar(session: Session) -> WorkdayCalendar:
    """Local overrides beat platform-sent days, which beat chinese_calendar."""
    local: dict[dt.date, bool] = {}
    platform: dict[dt.date, bool] = {}
    for row in session.execute(select(CalendarOverride)).scalars():
        (platform if row.from_platform else local)[row.day] = row.is_workday
    return WorkdayCalendar(overrides=local, platform_days=platform)
