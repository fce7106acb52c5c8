"""取号机 (ticket kiosk): tickets with their place in the queue, 预约签到 and 老年人优先.

The kiosk issues tickets through :func:`app.services.queue.issue_ticket` and adds what the
applicant needs on paper: how many people wait ahead. An appointment (预约) is checked in by the
code on its QR (scanned) or by the ID card of the person who booked it (found by the keyed blind
index, never by the clear number); the ticket then has priority "appointment" and joins the
category of the booked item. A card whose holder has reached ``elderly_age`` gets priority "elderly".

Each ticket also carries a status key (``YCT-<station>-<yyyymmdd>-<number>``) printed as a QR code;
scanned at the kiosk it shows where that ticket stands (:func:`ticket_status`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.clock import LOCAL_TZ, local_date
from app.errors import DomainError, ValidationError
from app.masking import mask_name
from app.model import Appointment, QueueCategory, ServiceItem, Station, Ticket, Window, utcnow
from app.services import card_reads
from app.services.applicants import id_number_index
from app.services.queue import TicketView, issue_ticket

log = logging.getLogger(__name__)

DEFAULT_ELDERLY_AGE = 60
#: Minutes before the booked slot from which check-in is accepted.
DEFAULT_EARLY_MINUTES = 60
#: Minutes after the end of the booked slot during which check-in is still accepted.
DEFAULT_LATE_MINUTES = 15
#: The category an appointment joins when its item names none.
FALLBACK_CATEGORY = "A"
STATUS_KEY_PREFIX = "YCT"
_STATUS_KEY = re.compile(
    rf"^{STATUS_KEY_PREFIX}-(?P<station>.+)-(?P<day>\d{{8}})-(?P<number>[A-Z]{{1,4}}\d{{3}})$"
)


@dataclass(frozen=True)
class KioskTicket:
    """A ticket just issued at the kiosk, with what its slip prints."""

    ticket: TicketView
    people_ahead: int
    status_key: str
    appointment_code: str = ""


@dataclass(frozen=True)
class TicketStatus:
    """Where one ticket stands now (scanned back at the kiosk from its QR code)."""

    ticket: TicketView
    people_ahead: int


# --- Age and priority -------------------------------------------------------------------------


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years of age on ``day`` (someone born on 29 February turns a year older on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def priority_for_birth_date(
    birth_date: dt.date, *, now: dt.datetime | None = None, elderly_age: int = DEFAULT_ELDERLY_AGE
) -> str:
    """ "elderly" when the holder is ``elderly_age`` or older on today's (Beijing) date, else "normal"."""
    if elderly_age < 1:
        raise ValidationError(
            "老年人优先的年龄设置有误，请联系值班长改为大于 0 的整数。", field="elderly_age"
        )
    today = local_date(now or utcnow())
    return "elderly" if age_on(birth_date, today) >= elderly_age else "normal"


# --- Places in the queue ----------------------------------------------------------------------


def _ahead_of(session: Session, ticket: Ticket) -> int:
    # Who a window calls before this ticket: waiting tickets of its category issued earlier; a
    # priority ticket only counts the priority tickets before it, as call_next serves those first.
    # Tickets transferred to one window are served by that window alone and do not count.
    conds = [
        Ticket.station_id == ticket.station_id,
        Ticket.service_day == ticket.service_day,
        Ticket.category == ticket.category,
        Ticket.state == "waiting",
        Ticket.target_window_number.is_(None),
        Ticket.id != ticket.id,
        (Ticket.issued_at < ticket.issued_at)
        | ((Ticket.issued_at == ticket.issued_at) & (Ticket.id < ticket.id)),
    ]
    if ticket.priority != "normal":
        conds.append(Ticket.priority != "normal")
    return int(session.execute(select(func.count()).select_from(Ticket).where(*conds)).scalar_one())


