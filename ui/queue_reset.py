"""The daily queue reset, asked for by every hall screen that runs all day (counter, kiosk).

Whichever screen notices first after the reset time closes yesterday's open tickets; the core
makes it happen once per day however many ask.
"""

from __future__ import annotations

import datetime as dt

from app.clock import local_now
from app.context import AppContext
from app.services.queue_day import ResetReport, reset_if_due
from ui.ops import Changes, Op


def daily_reset_op(ctx: AppContext) -> Op[Changes]:
    hour, minute = (int(part) for part in ctx.config.get_str("queue.reset_at").split(":"))

    def run() -> Changes:
        with ctx.db.session() as session:
            report: ResetReport | None = reset_if_due(
                session, station_code=ctx.station_code, now=local_now(), reset_at=dt.time(hour, minute)
            )
        return Changes(queue=bool(report and report.count))

    return Op(run, name="daily queue reset")
