"""The ops the counter window starts: each opens its own Session on the runner's DB thread.

Widgets call these factories and attach callbacks; they never see a Session. Results are the
core's plain dataclasses, safe to hand to the UI thread.
"""

from __future__ import annotations

from app.context import AppContext
from app.services.catalog import ItemSummary, MaterialSummary, item_materials, search_items
from app.services.status import CounterStatus, counter_status
from ui.ops import Op

SEARCH_LIMIT = 50


def search_catalog(ctx: AppContext, query: str, limit: int = SEARCH_LIMIT) -> Op[list[ItemSummary]]:
    """Service items matching ``query`` by name, code, department or pinyin initials."""

    def run() -> list[ItemSummary]:
        with ctx.db.session() as session:
            return search_items(session, query, limit)

    return Op(run=run, name="search_catalog")


def load_materials(ctx: AppContext, impl_code: str) -> Op[list[MaterialSummary]]:
    """The material checklist (材料清单) of one service item."""

    def run() -> list[MaterialSummary]:
        with ctx.db.session() as session:
            return item_materials(session, impl_code)

    return Op(run=run, name="load_materials")


def load_counter_status(ctx: AppContext) -> Op[CounterStatus]:
    """Station name, window number and the outbox backlog for the status bar."""

    station_name = ctx.config.get_str("station.name")
    window_number = ctx.config.get_int("station.window_number")

    def run() -> CounterStatus:
        with ctx.db.session() as session:
            return counter_status(session, station_name=station_name, window_number=window_number)

    return Op(run=run, name="load_counter_status")
