"""The ops the kiosk starts: the board, the printer check, card reads and issuing a ticket.

Issuing always asks the printer first: when it cannot print (paper out, cover open, offline, not
configured) no ticket is issued at all, and the result says why so the kiosk can show it. A
ticket is printed after its transaction committed; if printing then fails the ticket stands and
the kiosk shows its number on screen with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.orm import Session

from app.context import AppContext
from app.documents.data import branding_from_config
from app.documents.ticket import render_ticket, slip_for
from app.errors import DeviceUnavailable
from app.services import kiosk, queue
from app.services.kiosk import KioskTicket, TicketStatus
from app.services.queue import CategoryView
from devices.idcard.base import IdCardData, IdCardReader
from devices.manager import DeviceManager
from devices.printer.base import CoverOpen, PaperOut, PrinterOffline, ReceiptPrinter
from ui.ops import Changes, Op

log = logging.getLogger(__name__)

PrinterState = Literal["ok", "paper_out", "cover_open", "offline"]
#: How long a job may wait for the printer thread (one ticket prints in about a second).
PRINTER_WAIT_S = 10.0
CARD_READ_TIMEOUT_S = 3.0
DEVICE_GRACE_S = 5.0


@dataclass(frozen=True)
class PrinterCheck:
    state: PrinterState
    width_dots: int = 0

    @property
    def ok(self) -> bool:
        return self.state == "ok"


@dataclass(frozen=True)
class IssueOutcome:
    """What an issue attempt came to: a ticket (or None), the printer's state, a print failure."""

    printer: PrinterCheck
    issued: KioskTicket | None = None
    print_error: str = ""
    changes: Changes = field(default_factory=Changes)


def _state_of(error: DeviceUnavailable) -> PrinterState:
    if isinstance(error, PaperOut):
        return "paper_out"
    if isinstance(error, CoverOpen):
        return "cover_open"
    return "offline"


def printer_check(devices: DeviceManager) -> PrinterCheck:
    """Ask the printer whether it can print now (runs on the printer's thread, waited for here)."""

    def ask(printer: ReceiptPrinter) -> PrinterCheck:
        problem = printer.status().problem()
        if problem is not None:
            return PrinterCheck(_state_of(problem))
        return PrinterCheck("ok", printer.paper_width_dots)

    try:
        return devices.submit("printer", ask).result(timeout=PRINTER_WAIT_S)
    except DeviceUnavailable as error:
        return PrinterCheck(_state_of(error))
    except TimeoutError:
        log.warning("printer did not answer its status within %.0f s", PRINTER_WAIT_S)
        return PrinterCheck("offline")


def check_printer(devices: DeviceManager) -> Op[PrinterCheck]:
    return Op(run=lambda: printer_check(devices), name="kiosk_check_printer").on_network()


def load_board(ctx: AppContext, *, ensure_categories: bool = False) -> Op[list[CategoryView]]:
    """The categories and their waiting counts; ``ensure_categories`` creates the default six if none."""
    station_code = ctx.station_code

    def run() -> list[CategoryView]:
        with ctx.db.session() as session:
            if ensure_categories:
                queue.ensure_default_categories(session, station_code)
            return queue.waiting_by_category(session, station_code=station_code)

    return Op(run=run, name="kiosk_load_board")


def issue(
    ctx: AppContext,
    devices: DeviceManager,
    make: Callable[[Session], KioskTicket | None],
    *,
    station_name: str,
) -> Op[IssueOutcome]:
    """Check the printer, take a ticket with ``make`` (None: nothing to issue), print it.

    The hall's branding (``print.*``) is read first: a wrong logo path fails with a ConfigError
    naming print.logo before any ticket is taken, rather than leaving a ticket without a slip.
    """

    def run() -> IssueOutcome:
        branding = branding_from_config(ctx.config)
        check = printer_check(devices)
        if not check.ok:
            log.info("kiosk refused to issue: printer %s", check.state)
            return IssueOutcome(printer=check)
        with ctx.db.session() as session:
            issued = make(session)
        if issued is None:
            return IssueOutcome(printer=check)
        changes = Changes(queue=True)
        raster = render_ticket(slip_for(issued, station_name, branding), width_dots=check.width_dots)

        def print_slip(printer: ReceiptPrinter) -> None:
            printer.print_raster(raster)
            printer.cut()

        try:
            devices.submit("printer", print_slip).result(timeout=PRINTER_WAIT_S)
        except DeviceUnavailable as error:
            log.warning("ticket %s issued but not printed: %s", issued.ticket.number, type(error).__name__)
            return IssueOutcome(
                printer=PrinterCheck(_state_of(error)), issued=issued, print_error=str(error), changes=changes
            )
        except TimeoutError:
            log.warning("ticket %s issued but the printer did not finish in time", issued.ticket.number)
            offline = PrinterOffline()
            return IssueOutcome(
                printer=PrinterCheck("offline"), issued=issued, print_error=str(offline), changes=changes
            )
        return IssueOutcome(printer=check, issued=issued, changes=changes)

    return Op(run=run, name="kiosk_issue")


def take_ticket(
    ctx: AppContext, devices: DeviceManager, category: str, priority: str, *, station_name: str
) -> Op[IssueOutcome]:
    station_code = ctx.station_code
    return issue(
        ctx,
        devices,
        lambda s: kiosk.issue_kiosk_ticket(
            s, station_code=station_code, category=category, priority=priority
        ),
        station_name=station_name,
    )


def check_in_with_code(
    ctx: AppContext, devices: DeviceManager, code: str, *, station_name: str
) -> Op[IssueOutcome]:
    station_code = ctx.station_code
    return issue(
        ctx,
        devices,
        lambda s: kiosk.check_in_by_code(s, station_code=station_code, code=code),
        station_name=station_name,
    )


def check_in_with_card(
    ctx: AppContext, devices: DeviceManager, card: IdCardData, *, station_name: str
) -> Op[IssueOutcome]:
    """预约签到 by ID card; the outcome has no ticket when the holder has no appointment today."""
    station_code = ctx.station_code
    id_number, card_type = card.id_number, card.card_type
    return issue(
        ctx,
        devices,
        lambda s: kiosk.check_in_by_id_number(
            s, station_code=station_code, id_number=id_number, card_type=card_type
        ),
        station_name=station_name,
    )


def read_card(devices: DeviceManager) -> Op[IdCardData]:
    def read(reader: IdCardReader) -> IdCardData:
        return reader.read_card(CARD_READ_TIMEOUT_S)

    def run() -> IdCardData:
        return devices.submit("idcard", read).result(timeout=CARD_READ_TIMEOUT_S + DEVICE_GRACE_S)

    return Op(run=run, name="kiosk_read_card").on_network()


def look_up_status(ctx: AppContext, key: str) -> Op[TicketStatus]:
    station_code = ctx.station_code

    def run() -> TicketStatus:
        with ctx.db.session() as session:
            return kiosk.ticket_status(session, station_code=station_code, key=key)

    return Op(run=run, name="kiosk_ticket_status")
