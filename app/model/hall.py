"""The hall side of a visit: queue tickets, appointments and 好差评 evaluations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.model.base import Base, UtcDateTime, utcnow


class QueueCategory(Base):
    """取号类别: one queue of a station (prefix letter + 3 digits), with its numbering rules."""

    __tablename__ = "queue_category"
    __table_args__ = (UniqueConstraint("station_id", "code", name="uq_queue_category_station_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    code: Mapped[str] = mapped_column(String(4))  # prefix, e.g. "A"
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    start: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[int] = mapped_column(Integer, default=1)
    wrap_at: Mapped[int] = mapped_column(
        Integer, default=999
    )  # after this, numbering starts again at ``start``
    daily_cap: Mapped[int] = mapped_column(Integer, default=0)  # 0 = no cap
    opens_at: Mapped[dt.time | None] = mapped_column(Time)
    closes_at: Mapped[dt.time | None] = mapped_column(Time)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Ticket(Base):
    """排队号: a queue number (prefix + 3 digits) issued for one category on one service day."""

    __tablename__ = "ticket"
    __table_args__ = (UniqueConstraint("station_id", "service_day", "number", name="uq_ticket_day_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    service_day: Mapped[dt.date] = mapped_column(Date, index=True)
    number: Mapped[str] = mapped_column(String(8))  # e.g. A001
    category: Mapped[str] = mapped_column(String(4))
    priority: Mapped[str] = mapped_column(String(16), default="normal")  # normal | appointment | elderly | …
    state: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("counter_window.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("clerk.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    transferred_from: Mapped[str] = mapped_column(String(40), default="")  # "category A" / "window 3"
    target_window_number: Mapped[int | None] = mapped_column(Integer)  # transfer to one window
    applicant_name: Mapped[str] = mapped_column(String(100), default="")  # masked, for the display
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    called_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Appointment(Base):
    """预约: a booked visit, checked in at the kiosk by QR code or ID card."""

    __tablename__ = "appointment"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"))
    applicant_name: Mapped[str] = mapped_column(String(100), default="")
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    mobile: Mapped[str] = mapped_column(String(20), default="")
    slot_start: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    slot_end: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(
        String(16), default="booked"
    )  # booked | checked_in | missed | cancelled
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Evaluation(Base):
    """好差评: one rating (GB/T 39046 A.8: 1 非常满意 … 5 非常不满意) of one visit or case."""

    __tablename__ = "evaluation"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("counter_window.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("clerk.id"))
    level: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20), default="政务大厅其他终端")
    evaluated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
