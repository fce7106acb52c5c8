"""好差评: recording an applicant's rating of a visit and following up the bad ones.

Levels follow GB/T 39046 A.8, where code 1 is the best: 1 非常满意 … 5 非常不满意. Levels 4 and 5 are
差评 (bad reviews): they need at least one reason from :data:`REASONS` and appear in the supervisor's
follow-up list with a rectification deadline (整改期限) counted in working days. One visit (ticket) is
rated once (一次一评).

A rating is written with its audit event and an outbox event (aggregate ``"evaluation"``) for the
provincial platform in the caller's transaction. The model has no rectification columns, so the
rectification ledger (整改台账) lives in the audit trail: :func:`mark_rectified` appends an
``evaluation.rectify`` event and :func:`bad_reviews` reads it back.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, outbox
from app.clock import local_date
from app.errors import DomainError, ValidationError
from app.model import AuditEvent, Case, Clerk, Evaluation, Role, ServiceItem, Station, Ticket, Window, utcnow
from app.model.base import new_uuid
from app.services.actor import Actor
from app.services.calendar import load_calendar

log = logging.getLogger(__name__)

LEVEL_LABELS: dict[int, str] = {
    1: "非常满意",
    2: "满意",
    3: "基本满意",
    4: "不满意",
    5: "非常不满意",
}
BAD_LEVELS = frozenset({4, 5})

#: Reasons an applicant may give for a bad review, in the order the evaluator lists them.
REASONS: tuple[str, ...] = (
    "办事效率低",
    "服务态度差",
    "一次性告知不清",
    "多次跑动",
    "材料要求不合理",
    "等候时间过长",
    "办事指南不准确",
    "其他",
)
OTHER_REASON = "其他"

#: 评价渠道 (GB/T 39046 table 9); the counter's second screen and a serial evaluator are hall terminals.
CHANNELS: tuple[str, ...] = (
    "PC端",
    "移动端",
    "二维码",
    "政务大厅平板电脑",
    "政务大厅其他终端",
    "电话",
    "短信",
)
DEFAULT_CHANNEL = "政务大厅其他终端"

MAX_COMMENT_CHARS = 500
DEFAULT_RECTIFY_DAYS = 5  # Dezhou and Xiangcheng rule; Sichuan allows 15 (shared/reference/queue.md)
RECENT_FINISH = dt.timedelta(minutes=15)  # how long after 办结 the evaluator still rates that visit
SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR})
TERMINAL_ACTOR = "evaluator"  # audit actor when the applicant rates on a terminal nobody signed into


@dataclass(frozen=True)
class EvaluationView:
    id: int
    uuid: str  # the platform's dedup key, sent in the outbox event
    level: int
    level_label: str
    reasons: tuple[str, ...]
    comment: str
    channel: str
    case_id: int | None
    ticket_id: int | None
    window_id: int | None
    clerk_id: int | None
    item_id: int | None
    evaluated_at: dt.datetime

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


@dataclass(frozen=True)
class RatingTarget:
    """What the evaluator screen is rating: a window, its clerk, and the visit (ticket, case) if known."""

    window_number: int
    window_name: str
    clerk_id: int | None
    clerk_name: str
    ticket_id: int | None
    ticket_number: str
    case_id: int | None
    item_id: int | None
    already_rated: bool


@dataclass(frozen=True)
class BadReview:
    """One row of the follow-up list (差评整改台账)."""

    evaluation_id: int
    evaluated_at: dt.datetime
    level: int
    level_label: str
    reasons: tuple[str, ...]
    comment: str
    window_number: int | None
    clerk_name: str
    ticket_number: str
    case_number: str
    deadline: dt.date
    deadline_provisional: bool
    working_days_left: int  # negative when overdue; 0 on the deadline day
    overdue: bool
    rectified_at: dt.datetime | None
    rectified_by: str
    rectify_note: str


# --- Checks ------------------------------------------------------------------------------------


def check_rating(
    level: int, reasons: list[str] | tuple[str, ...], comment: str
) -> tuple[tuple[str, ...], str]:
    """The reasons (deduplicated, in the order of REASONS) and trimmed comment, or ValidationError in Chinese."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVEL_LABELS:
        raise ValidationError("请选择满意程度：非常满意、满意、基本满意、不满意或非常不满意。", field="level")
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise ValidationError(f"“{'、'.join(unknown)}”不是可选的评价原因，请从列表中选择。", field="reasons")
    chosen = tuple(r for r in REASONS if r in reasons)
    text = comment.strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationError(
            f"评价意见最多 {MAX_COMMENT_CHARS} 个字，现有 {len(text)} 个字，请精简后再提交。", field="comment"
        )
    if level in BAD_LEVELS:
        if not chosen:
            raise ValidationError(
                f"选择“{LEVEL_LABELS[level]}”时，请至少勾选一项原因，以便我们整改。", field="reasons"
            )
        if chosen == (OTHER_REASON,) and not text:
            raise ValidationError("选择“其他”原因时，请在意见栏写明具体问题。", field="comment")
    elif chosen:
        raise ValidationError(
            f"“{LEVEL_LABELS[level]}”无需选择不满意原因，请取消勾选后再提交。", field="reasons"
        )
    return chosen, text


