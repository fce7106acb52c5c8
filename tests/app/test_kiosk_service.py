"""取号机 service: people ahead, 预约签到 by code and by ID card, 老年人优先, ticket status and the slip."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from app.documents.fonts import load_font
from app.documents.layout import text_image, threshold
from app.documents.ticket import TicketSlip, number_font_size, render_ticket
from app.errors import DomainError, ValidationError
from app.model import Appointment, AuditEvent, Role, ServiceItem, Ticket
from app.services import kiosk
from app.services import queue as q
from app.services.actor import Actor
from app.services.applicants import id_number_index
from app.storage.db import Database
from app.validation import make_id_number

ST = "ST001"
CLERK = Actor(username="wang", role=Role.CLERK, display_name="王小窗")
# 10:00 Beijing time on a Monday.
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
HOLDER_ID = make_id_number("110101", dt.date(1970, 5, 1), 21, "男")


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def run(db: Database, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with db.session() as s:
        return fn(s, *args, **kw)


def book(
    db: Database, code: str, *, category: str = "B", slot_start: dt.datetime = T0, id_number: str = HOLDER_ID
) -> int:
    with db.session() as s:
        item = s.execute(select(ServiceItem).order_by(ServiceItem.id).limit(1)).scalar_one()
        item.category = category
        appointment = Appointment(
            code=code,
            item_id=item.id,
            applicant_name="张三丰",
            id_number_index=id_number_index(id_number),
            slot_start=slot_start,
            slot_end=slot_start + dt.timedelta(minutes=30),
        )
        s.add(appointment)
        s.flush()
        return appointment.id


def ticket_count(db: Database) -> int:
    return int(run(db, lambda s: s.execute(select(func.count()).select_from(Ticket)).scalar_one()))


# --- people ahead -------------------------------------------------------------------------------


def test_people_ahead_counts_earlier_waiting_tickets_of_the_same_category(demo_db: Database) -> None:
    first = run(demo_db, kiosk.issue_kiosk_ticket, station_code=ST, category="A", now=at(0))
    run(demo_db, kiosk.issue_kiosk_ticket, station_code=ST, category="B", now=at(1))
    second = run(demo_db, kiosk.issue_kiosk_ticket, station_code=ST, category="A", now=at(2))
    third = run(demo_db, kiosk.issue_kiosk_ticket, station_code=ST, category="A", now=at(3))
    assert (first.people_ahead, second.people_ahead, third.people_ahead) == (0, 1, 2)
    assert third.ticket.number == "A003"
    assert third.status_key == "YCT-ST001-20261123-A003"

    called = run(demo_db, q.call_next, CLERK, station_code=ST, window_number=1, now=at(4))
    assert called.number == "A001"
    assert run(demo_db, kiosk.people_ahead, third.ticket.id) == 1
    assert run(demo_db, kiosk.people_ahead, first.ticket.id) == 0  # at the window: nobody ahead


def test_a_priority_ticket_only_waits_behind_earlier_priority_tickets(demo_db: Database) -> None:
    for minute in range(3):
        run(demo_db, kiosk.issue_kiosk_ticket, station_code=ST, category="A", now=at(minute))
    elder = run(
        demo_db, kiosk.issue_kiosk_ticket, station_code=ST, category="A", priority="elderly", now=at(5)
    )
    later = run(demo_db, kiosk.issue_kiosk_ticket, station_code=ST, category="A", priority="green", now=at(6))
    assert elder.people_ahead == 0
    assert later.people_ahead == 1


def test_people_ahead_of_an_unknown_ticket_is_refused(demo_db: Database) -> None:
    with pytest.raises(DomainError, match="找不到这张号票"):
        run(demo_db, kiosk.people_ahead, 999_999)


# --- appointments -------------------------------------------------------------------------------


def test_check_in_by_code_issues_an_appointment_ticket_in_the_booked_category(demo_db: Database) -> None:
    appointment_id = book(demo_db, "YY20261123001")
    issued = run(demo_db, kiosk.check_in_by_code, station_code=ST, code=" YY20261123001\r\n", now=at(-20))
    assert issued.ticket.priority == "appointment"
    assert issued.ticket.category == "B"
    assert issued.appointment_code == "YY20261123001"
    with demo_db.session() as s:
        appointment = s.get(Appointment, appointment_id)
        assert appointment is not None and appointment.state == "checked_in"
        ticket = s.get(Ticket, issued.ticket.id)
        assert ticket is not None
        assert ticket.appointment_id == appointment_id
        assert ticket.applicant_name == "张**"  # the display shows a masked name only
        actions = (
            s.execute(select(AuditEvent.action).where(AuditEvent.entity == "appointment")).scalars().all()
        )
        assert actions == ["appointment.check_in"]


def test_scanning_the_same_appointment_twice_names_the_ticket_already_issued(demo_db: Database) -> None:
    book(demo_db, "YY2")
    first = run(demo_db, kiosk.check_in_by_code, station_code=ST, code="YY2", now=at(0))
    with pytest.raises(DomainError, match=first.ticket.number):
        run(demo_db, kiosk.check_in_by_code, station_code=ST, code="YY2", now=at(1))
    assert ticket_count(demo_db) == 1


def test_an_appointment_url_is_read_for_its_code(demo_db: Database) -> None:
    book(demo_db, "YY3")
    issued = run(
        demo_db,
        kiosk.check_in_by_code,
        station_code=ST,
        code="https://zwfw.example.cn/yy?code=YY3&t=1",
        now=at(0),
    )
    assert issued.appointment_code == "YY3"


@pytest.mark.parametrize(
    ("slot", "scan_at", "message"),
    [
        (T0 + dt.timedelta(days=1), at(0), "不是今天"),
        (T0, at(-90), "稍后再来签到"),
        (T0, at(30 + 16), "已过"),
    ],
)
def test_check_in_outside_the_slot_is_refused_and_issues_nothing(
    demo_db: Database, slot: dt.datetime, scan_at: dt.datetime, message: str
) -> None:
    book(demo_db, "YY4", slot_start=slot)
    with pytest.raises(DomainError, match=message):
        run(demo_db, kiosk.check_in_by_code, station_code=ST, code="YY4", now=scan_at)
    assert ticket_count(demo_db) == 0


def test_an_unknown_or_empty_code_is_refused(demo_db: Database) -> None:
    with pytest.raises(DomainError, match="没有找到这个预约"):
        run(demo_db, kiosk.check_in_by_code, station_code=ST, code="NOPE123", now=at(0))
    with pytest.raises(ValidationError):
        run(demo_db, kiosk.check_in_by_code, station_code=ST, code="  ", now=at(0))


def test_check_in_by_id_card_finds_todays_booking_by_blind_index(demo_db: Database) -> None:
    book(demo_db, "YY5", slot_start=at(60))
    other = make_id_number("110101", dt.date(1985, 1, 2), 33, "女")
    assert run(demo_db, kiosk.check_in_by_id_number, station_code=ST, id_number=other, now=at(0)) is None
    issued = run(
        demo_db, kiosk.check_in_by_id_number, station_code=ST, id_number=HOLDER_ID.lower(), now=at(0)
    )
    assert issued is not None
    assert issued.ticket.priority == "appointment"
    assert issued.appointment_code == "YY5"
    # Checked in: the same card now finds nothing left to check in.
    assert run(demo_db, kiosk.check_in_by_id_number, station_code=ST, id_number=HOLDER_ID, now=at(1)) is None


# --- elderly priority -----------------------------------------------------------------------------


def test_elderly_priority_starts_on_the_birthday_of_the_threshold_age() -> None:
    now = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 23 November in Beijing
    assert kiosk.priority_for_birth_date(dt.date(1966, 11, 23), now=now) == "elderly"
    assert kiosk.priority_for_birth_date(dt.date(1966, 11, 24), now=now) == "normal"
    assert kiosk.priority_for_birth_date(dt.date(1961, 11, 24), now=now, elderly_age=65) == "normal"
    assert kiosk.priority_for_birth_date(dt.date(1961, 11, 23), now=now, elderly_age=65) == "elderly"
    # Early morning in Beijing is still the previous evening in UTC: the Beijing date counts.
    late_utc = dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC)
    assert kiosk.priority_for_birth_date(dt.date(1966, 11, 23), now=late_utc) == "elderly"
    with pytest.raises(ValidationError):
        kiosk.priority_for_birth_date(dt.date(1950, 1, 1), now=now, elderly_age=0)


def test_age_on_a_leap_day_birthday() -> None:
    assert kiosk.age_on(dt.date(1964, 2, 29), dt.date(2026, 2, 28)) == 61
    assert kiosk.age_on(dt.date(1964, 2, 29), dt.date(2026, 3, 1)) == 62


# --- status key -----------------------------------------------------------------------------------


def test_the_status_key_leads_back_to_the_ticket(demo_db: Database) -> None:
    run(demo_db, kiosk.issue_kiosk_ticket, station_code=ST, category="C", now=at(0))
    issued = run(demo_db, kiosk.issue_kiosk_ticket, station_code=ST, category="C", now=at(1))
    assert kiosk.is_status_key(issued.status_key)
    assert not kiosk.is_status_key("YY20261123001")
    status = run(demo_db, kiosk.ticket_status, station_code=ST, key=issued.status_key)
    assert (status.ticket.number, status.ticket.state, status.people_ahead) == ("C002", "waiting", 1)
    assert status.ticket.category_name == "民政残联"
    with pytest.raises(DomainError, match="不是本服务点"):
        run(demo_db, kiosk.ticket_status, station_code=ST, key="YCT-OTHER-20261123-C002")
    with pytest.raises(DomainError, match="查不到"):
        run(demo_db, kiosk.ticket_status, station_code=ST, key="YCT-ST001-20261123-C099")


# --- the slip -------------------------------------------------------------------------------------


def _slip(number: str, priority: str = "normal") -> TicketSlip:
    return TicketSlip(
        station_name="演示便民服务站",
        number=number,
        category_code=number[0],
        category_name="综合受理",
        priority=priority,
        people_ahead=3,
        issued_at=T0,
        status_key=f"YCT-ST001-20261123-{number}",
    )


def _number_match(raster: np.ndarray, number: str, width: int) -> float:
    font = load_font(number_font_size(width), bold=True)
    glyphs = threshold(text_image(number, font, stroke=0))
    ys, xs = np.nonzero(glyphs == 0)
    template = glyphs[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scores = cv2.matchTemplate(raster.astype(np.float32), template.astype(np.float32), cv2.TM_CCOEFF_NORMED)
    return float(scores.max())


@pytest.mark.parametrize("width", [384, 576])
def test_the_ticket_raster_shows_its_number_in_large_type(width: int) -> None:
    raster = render_ticket(_slip("A012", "elderly"), width_dots=width)
    assert raster.shape[1] == width and raster.shape[0] % 24 == 0
    assert set(np.unique(raster)) <= {0, 255}
    assert _number_match(raster, "A012", width) > 0.99
    assert _number_match(raster, "A013", width) < 0.95  # one digit off is told apart
    assert _number_match(raster, "B987", width) < 0.6


def test_the_ticket_raster_refuses_a_width_no_printer_has() -> None:
    with pytest.raises(ValueError):
        render_ticket(_slip("A001"), width_dots=100)
