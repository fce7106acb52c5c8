"""取号/叫号: queue numbers issued per category and the counter actions a window takes on them.

A ticket moves waiting → called → serving → done; a called or serving ticket may instead end as
no_show (过号), parked (挂起), cancelled, or go back to waiting when it is transferred. A window holds at
most one called/serving ticket. Numbers are the category prefix plus three digits and restart every
service day (Beijing date); the per-category counter row is locked while a number is taken, so two
kiosks never hand out the same number.

Two windows calling at the same moment never get the same ticket: on PostgreSQL the next ticket is
read ``FOR UPDATE SKIP LOCKED`` (the other window skips it and takes the one after), on SQLite writers
are serialized by ``BEGIN IMMEDIATE``. Every action writes one audit event in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, event, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app import audit
from app.clock import LOCAL_TZ, local_date
from app.errors import DomainError, ValidationError
from app.model import QueueCategory, Role, Station, Ticket, Window, utcnow
from app.services.actor import Actor
from app.storage.counters import locked_setting
from app.storage.notify import notify_queue_changed

log = logging.getLogger(__name__)

COUNTER_ROLES = frozenset({Role.CLERK, Role.STATION_STAFF, Role.SUPERVISOR})

PRIORITY_LABELS = {
    "normal": "普通",
    "appointment": "预约",
    "elderly": "老年人",
    "disabled": "残疾人",
    "green": "绿色通道",
}

STATE_LABELS = {
    "waiting": "等候中",
    "called": "已叫号",
    "serving": "办理中",
    "done": "已办结",
    "no_show": "过号",
    "parked": "挂起",
    "cancelled": "已取消",
    "expired": "已过期",  # closed by the daily reset (app.services.queue_day)
}

HELD_STATES = ("called", "serving")  # a window holds at most one ticket in these states
CALLABLE_BY_NUMBER = ("waiting", "parked", "no_show")  # a late applicant can be called back in

DEFAULT_CATEGORIES = (
    ("A", "综合受理"),
    ("B", "社保医保"),
    ("C", "民政残联"),
    ("D", "市场准入"),
    ("E", "不动产与建设"),
    ("F", "公安户政"),
)

MAX_NUMBER = 999  # three digits on the ticket, the display and in the voice call


@dataclass(frozen=True)
class TicketView:
    """One ticket as screens, the display and the kiosk see it (a plain copy, safe across threads)."""

    id: int
    number: str
    category: str
    category_name: str
    priority: str
    state: str
    window_number: int | None
    recall_count: int
    issued_at: dt.datetime
    called_at: dt.datetime | None


@dataclass(frozen=True)
class CategoryView:
    code: str
    name: str
    waiting: int


# --- Lookups ----------------------------------------------------------------------------------


def _station(session: Session, station_code: str) -> Station:
    station = session.execute(select(Station).where(Station.code == station_code)).scalar_one_or_none()
    if station is None:
        raise DomainError(f"找不到站点 {station_code}，请检查本机的站点设置。")
    return station


def _window(session: Session, station: Station, number: int, *, lock: bool) -> Window:
    stmt = select(Window).where(Window.station_id == station.id, Window.number == number)
    if lock:
        # One window's actions run one after another, so "at most one held ticket" holds on PostgreSQL too.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    window = session.execute(stmt).scalar_one_or_none()
    if window is None:
        raise DomainError(f"本站点没有{number}号窗口，请检查本机的窗口设置。")
    if not window.active:
        raise DomainError(f"{number}号窗口已停用，请联系值班长启用后再操作。")
    return window


def _category(session: Session, station: Station, code: str) -> QueueCategory | None:
    return session.execute(
        select(QueueCategory).where(QueueCategory.station_id == station.id, QueueCategory.code == code)
    ).scalar_one_or_none()


def _active_category(session: Session, station: Station, code: str) -> QueueCategory:
    cat = _category(session, station, code)
    if cat is None:
        raise DomainError(f"本站点没有“{code}”类号，请选择其他类别或联系值班长设置。")
    if not cat.active:
        raise DomainError(f"{cat.name}（{cat.code}类）暂停取号，请选择其他类别或咨询导办人员。")
    return cat


def _view(session: Session, ticket: Ticket) -> TicketView:
    window_number: int | None = None
    if ticket.window_id is not None:
        window = session.get(Window, ticket.window_id)
        window_number = window.number if window is not None else None
    cat = None
    if ticket.station_id is not None:
        cat = session.execute(
            select(QueueCategory).where(
                QueueCategory.station_id == ticket.station_id, QueueCategory.code == ticket.category
            )
        ).scalar_one_or_none()
    return TicketView(
        id=ticket.id,
        number=ticket.number,
        category=ticket.category,
        category_name=cat.name if cat is not None else "",
        priority=ticket.priority,
        state=ticket.state,
        window_number=window_number,
        recall_count=ticket.recall_count,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
    )


def _entity_id(ticket: Ticket) -> str:
    return f"{ticket.number}@{ticket.service_day.isoformat()}"


def _audit(
    session: Session,
    who: str,
    action: str,
    ticket: Ticket,
    *,
    before: dict[str, Any] | None,
    now: dt.datetime,
    reason: str = "",
    window: Window | None = None,
) -> None:
    after: dict[str, Any] = {"state": ticket.state, "category": ticket.category}
    if window is not None:
        after["window"] = window.number
    if ticket.target_window_number is not None:
        after["target_window"] = ticket.target_window_number
    if ticket.recall_count:
        after["recall_count"] = ticket.recall_count
    if ticket.priority != "normal":
        after["priority"] = ticket.priority
    audit.append(
        session,
        actor=who,
        action=action,
        entity="ticket",
        entity_id=_entity_id(ticket),
        before=before,
        after=after,
        reason=reason,
        at=now,
    )


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {"state": ticket.state, "category": ticket.category}


# --- Categories ------------------------------------------------------------------------------


def ensure_default_categories(session: Session, station_code: str) -> None:
    """Create the six usual hall categories (A 综合受理 … F 公安户政) when the station has none."""
    station = _station(session, station_code)
    existing = session.execute(
        select(func.count()).select_from(QueueCategory).where(QueueCategory.station_id == station.id)
    ).scalar_one()
    if existing:
        return
    for pos, (code, name) in enumerate(DEFAULT_CATEGORIES):
        session.add(QueueCategory(station_id=station.id, code=code, name=name, position=pos))
    session.flush()
    log.info("created %d default queue categories for station %s", len(DEFAULT_CATEGORIES), station_code)


def waiting_by_category(
    session: Session, *, station_code: str, now: dt.datetime | None = None
) -> list[CategoryView]:
    """People waiting today per active category, in kiosk order (position, then code)."""
    station = _station(session, station_code)
    today = local_date(now or utcnow())
    rows = session.execute(
        select(Ticket.category, func.count())
        .where(Ticket.station_id == station.id, Ticket.service_day == today, Ticket.state == "waiting")
        .group_by(Ticket.category)
    )
    counts = {code: int(n) for code, n in rows}
    cats = session.execute(
        select(QueueCategory)
        .where(QueueCategory.station_id == station.id, QueueCategory.active.is_(True))
        .order_by(QueueCategory.position, QueueCategory.code)
    ).scalars()
    return [CategoryView(code=c.code, name=c.name, waiting=int(counts.get(c.code, 0))) for c in cats]


# --- Issuing ---------------------------------------------------------------------------------


def _hours_text(cat: QueueCategory) -> str:
    if cat.opens_at is not None and cat.closes_at is not None:
        return f"{cat.opens_at:%H:%M}–{cat.closes_at:%H:%M}"
    if cat.opens_at is not None:
        return f"{cat.opens_at:%H:%M} 起"
    assert cat.closes_at is not None
    return f"{cat.closes_at:%H:%M} 前"


def _check_hours(cat: QueueCategory, now: dt.datetime) -> None:
    if cat.opens_at is None and cat.closes_at is None:
        return
    local = now.astimezone(LOCAL_TZ).time()
    too_early = cat.opens_at is not None and local < cat.opens_at
    too_late = cat.closes_at is not None and local >= cat.closes_at
    if too_early or too_late:
        raise DomainError(
            f"{cat.name}（{cat.code}类）取号时间为 {_hours_text(cat)}，现在不能取号，请在取号时间内再来。"
        )


def _next_number(session: Session, station: Station, cat: QueueCategory, today: dt.date) -> str:
    """Take the next number of ``cat`` for ``today`` under the locked counter row."""
    last_number = min(cat.wrap_at, MAX_NUMBER)
    if cat.step < 1 or not 0 <= cat.start <= last_number:
        raise DomainError(
            f"{cat.code}类号的编号规则有误（起始 {cat.start}，步长 {cat.step}，循环上限 {cat.wrap_at}），"
            "请联系值班长或实施人员修改。"
        )
    # One row per category; it starts over when the service day changes (the daily reset).
    row = locked_setting(
        session, f"queue.counter.{station.code}.{cat.code}", {"day": "", "last": None, "issued": 0}
    )
    state = dict(row.value)
    if state.get("day") != today.isoformat():
        state = {"day": today.isoformat(), "last": None, "issued": 0}
    issued = int(state["issued"])
    if cat.daily_cap > 0 and issued >= cat.daily_cap:
        raise DomainError(
            f"今日{cat.code}类号已发完（每日限 {cat.daily_cap} 个），请明日再来，或咨询导办人员改办其他类别。"
        )
    cycle = (last_number - cat.start) // cat.step + 1
    last = state["last"]
    candidate = cat.start if last is None else int(last) + cat.step
    for _ in range(cycle):
        if candidate > last_number:
            candidate = cat.start  # wrap: numbering starts again at ``start``
        number = f"{cat.code}{candidate:03d}"
        taken = session.execute(
            select(Ticket.id).where(
                Ticket.station_id == station.id, Ticket.service_day == today, Ticket.number == number
            )
        ).first()
        if taken is None:
            row.value = {"day": today.isoformat(), "last": candidate, "issued": issued + 1}
            session.flush()
            return number
        candidate += cat.step
    # A wrapped number would repeat one already issued today; the ticket table keeps one per day.
    raise DomainError(
        f"今日{cat.code}类号已发完（{cat.code}{cat.start:03d}–{cat.code}{last_number:03d} 已全部发出），"
        "请明日再来，或咨询导办人员改办其他类别。"
    )


def issue_ticket(
    session: Session,
    *,
    station_code: str,
    category: str,
    priority: str = "normal",
    now: dt.datetime | None = None,
) -> TicketView:
    """取号: a new waiting ticket in ``category``; refused outside opening hours or over the daily cap."""
    now = now or utcnow()
    if priority not in PRIORITY_LABELS:
        raise ValidationError(
            f"未知的优先类型“{priority}”，请选择普通、预约、老年人、残疾人或绿色通道。", field="priority"
        )
    station = _station(session, station_code)
    cat = _active_category(session, station, category)
    _check_hours(cat, now)
    today = local_date(now)
    number = _next_number(session, station, cat, today)
    ticket = Ticket(
        station_id=station.id,
        service_day=today,
        number=number,
        category=cat.code,
        priority=priority,
        state="waiting",
        recall_count=0,
        issued_at=now,
    )
    session.add(ticket)
    session.flush()
    _audit(session, "kiosk", "ticket.issue", ticket, before=None, now=now)
    log.info("issued ticket %s (%s) at station %s", number, priority, station_code)
    return _view(session, ticket)


# --- Calling ---------------------------------------------------------------------------------


def _held(session: Session, window: Window) -> Ticket | None:
    return (
        session.execute(
            select(Ticket)
            .where(Ticket.window_id == window.id, Ticket.state.in_(HELD_STATES))
            .order_by(Ticket.id)
            .limit(1)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .first()
    )


def _require_free(session: Session, window: Window) -> None:
    held = _held(session, window)
    if held is not None:
        raise DomainError(f"本窗口还有未办结的号 {held.number}，请先办结、过号或转移它，再叫下一位。")


def _require_callable(window: Window) -> None:
    if window.paused:
        raise DomainError("本窗口已暂停服务，请先点“恢复服务”再叫号。")


def _pick(session: Session, *conditions: ColumnElement[bool], order: list[Any]) -> Ticket | None:
    # SKIP LOCKED: a ticket another window is calling right now is passed over, never handed out twice.
    stmt = (
        select(Ticket)
        .where(Ticket.state == "waiting", *conditions)
        .order_by(*order, Ticket.issued_at, Ticket.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalars().first()


def _streak_key(station: Station, window: Window) -> str:
    return f"queue.priority_streak.{station.code}.{window.number}"


def _assign(
    session: Session,
    actor: Actor,
    station: Station,
    window: Window,
    ticket: Ticket,
    now: dt.datetime,
    today: dt.date,
    *,
    how: str,
) -> TicketView:
    before = _snapshot(ticket)
    ticket.state = "called"
    ticket.window_id = window.id
    ticket.clerk_id = actor.clerk_id
    ticket.target_window_number = None
    ticket.recall_count = 0
    ticket.called_at = now
    ticket.started_at = None
    ticket.finished_at = None
    # Priority calls in a row at this window; the interleave in call_next reads it.
    streak_row = locked_setting(session, _streak_key(station, window), {"day": "", "streak": 0})
    streak = int(streak_row.value["streak"]) if streak_row.value.get("day") == today.isoformat() else 0
    streak = streak + 1 if ticket.priority != "normal" else 0
    streak_row.value = {"day": today.isoformat(), "streak": streak}
    session.flush()
    _audit(session, actor.username, "ticket.call", ticket, before=before, now=now, reason=how, window=window)
    log.info("window %d called %s (%s)", window.number, ticket.number, how)
    return _view(session, ticket)


def call_next(
    session: Session,
    actor: Actor,
    *,
    station_code: str,
    window_number: int,
    priority_burst: int = 3,
    now: dt.datetime | None = None,
) -> TicketView | None:
    """叫号: the next ticket for this window, or None when nobody is waiting for it.

    Order: tickets transferred to this window first; then the window's categories in their listed
    order, priority tickets (预约、老年人、残疾人、绿色通道) before normal ones, oldest first. After
    ``priority_burst`` priority calls in a row the next call takes a normal ticket if one waits, so
    normal tickets never starve.
    """
    actor.require(COUNTER_ROLES, "叫号")
    now = now or utcnow()
    today = local_date(now)
    station = _station(session, station_code)
    window = _window(session, station, window_number, lock=True)
    _require_callable(window)
    _require_free(session, window)
    base = (Ticket.station_id == station.id, Ticket.service_day == today)
    ticket = _pick(session, *base, Ticket.target_window_number == window.number, order=[])
    if ticket is None:
        cats = list(window.categories or [])
        # A window with no categories (e.g. a 专窗) only takes tickets transferred to it.
        rank = [case({code: i for i, code in enumerate(cats)}, value=Ticket.category)] if cats else []
        mine = (*base, Ticket.target_window_number.is_(None), Ticket.category.in_(cats))
        streak_row = locked_setting(session, _streak_key(station, window), {"day": "", "streak": 0})
        streak = int(streak_row.value["streak"]) if streak_row.value.get("day") == today.isoformat() else 0
        normal_turn = streak >= priority_burst
        is_normal = Ticket.priority == "normal"
        if normal_turn:
            ticket = _pick(session, *mine, is_normal, order=rank) or _pick(
                session, *mine, ~is_normal, order=rank
            )
        else:
            ticket = _pick(session, *mine, ~is_normal, order=rank) or _pick(
                session, *mine, is_normal, order=rank
            )
    if ticket is None:
        return None
    return _assign(session, actor, station, window, ticket, now, today, how="next")


def call_number(
    session: Session,
    actor: Actor,
    *,
    station_code: str,
    window_number: int,
    number: str,
    now: dt.datetime | None = None,
) -> TicketView:
    """指定叫号: call one of today's tickets by its number (also a parked or 过号 ticket coming back)."""
    actor.require(COUNTER_ROLES, "叫号")
    now = now or utcnow()
    today = local_date(now)
    wanted = number.strip().upper()
    if not wanted:
        raise ValidationError("请输入要呼叫的号码，例如 A001。", field="number")
    station = _station(session, station_code)
    window = _window(session, station, window_number, lock=True)
    _require_callable(window)
    _require_free(session, window)
    ticket = session.execute(
        select(Ticket)
        .where(Ticket.station_id == station.id, Ticket.service_day == today, Ticket.number == wanted)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if ticket is None:
        raise DomainError(f"今天没有发出 {wanted} 号，请核对号码后重试。")
    if ticket.state in HELD_STATES:
        other = session.get(Window, ticket.window_id) if ticket.window_id is not None else None
        where = f"{other.number}号窗口" if other is not None else "其他窗口"
        raise DomainError(f"{wanted} 号正在{where}办理，不能重复呼叫。")
    if ticket.state not in CALLABLE_BY_NUMBER:
        raise DomainError(f"{wanted} 号{STATE_LABELS[ticket.state]}，不能再呼叫；如需继续办理请重新取号。")
    return _assign(session, actor, station, window, ticket, now, today, how="number")


# --- Acting on the window's current ticket ---------------------------------------------------


def _current_for_action(
    session: Session, actor: Actor, station_code: str, window_number: int, what: str
) -> tuple[Station, Window, Ticket]:
    actor.require(COUNTER_ROLES, what)
    station = _station(session, station_code)
    window = _window(session, station, window_number, lock=True)
    ticket = _held(session, window)
    if ticket is None:
        raise DomainError(f"本窗口当前没有已叫的号，无法{what}。请先叫号。")
    return station, window, ticket


def recall(
    session: Session,
    actor: Actor,
    *,
    station_code: str,
    window_number: int,
    max_recalls: int = 3,
    now: dt.datetime | None = None,
) -> TicketView:
    """重呼: call the current ticket again; after ``max_recalls`` the clerk is told to mark 过号."""
    now = now or utcnow()
    _, window, ticket = _current_for_action(session, actor, station_code, window_number, "重呼")
    if ticket.state != "called":
        raise DomainError(f"{ticket.number} 号已在办理中，不需要重呼。")
    if ticket.recall_count >= max_recalls:
        raise DomainError(
            f"{ticket.number} 号已重呼 {ticket.recall_count} 次仍未到窗口，请标记过号后叫下一位。"
        )
    before = {**_snapshot(ticket), "recall_count": ticket.recall_count}
    ticket.recall_count += 1
    session.flush()
    _audit(session, actor.username, "ticket.recall", ticket, before=before, now=now, window=window)
    return _view(session, ticket)


def _close_from(
    session: Session,
    actor: Actor,
    *,
    station_code: str,
    window_number: int,
    now: dt.datetime | None,
    what: str,
    allowed: tuple[str, ...],
    refusal: str,
    target: str,
    action: str,
) -> TicketView:
    now = now or utcnow()
    _, window, ticket = _current_for_action(session, actor, station_code, window_number, what)
    if ticket.state not in allowed:
        raise DomainError(refusal.format(number=ticket.number))
    before = _snapshot(ticket)
    ticket.state = target
    if target == "serving":
        ticket.started_at = now
    elif target in ("done", "no_show", "cancelled"):
        ticket.finished_at = now
    session.flush()
    _audit(session, actor.username, action, ticket, before=before, now=now, window=window)
    return _view(session, ticket)


def no_show(
    session: Session, actor: Actor, *, station_code: str, window_number: int, now: dt.datetime | None = None
) -> TicketView:
    """过号: the called applicant did not come; the window is free for the next call."""
    return _close_from(
        session, actor, station_code=station_code, window_number=window_number, now=now, what="过号",
        allowed=("called",), refusal="{number} 号已开始办理，不能标记过号；如需结束请点“办结”或“取消”。",
        target="no_show", action="ticket.no_show",
    )  # fmt: skip


def start_service(
    session: Session, actor: Actor, *, station_code: str, window_number: int, now: dt.datetime | None = None
) -> TicketView:
    """开始办理: the applicant has arrived at the window."""
    return _close_from(
        session, actor, station_code=station_code, window_number=window_number, now=now, what="开始办理",
        allowed=("called",), refusal="{number} 号已在办理中。",
        target="serving", action="ticket.start",
    )  # fmt: skip


def finish(
    session: Session, actor: Actor, *, station_code: str, window_number: int, now: dt.datetime | None = None
) -> TicketView:
    """办结: service of the current ticket is over."""
    return _close_from(
        session, actor, station_code=station_code, window_number=window_number, now=now, what="办结",
        allowed=("serving",), refusal="{number} 号还未开始办理，请先点“开始办理”，或标记过号。",
        target="done", action="ticket.finish",
    )  # fmt: skip


def park(
    session: Session, actor: Actor, *, station_code: str, window_number: int, now: dt.datetime | None = None
) -> TicketView:
    """挂起: set the current ticket aside (e.g. to fill in a form); call it back later by its number."""
    return _close_from(
        session, actor, station_code=station_code, window_number=window_number, now=now, what="挂起",
        allowed=HELD_STATES, refusal="{number} 号不能挂起。",
        target="parked", action="ticket.park",
    )  # fmt: skip


def cancel(
    session: Session, actor: Actor, *, station_code: str, window_number: int, now: dt.datetime | None = None
) -> TicketView:
    """取消: the applicant leaves without service (e.g. wrong hall); the number is not reused."""
    return _close_from(
        session, actor, station_code=station_code, window_number=window_number, now=now, what="取消",
        allowed=HELD_STATES, refusal="{number} 号不能取消。",
        target="cancelled", action="ticket.cancel",
    )  # fmt: skip


def transfer(
    session: Session,
    actor: Actor,
    *,
    station_code: str,
    window_number: int,
    to_category: str | None = None,
    to_window: int | None = None,
    now: dt.datetime | None = None,
) -> TicketView:
    """转移: the current ticket waits again, keeping its number and its place by issue time.

    To a category: it joins that category's queue. To a window: only that window's next call picks it,
    before anyone else.
    """
    now = now or utcnow()
    if (to_category is None) == (to_window is None):
        raise ValidationError("请选择转到的类别或窗口（二选一）。", field="to_category")
    station, window, ticket = _current_for_action(session, actor, station_code, window_number, "转移")
    before = _snapshot(ticket)
    if to_category is not None:
        cat = _active_category(session, station, to_category.strip().upper())
        ticket.transferred_from = f"category {ticket.category}"
        ticket.category = cat.code
        ticket.target_window_number = None
        reason = f"转到{cat.code}类（{cat.name}）"
    else:
        assert to_window is not None
        if to_window == window.number:
            raise DomainError("不能转到本窗口，请选择其他窗口。")
        target = _window(session, station, to_window, lock=False)
        ticket.transferred_from = f"window {window.number}"
        ticket.target_window_number = target.number
        reason = f"转到{target.number}号窗口"
    ticket.state = "waiting"
    ticket.window_id = None
    ticket.clerk_id = None
    ticket.recall_count = 0
    ticket.called_at = None
    ticket.started_at = None
    session.flush()
    _audit(
        session,
        actor.username,
        "ticket.transfer",
        ticket,
        before=before,
        now=now,
        reason=reason,
        window=window,
    )
    return _view(session, ticket)


# --- Window state ----------------------------------------------------------------------------


def set_paused(
    session: Session,
    actor: Actor,
    *,
    station_code: str,
    window_number: int,
    paused: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> None:
    """暂停服务 / 恢复服务: a paused window keeps its current ticket but cannot call new ones."""
    actor.require(COUNTER_ROLES, "暂停或恢复窗口")
    now = now or utcnow()
    station = _station(session, station_code)
    window = _window(session, station, window_number, lock=True)
    before = {"paused": window.paused}
    window.paused = paused
    window.paused_reason = reason.strip()[:200] if paused else ""
    session.flush()
    audit.append(
        session,
        actor=actor.username,
        action="window.pause" if paused else "window.resume",
        entity="window",
        entity_id=f"{station.code}-{window.number}",
        before=before,
        after={"paused": paused},
        reason=window.paused_reason,
        at=now,
    )


def current_ticket(session: Session, *, station_code: str, window_number: int) -> TicketView | None:
    """The window's called or serving ticket, if any."""
    station = _station(session, station_code)
    window = _window(session, station, window_number, lock=False)
    held = _held(session, window)
    return _view(session, held) if held is not None else None


@event.listens_for(Session, "before_flush")
def _notify_watchers(session: Session, _ctx: Any, _instances: Any) -> None:
    """Any ticket or window change wakes displays and kiosks at commit (PostgreSQL NOTIFY).

    A hook rather than a call in each action: issue, call, recall, transfer, reset and the kiosk
    all change tickets, and none of them can forget it. SQLite watchers poll instead.
    """
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, Ticket | Window) for obj in touched):
        notify_queue_changed(session)