def people_ahead(session: Session, ticket_id: int) -> int:
    """How many people wait before ticket ``ticket_id`` (0 once it has been called)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise DomainError("找不到这张号票，请重新取号或咨询导办人员。")
    if ticket.state != "waiting":
        return 0
    return _ahead_of(session, ticket)


def status_key(station_code: str, ticket: TicketView, service_day: dt.date) -> str:
    """The key printed in the ticket's QR code: ``YCT-<station>-<yyyymmdd>-<number>``."""
    return f"{STATUS_KEY_PREFIX}-{station_code}-{service_day:%Y%m%d}-{ticket.number}"


def is_status_key(text: str) -> bool:
    return _STATUS_KEY.match(text.strip()) is not None


def _station(session: Session, station_code: str) -> Station:
    station = session.execute(select(Station).where(Station.code == station_code)).scalar_one_or_none()
    if station is None:
        raise DomainError(f"找不到站点 {station_code}，请检查本机的站点设置。")
    return station


def _ticket_view(session: Session, ticket: Ticket, category_name: str) -> TicketView:
    window_number = None
    if ticket.window_id is not None:
        window = session.get(Window, ticket.window_id)
        window_number = window.number if window is not None else None
    return TicketView(
        id=ticket.id,
        number=ticket.number,
        category=ticket.category,
        category_name=category_name,
        priority=ticket.priority,
        state=ticket.state,
        window_number=window_number,
        recall_count=ticket.recall_count,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
    )


def ticket_status(session: Session, *, station_code: str, key: str) -> TicketStatus:
    """The ticket a scanned status key names, with the people now ahead of it."""
    match = _STATUS_KEY.match(key.strip())
    if match is None:
        raise ValidationError("这不是本厅的号票二维码，请扫描号票上的二维码。", field="key")
    if match["station"] != station_code:
        raise DomainError("这张号票不是本服务点发出的，请到发号的服务点查询。")
    day = dt.datetime.strptime(match["day"], "%Y%m%d").date()
    station = _station(session, station_code)
    ticket = session.execute(
        select(Ticket).where(
            Ticket.station_id == station.id, Ticket.service_day == day, Ticket.number == match["number"]
        )
    ).scalar_one_or_none()
    if ticket is None:
        raise DomainError(f"查不到 {match['number']} 号，请核对号票或咨询导办人员。")
    name = session.execute(
        select(QueueCategory.name).where(
            QueueCategory.station_id == station.id, QueueCategory.code == ticket.category
        )
    ).scalar_one_or_none()
    return TicketStatus(
        ticket=_ticket_view(session, ticket, name or ""), people_ahead=people_ahead(session, ticket.id)
    )


# --- Issuing ----------------------------------------------------------------------------------


def issue_kiosk_ticket(
    session: Session,
    *,
    station_code: str,
    category: str,
    priority: str = "normal",
    now: dt.datetime | None = None,
) -> KioskTicket:
    """取号 at the kiosk: a new ticket and the number of people ahead of it."""
    now = now or utcnow()
    view = issue_ticket(session, station_code=station_code, category=category, priority=priority, now=now)
    ahead = people_ahead(session, view.id)
    return KioskTicket(
        ticket=view, people_ahead=ahead, status_key=status_key(station_code, view, local_date(now))
    )


def appointment_code_from_scan(text: str) -> str:
    """The appointment code in what a scanner typed: the bare code, or the ``code`` parameter of a URL."""
    value = text.strip()
    if "://" in value:
        codes = parse_qs(urlsplit(value).query).get("code")
        if codes:
            return codes[0].strip()
    return value


def _slot_text(appointment: Appointment) -> str:
    start = appointment.slot_start.astimezone(LOCAL_TZ)
    end = appointment.slot_end.astimezone(LOCAL_TZ)
    return f"{start:%m月%d日 %H:%M}–{end:%H:%M}"


