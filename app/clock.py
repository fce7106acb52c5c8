"""Local time for halls: every date a clerk or applicant sees is a Beijing-time date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date of an aware UTC moment in Beijing time."""
    return moment.astimezone(LOCAL_TZ).date()


def local_now() -> dt.datetime:
    return dt.datetime.now(LOCAL_TZ)