def _window_by_number(session: Session, station_code: str, number: int) -> tuple[Station, Window]:
    station = session.execute(select(Station).where(Station.code == station_code)).scalar_one_or_none()
    if station is None:
        raise DomainError(f"找不到站点 {station_code}，请检查本机的站点设置。")
    window = session.execute(
        select(Window).where(Window.station_id == station.id, Window.number == number)
    ).scalar_one_or_none()
    if window is None:
        raise DomainError(f"本站点没有{number}号窗口，请检查本机的窗口设置。")
    return station, window


# --- Recording ---------------------------------------------------------------------------------


def record_evaluation(
    session: Session,
    actor: Actor | None,
    *,
    level: int,
    reasons: list[str] | tuple[str, ...] = (),
    comment: str = "",
    case_id: int | None = None,
    ticket_id: int | None = None,
    station_code: str | None = None,
    window_number: int | None = None,
    clerk_id: int | None = None,
    item_id: int | None = None,
    channel: str = DEFAULT_CHANNEL,
    now: dt.datetime | None = None,
) -> EvaluationView:
    """Record one rating; links not given are taken from the ticket, then from the case.

    ``actor`` is None when the applicant rates on a terminal nobody is signed into (the evaluator
    screen). ``window_number`` needs ``station_code``. A ticket already rated is refused (一次一评).
    """
    chosen, text = check_rating(level, reasons, comment)
    if channel not in CHANNELS:
        raise ValidationError(f"未知的评价渠道“{channel}”。", field="channel")
    now = now or utcnow()
    window_id: int | None = None
    if window_number is not None:
        if station_code is None:
            raise ValueError("window_number needs station_code")
        window_id = _window_by_number(session, station_code, window_number)[1].id
    ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
    if ticket_id is not None and ticket is None:
        raise DomainError("要评价的排队号已不存在，请重新取号或咨询窗口工作人员。")
    case = session.get(Case, case_id) if case_id is not None else None
    if case_id is not None and case is None:
        raise DomainError("要评价的办件已不存在，请咨询窗口工作人员。")
    if ticket is not None:
        rated = session.execute(
            select(Evaluation.id).where(Evaluation.ticket_id == ticket.id).limit(1)
        ).scalar_one_or_none()
        if rated is not None:
            raise DomainError(f"{ticket.number} 号的本次服务已经评价过了，感谢您的参与。")
        window_id = window_id if window_id is not None else ticket.window_id
        clerk_id = clerk_id if clerk_id is not None else ticket.clerk_id
    if case is not None:
        window_id = window_id if window_id is not None else case.window_id
        clerk_id = clerk_id if clerk_id is not None else case.clerk_id
        item_id = item_id if item_id is not None else case.item_id
        if ticket is None and case.ticket_id is not None:
            ticket = session.get(Ticket, case.ticket_id)
    if clerk_id is not None and session.get(Clerk, clerk_id) is None:
        raise DomainError("被评价的工作人员账号不存在，请联系值班长。")
    if item_id is not None and session.get(ServiceItem, item_id) is None:
        raise DomainError("被评价的事项不存在，请联系值班长。")

    ev = Evaluation(
        case_id=case.id if case is not None else None,
        ticket_id=ticket.id if ticket is not None else None,
        item_id=item_id,
        window_id=window_id,
        clerk_id=clerk_id,
        level=level,
        reasons=list(chosen),
        comment=text,
        channel=channel,
        evaluated_at=now,
    )
    session.add(ev)
    session.flush()
    uuid = new_uuid()
    who = actor.username if actor is not None else TERMINAL_ACTOR
    audit.append(
        session,
        actor=who,
        action="evaluation.record",
        entity="evaluation",
        entity_id=str(ev.id),
        after={
            "level": level,
            "reasons": list(chosen),
            "uuid": uuid,
            "ticket": ticket.number if ticket else None,
        },
        at=now,
    )
    outbox.enqueue(
        session,
        aggregate="evaluation",
        aggregate_uuid=uuid,
        kind="evaluation.recorded",
        payload=_payload(session, ev, uuid, case, ticket),
    )
    log.info("recorded evaluation %d (level %d) for window id %s", ev.id, level, window_id)
    return _view(ev, uuid)


