"""排队号票 (queue ticket slip): what the kiosk prints on the receipt printer.

The number is the largest thing on the slip, as at every hall: the applicant compares it with the
calling board from across the room. Below it come the category, the people ahead, the time of
issue and a QR code holding the ticket's status key, which the kiosk scanner reads back to show
where the ticket stands. The hall's logo and header open the slip, its hotline and footer close it,
as on every receipt. Drawn with the receipt layout engine, so it prints the same on 58 and 80 mm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from app.documents.content import branding_head, branding_tail, hotline_paras
from app.documents.data import NO_BRANDING, Branding, format_datetime
from app.documents.fonts import RENDER_LOCK
from app.documents.layout import Para, Raster, Style, layout, stack
from app.documents.receipts import MAX_WIDTH_DOTS, MIN_WIDTH_DOTS, ROW_MULTIPLE, thermal_style
from app.services.kiosk import KioskTicket

#: What the slip calls each priority (普通 prints nothing).
PRIORITY_BADGES = {
    "appointment": "预约优先",
    "elderly": "老年人优先",
    "disabled": "残疾人优先",
    "green": "绿色通道",
}


@dataclass(frozen=True)
class TicketSlip:
    """The printed content of one queue ticket."""

    station_name: str
    number: str
    category_code: str
    category_name: str
    priority: str
    people_ahead: int
    issued_at: dt.datetime
    status_key: str
    branding: Branding = NO_BRANDING


def slip_for(issued: KioskTicket, station_name: str, branding: Branding = NO_BRANDING) -> TicketSlip:
    ticket = issued.ticket
    return TicketSlip(
        station_name=station_name,
        number=ticket.number,
        category_code=ticket.category,
        category_name=ticket.category_name,
        priority=ticket.priority,
        people_ahead=issued.people_ahead,
        issued_at=ticket.issued_at,
        status_key=issued.status_key,
        branding=branding,
    )


def number_font_size(width_dots: int) -> int:
    """The size the number is drawn at: four characters fill about two thirds of the paper."""
    return 112 if width_dots < 480 else 144


def ticket_paragraphs(slip: TicketSlip) -> list[Para]:
    ahead = (
        "您前面没有人等候，请留意叫号" if slip.people_ahead == 0 else f"您前面还有 {slip.people_ahead} 人等候"
    )
    category = (
        f"{slip.category_name}（{slip.category_code}类）" if slip.category_name else f"{slip.category_code}类"
    )
    paras = [
        *branding_head(slip.branding),
        Para(text=slip.station_name, role="heading", align="center"),
        Para(kind="rule"),
        Para(text="排队号", role="small", align="center"),
        Para(text=slip.number, role="number", align="center"),
        Para(text=category, role="heading", align="center"),
    ]
    badge = PRIORITY_BADGES.get(slip.priority)
    if badge:
        paras.append(Para(kind="badge", text=badge, role="big"))
    paras += [
        Para(text=ahead, role="big", align="center"),
        Para(kind="rule"),
        Para(text=format_datetime(slip.issued_at), label="取号时间：", role="body"),
        Para(kind="qr", text=slip.status_key, label="扫描二维码\n查询排队进度"),
        Para(text="请留意叫号，本号当日有效。", role="small", align="center"),
        *hotline_paras(slip.branding.hotline),
        *branding_tail(slip.branding),
    ]
    return paras


def ticket_style(width_dots: int) -> Style:
    """The receipt style with the big number role and a smaller QR code (the slip is short)."""
    base = thermal_style(width_dots)
    return replace(
        base,
        sizes={**base.sizes, "number": number_font_size(width_dots)},
        bold_roles=base.bold_roles | {"number"},
        qr_width=base.qr_width * 3 // 4,
    )


def render_ticket(slip: TicketSlip, *, width_dots: int) -> Raster:
    """The slip as a uint8 raster ``width_dots`` wide (0 = dot), height a multiple of 24 rows.

    Raises ValueError for a width no receipt printer has, UserFacingError when no Chinese font is
    installed.
    """
    if not (MIN_WIDTH_DOTS <= width_dots <= MAX_WIDTH_DOTS) or width_dots % 8:
        raise ValueError(f"ticket width must be a multiple of 8 between 256 and 1024 dots, got {width_dots}")
    style = ticket_style(width_dots)
    with RENDER_LOCK:
        return stack(layout(ticket_paragraphs(slip), style), style, height_multiple=ROW_MULTIPLE)