def _check_in(
    session: Session,
    appointment: Appointment,
    *,
    station_code: str,
    now: dt.datetime,
    how: str,
) -> KioskTicket:
    slot = _slot_text(appointment)
    if appointment.state == "checked_in":
        number = session.execute(
            select(Ticket.number).where(Ticket.appointment_id == appointment.id).order_by(Ticket.id.desc())
        ).scalar()
        taken = f"，号码 {number}" if number else ""
        raise DomainError(f"该预约已经签到取号{taken}，请留意叫号；如号票遗失请咨询导办人员。")
    if appointment.state == "cancelled":
        raise DomainError("该预约已取消，请选择业务类别取普通号。")
    if appointment.state != "booked":
        raise DomainError(f"该预约（{slot}）已失效，请选择业务类别取普通号。")
    if local_date(appointment.slot_start) != local_date(now):
        raise DomainError(f"您预约的是 {slot}，不是今天，请在预约当天来签到；今天办理请取普通号。")
    if now < appointment.slot_start - dt.timedelta(minutes=DEFAULT_EARLY_MINUTES):
        raise DomainError(
            f"您预约的时段是 {slot}，签到从开始前 {DEFAULT_EARLY_MINUTES} 分钟起开放，请稍后再来签到。"
        )
    if now > appointment.slot_end + dt.timedelta(minutes=DEFAULT_LATE_MINUTES):
        raise DomainError(f"您预约的时段 {slot} 已过，预约失效，请选择业务类别取普通号。")
    category = FALLBACK_CATEGORY
    if appointment.item_id is not None:
        item = session.get(ServiceItem, appointment.item_id)
        if item is not None and item.category:
            category = item.category
    issued = issue_kiosk_ticket(
        session, station_code=station_code, category=category, priority="appointment", now=now
    )
    ticket = session.get(Ticket, issued.ticket.id)
    assert ticket is not None
    ticket.appointment_id = appointment.id
    ticket.applicant_name = mask_name(appointment.applicant_name)
    appointment.state = "checked_in"
    appointment.checked_in_at = now
    session.flush()
    audit.append(
        session,
        actor="kiosk",
        action="appointment.check_in",
        entity="appointment",
        entity_id=appointment.code,
        before={"state": "booked"},
        after={"state": "checked_in", "ticket": issued.ticket.number, "by": how},
        at=now,
    )
    log.info("appointment %s checked in by %s as ticket %s", appointment.id, how, issued.ticket.number)
    return KioskTicket(
        ticket=issued.ticket,
        people_ahead=issued.people_ahead,
        status_key=issued.status_key,
        appointment_code=appointment.code,
    )


def check_in_by_code(
    session: Session, *, station_code: str, code: str, now: dt.datetime | None = None
) -> KioskTicket:
    """预约签到 with the code on the appointment QR (or typed from the SMS): a priority ticket."""
    wanted = appointment_code_from_scan(code)
    if not wanted:
        raise ValidationError("没有读到预约码，请将预约二维码对准扫码口重新扫描。", field="code")
    appointment = session.execute(
        select(Appointment).where(Appointment.code == wanted).with_for_update()
    ).scalar_one_or_none()
    if appointment is None:
        raise DomainError("没有找到这个预约，请核对预约码，或选择业务类别取普通号。")
    return _check_in(session, appointment, station_code=station_code, now=now or utcnow(), how="code")


def check_in_by_id_number(
    session: Session,
    *,
    station_code: str,
    id_number: str,
    card_type: str = "resident",
    now: dt.datetime | None = None,
) -> KioskTicket | None:
    """预约签到 with the ID card: today's earliest booked appointment of its holder, or None if none."""
    now = now or utcnow()
    card_reads.record_card_read(
        session, "kiosk", id_number=id_number, card_type=card_type, purpose="ticket", source="kiosk"
    )
    today = local_date(now)
    index = id_number_index(id_number)
    candidates = (
        session.execute(
            select(Appointment)
            .where(Appointment.id_number_index == index, Appointment.state == "booked")
            .order_by(Appointment.slot_start)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    todays = [a for a in candidates if local_date(a.slot_start) == today]
    if not todays:
        return None
    # Two bookings today: the first one whose slot has not passed; if all have, the last one says so.
    late = dt.timedelta(minutes=DEFAULT_LATE_MINUTES)
    appointment = next((a for a in todays if now <= a.slot_end + late), todays[-1])
    return _check_in(session, appointment, station_code=station_code, now=now, how="id_card")