def _payload(
    session: Session, ev: Evaluation, uuid: str, case: Case | None, ticket: Ticket | None
) -> dict[str, object]:
    """What the platform's 好差评 interface needs (GB/T 39046 table 9 plus who was rated)."""
    clerk = session.get(Clerk, ev.clerk_id) if ev.clerk_id is not None else None
    window = session.get(Window, ev.window_id) if ev.window_id is not None else None
    item = session.get(ServiceItem, ev.item_id) if ev.item_id is not None else None
    return {
        "evaluation_uuid": uuid,
        "case_uuid": case.uuid if case is not None else None,
        "case_number": (case.platform_number or case.local_number) if case is not None else None,
        "ticket_number": ticket.number if ticket is not None else None,
        "item_impl_code": item.impl_code if item is not None else None,
        "window_number": window.number if window is not None else None,
        "clerk_username": clerk.username if clerk is not None else None,
        "clerk_name": clerk.display_name if clerk is not None else None,
        "level": ev.level,
        "level_label": LEVEL_LABELS[ev.level],
        "reasons": list(ev.reasons),
        "comment": ev.comment,
        "channel": ev.channel,
        "evaluated_at": ev.evaluated_at.astimezone(dt.UTC).isoformat(),
    }


def _view(ev: Evaluation, uuid: str) -> EvaluationView:
    return EvaluationView(
        id=ev.id,
        uuid=uuid,
        level=ev.level,
        level_label=LEVEL_LABELS[ev.level],
        reasons=tuple(ev.reasons),
        comment=ev.comment,
        channel=ev.channel,
        case_id=ev.case_id,
        ticket_id=ev.ticket_id,
        window_id=ev.window_id,
        clerk_id=ev.clerk_id,
        item_id=ev.item_id,
        evaluated_at=ev.evaluated_at,
    )


# --- What the evaluator screen rates ---------------------------------------------------------------


