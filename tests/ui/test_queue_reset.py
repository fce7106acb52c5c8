"""A counter that runs overnight closes yesterday's open tickets once, after the reset time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.clock import local_now
from app.context import AppContext
from app.model import Ticket
from app.services.queue import issue_ticket
from app.services.queue_day import reset_if_due
from ui.ops import Changes, OpRunner
from ui.queue_reset import daily_reset_op


def test_reset_op_expires_yesterdays_waiting_tickets_once(demo_ctx: AppContext) -> None:
    yesterday = (local_now() - dt.timedelta(days=1)).replace(hour=10, minute=0)
    with demo_ctx.db.session() as s:
        issue_ticket(s, station_code=demo_ctx.station_code, category="A", now=yesterday.astimezone(dt.UTC))
    results: list[Changes] = []
    runner = OpRunner(inline=True)
    runner.start(daily_reset_op(demo_ctx).success(results.append))
    now = local_now()
    with demo_ctx.db.session() as s:
        states = list(s.execute(select(Ticket.state)).scalars())
        again = reset_if_due(s, station_code=demo_ctx.station_code, now=now.astimezone(dt.UTC))
    if now.time() >= dt.time(0, 30):  # before 00:30 Beijing time the reset is not yet due
        assert states == ["expired"] and results == [Changes(queue=True)]
        assert again is None  # once a day, however many screens ask
    else:
        assert states == ["waiting"]
