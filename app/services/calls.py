"""叫号信息: what the calling display shows and says — current and recent calls, and the voice text.

A call is a ticket a window has called today (``Ticket.called_at`` set, a window assigned). The
display announces a call once; a 重呼 (recall) raises the ticket's ``recall_count`` without a new
``called_at``, so :func:`announcement_key` includes both and a recall is announced again, as a recall.
Only tickets still in state ``called`` are announced: once service started (or the ticket was marked
过号) nobody needs to hear the number, which also keeps a display that was offline for a while from
reading out a backlog of stale calls when it comes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import local_date
from app.errors import DomainError
from app.model import QueueCategory, Station, Ticket, Window, utcnow

HELD_STATES = ("called", "serving")
DEFAULT_RECENT_LIMIT = 10

#: (number, window, called_at, recall_count): one announcement; a recall gives a new key.
AnnouncementKey = tuple[str, int, dt.datetime, int]


@dataclass(frozen=True)
class CallView:
    """叫号记录: one ticket called to one window, as the display shows it (a plain copy)."""

    number: str
    window_number: int
    called_at: dt.datetime
    recall_count: int
    category_name: str
    state: str = "called"  # called | serving | done | no_show | parked | cancelled

    @property
    def is_recall(self) -> bool:
        return self.recall_count > 0


def _station_id(session: Session, station_code: str) -> int:
    station_id = session.execute(select(Station.id).where(Station.code == station_code)).scalar_one_or_none()
    if station_id is None:
        raise DomainError(f"找不到站点 {station_code}，请检查本机的站点设置。")
    return station_id


def _calls(
    session: Session, station_code: str, *, held_only: bool, limit: int | None, now: dt.datetime | None
) -> list[CallView]:
    station_id = _station_id(session, station_code)
    today = local_date(now or utcnow())
    stmt = (
        select(Ticket, Window.number, QueueCategory.name)
        .join(Window, Window.id == Ticket.window_id)
        .outerjoin(
            QueueCategory,
            (QueueCategory.station_id == Ticket.station_id) & (QueueCategory.code == Ticket.category),
        )
        .where(Ticket.station_id == station_id, Ticket.service_day == today, Ticket.called_at.is_not(None))
    )
    if held_only:
        stmt = stmt.where(Ticket.state.in_(HELD_STATES)).order_by(Window.number, Ticket.id)
    else:
        stmt = stmt.order_by(Ticket.called_at.desc(), Ticket.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    views = []
    for ticket, window_number, category_name in session.execute(stmt):
        assert ticket.called_at is not None  # filtered above; narrows the type
        views.append(
            CallView(
                number=ticket.number,
                window_number=int(window_number),
                called_at=ticket.called_at,
                recall_count=ticket.recall_count,
                category_name=category_name or "",
                state=ticket.state,
            )
        )
    return views


def recent_calls(
    session: Session, station_code: str, limit: int = DEFAULT_RECENT_LIMIT, *, now: dt.datetime | None = None
) -> list[CallView]:
    """Today's calls, newest first (whatever happened to the ticket since), at most ``limit``."""
    if limit < 1:
        return []
    return _calls(session, station_code, held_only=False, limit=limit, now=now)


def current_calls(session: Session, station_code: str, *, now: dt.datetime | None = None) -> list[CallView]:
    """The ticket each window holds right now (called or being served), by window number."""
    calls = _calls(session, station_code, held_only=True, limit=None, now=now)
    # A window holds at most one ticket (queue.py enforces it); keep the first if data says otherwise.
    by_window: dict[int, CallView] = {}
    for call in calls:
        by_window.setdefault(call.window_number, call)
    return list(by_window.values())


def announcement_text(call: CallView) -> str:
    """The voice text: "请A001号到3号窗口办理", with "（重呼）" appended for a recall."""
    text = f"请{call.number}号到{call.window_number}号窗口办理"
    return f"{text}（重呼）" if call.is_recall else text


def announcement_key(call: CallView) -> AnnouncementKey:
    return (call.number, call.window_number, call.called_at, call.recall_count)


class AnnouncementTracker:
    """Decides which calls are new since the last look, so each call and recall is announced once.

    The first look only learns what is already on the board: a display started (or restarted) in
    the middle of the day does not read out calls made before it was running.
    """

    def __init__(self) -> None:
        self._seen: set[AnnouncementKey] | None = None

    def new_calls(self, current: Iterable[CallView]) -> list[CallView]:
        """Calls waiting for their applicant that were not announced yet, oldest first."""
        waiting = [call for call in current if call.state == "called"]
        keys = {announcement_key(call) for call in waiting}
        if self._seen is None:
            self._seen = keys
            return []
        fresh = [call for call in waiting if announcement_key(call) not in self._seen]
        # Forget calls that left the board so the set stays small; a key never comes back
        # (a new call of the same number gets a new called_at, a recall a new recall_count).
        self._seen = keys
        return sorted(fresh, key=lambda call: (call.called_at, call.recall_count, call.window_number))


def station_name(session: Session, station_code: str) -> str:
    """The station's name for the board's title ("城关镇便民服务中心")."""
    name = session.execute(select(Station.name).where(Station.code == station_code)).scalar_one_or_none()
    if name is None:
        raise DomainError(f"找不到站点 {station_code}，请检查本机的站点设置。")
    return name