def rating_target(
    session: Session, *, station_code: str, window_number: int, now: dt.datetime | None = None
) -> RatingTarget:
    """The window's visit to rate: its called/serving ticket, else the one it finished last (recently).

    ``already_rated`` tells the screen that this visit has its rating and it should wait for the next.
    """
    now = now or utcnow()
    station, window = _window_by_number(session, station_code, window_number)
    today = local_date(now)
    base = select(Ticket).where(
        Ticket.station_id == station.id, Ticket.service_day == today, Ticket.window_id == window.id
    )
    ticket = session.execute(
        base.where(Ticket.state.in_(("called", "serving"))).order_by(Ticket.id.desc()).limit(1)
    ).scalar_one_or_none()
    if ticket is None:
        ticket = session.execute(
            base.where(Ticket.state == "done", Ticket.finished_at >= now - RECENT_FINISH)
            .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    case = None
    if ticket is not None:
        case = session.execute(
            select(Case).where(Case.ticket_id == ticket.id).order_by(Case.id.desc()).limit(1)
        ).scalar_one_or_none()
    clerk_id = ticket.clerk_id if ticket is not None else None
    clerk = session.get(Clerk, clerk_id) if clerk_id is not None else None
    rated = ticket is not None and (
        session.execute(select(Evaluation.id).where(Evaluation.ticket_id == ticket.id).limit(1)).first()
        is not None
    )
    return RatingTarget(
        window_number=window.number,
        window_name=window.name or f"{window.number}号窗口",
        clerk_id=clerk_id,
        clerk_name=clerk.display_name if clerk is not None else "",
        ticket_id=ticket.id if ticket is not None else None,
        ticket_number=ticket.number if ticket is not None else "",
        case_id=case.id if case is not None else None,
        item_id=case.item_id if case is not None else None,
        already_rated=rated,
    )


# --- Follow-up of bad reviews --------------------------------------------------------------------


def mark_rectified(
    session: Session, actor: Actor, evaluation_id: int, *, note: str, now: dt.datetime | None = None
) -> None:
    """整改反馈: the supervisor records how a bad review was dealt with (kept in the audit trail)."""
    actor.require(SUPERVISOR_ROLES, "登记差评整改")
    text = note.strip()
    if not text:
        raise ValidationError("请写明整改情况（如回访结果、采取的措施），再登记整改。", field="note")
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationError(f"整改情况最多 {MAX_COMMENT_CHARS} 个字，请精简后再登记。", field="note")
    ev = session.get(Evaluation, evaluation_id)
    if ev is None or ev.level not in BAD_LEVELS:
        raise DomainError("找不到这条差评，请刷新列表后重试。")
    if _rectifications(session, [ev.id]):
        raise DomainError("这条差评已登记过整改，无需重复登记。")
    audit.append(
        session,
        actor=actor.username,
        action="evaluation.rectify",
        entity="evaluation",
        entity_id=str(ev.id),
        before={"rectified": False},
        after={"rectified": True},
        reason=text,
        at=now,
    )
    log.info("bad review %d marked rectified by %s", ev.id, actor.username)


def _rectifications(session: Session, ids: list[int]) -> dict[int, AuditEvent]:
    if not ids:
        return {}
    rows = session.execute(
        select(AuditEvent).where(
            AuditEvent.action == "evaluation.rectify",
            AuditEvent.entity == "evaluation",
            AuditEvent.entity_id.in_([str(i) for i in ids]),
        )
    ).scalars()
    return {int(ev.entity_id): ev for ev in rows}


def bad_reviews(
    session: Session,
    *,
    rectify_days: int = DEFAULT_RECTIFY_DAYS,
    today: dt.date | None = None,
    since: dt.date | None = None,
    include_rectified: bool = True,
) -> list[BadReview]:
    """差评 with their rectification deadline (``rectify_days`` working days after the rating day).

    Overdue ones that are not rectified come first, then by deadline; ``since`` limits to ratings
    from that (Beijing) day on.
    """
    if rectify_days < 1:
        raise ValidationError("整改期限至少为 1 个工作日，请修改设置。", field="rectify_days")
    today = today or local_date(utcnow())
    calendar = load_calendar(session)
    stmt = select(Evaluation).where(Evaluation.level.in_(sorted(BAD_LEVELS))).order_by(Evaluation.id)
    evaluations = list(session.execute(stmt).scalars())
    if since is not None:
        evaluations = [e for e in evaluations if local_date(e.evaluated_at) >= since]
    done = _rectifications(session, [e.id for e in evaluations])
    out: list[BadReview] = []
    for ev in evaluations:
        fixed = done.get(ev.id)
        if fixed is not None and not include_rectified:
            continue
        deadline = calendar.add_working_days(local_date(ev.evaluated_at), rectify_days)
        left = calendar.working_days_between(today, deadline.date)
        window = session.get(Window, ev.window_id) if ev.window_id is not None else None
        clerk = session.get(Clerk, ev.clerk_id) if ev.clerk_id is not None else None
        ticket = session.get(Ticket, ev.ticket_id) if ev.ticket_id is not None else None
        case = session.get(Case, ev.case_id) if ev.case_id is not None else None
        out.append(
            BadReview(
                evaluation_id=ev.id,
                evaluated_at=ev.evaluated_at,
                level=ev.level,
                level_label=LEVEL_LABELS[ev.level],
                reasons=tuple(ev.reasons),
                comment=ev.comment,
                window_number=window.number if window is not None else None,
                clerk_name=clerk.display_name if clerk is not None else "",
                ticket_number=ticket.number if ticket is not None else "",
                case_number=(case.platform_number or case.local_number) if case is not None else "",
                deadline=deadline.date,
                deadline_provisional=deadline.provisional,
                working_days_left=left,
                overdue=fixed is None and today > deadline.date,
                rectified_at=fixed.at if fixed is not None else None,
                rectified_by=fixed.actor if fixed is not None else "",
                rectify_note=fixed.reason if fixed is not None else "",
            )
        )
    out.sort(key=lambda b: (b.rectified_at is not None, not b.overdue, b.deadline, b.evaluation_id))
    return out
