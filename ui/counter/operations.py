"""The ops the counter window starts: each opens its own Session on the runner's DB thread.

Widgets call these factories and attach callbacks; they never see a Session. Results are the
core's plain dataclasses (or the small ones below), safe to hand to the UI thread. Ops that change
something return a result carrying :class:`~ui.ops.Changes`, so every screen hears about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication
from sqlalchemy import select

from app.context import AppContext
from app.model import Station, Window
from app.services import applicants, card_reads, cases, drafts, materials, queue
from app.services.actor import Actor
from app.services.applicants import ApplicantView, CardFields
from app.services.cases import CaseRow
from app.services.catalog import ItemSummary, search_items
from app.services.materials import MaterialView
from app.services.queue import CategoryView, TicketView
from app.services.status import CounterStatus, counter_status
from devices.idcard.base import IdCardData, IdCardReader
from devices.manager import DeviceManager
from ui.ops import Changes, Op

SEARCH_LIMIT = 50
# How long F2 waits for a card on the reader before saying none is there.
CARD_READ_TIMEOUT_S = 3.0
# Extra wait for the device thread itself (a job queued behind another one).
DEVICE_GRACE_S = 5.0
PREVIOUS_CASES_SHOWN = 10
QUEUE_CHANGES = Changes(queue=True)


def window_number(ctx: AppContext) -> int:
    """This PC's window number (``station.window_number``)."""
    return ctx.config.get_int("station.window_number")


def search_catalog(ctx: AppContext, query: str, limit: int = SEARCH_LIMIT) -> Op[list[ItemSummary]]:
    """Service items matching ``query`` by name, code, department or pinyin initials."""

    def run() -> list[ItemSummary]:
        with ctx.db.session() as session:
            return search_items(session, query, limit)

    return Op(run=run, name="search_catalog")


def load_counter_status(ctx: AppContext) -> Op[CounterStatus]:
    """Station name, window number and the outbox backlog for the status bar."""

    station_name = ctx.config.get_str("station.name")
    number = window_number(ctx)

    def run() -> CounterStatus:
        with ctx.db.session() as session:
            return counter_status(session, station_name=station_name, window_number=number)

    return Op(run=run, name="load_counter_status")


# --- Queue (排队叫号) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSnapshot:
    """What the queue panel shows: this window's ticket, who waits, and whether it is paused."""

    current: TicketView | None
    categories: tuple[CategoryView, ...]
    window_categories: tuple[str, ...]
    paused: bool


@dataclass(frozen=True)
class TicketResult:
    """The ticket a queue action left at this window (None: nobody waiting / window now free)."""

    ticket: TicketView | None
    finished: TicketView | None = None  # the ticket 办结 on the way, when the action closed one first
    changes: Changes = field(default=QUEUE_CHANGES)


def load_queue(ctx: AppContext, number: int, *, ensure_categories: bool = False) -> Op[QueueSnapshot]:
    """The queue as this window sees it; ``ensure_categories`` first creates the six default categories
    when the station has none (done once when the counter starts)."""
    station_code = ctx.station_code

    def run() -> QueueSnapshot:
        with ctx.db.session() as session:
            if ensure_categories:
                queue.ensure_default_categories(session, station_code)
            current = queue.current_ticket(session, station_code=station_code, window_number=number)
            categories = queue.waiting_by_category(session, station_code=station_code)
            row = session.execute(
                select(Window.paused, Window.categories)
                .join(Station, Station.id == Window.station_id)
                .where(Station.code == station_code, Window.number == number)
            ).one()
            return QueueSnapshot(
                current=current,
                categories=tuple(categories),
                window_categories=tuple(row.categories or ()),
                paused=bool(row.paused),
            )

    return Op(run=run, name="load_queue")


def call_next_ticket(ctx: AppContext, actor: Actor, number: int) -> Op[TicketResult]:
    """叫号: 办结 the ticket being served at this window (if any), then call the next one.

    A ticket that was called but never served stays, and the service refuses with what to do
    (mark 过号 or transfer it): the clerk must decide, not the F1 key.
    """
    station_code = ctx.station_code

    def run() -> TicketResult:
        with ctx.db.session() as session:
            held = queue.current_ticket(session, station_code=station_code, window_number=number)
            finished = None
            if held is not None and held.state == "serving":
                finished = queue.finish(session, actor, station_code=station_code, window_number=number)
            called = queue.call_next(
                session,
                actor,
                station_code=station_code,
                window_number=number,
                priority_burst=ctx.config.get_int("queue.priority_burst"),
            )
            return TicketResult(ticket=called, finished=finished)

    return Op(run=run, name="call_next").with_progress(QCoreApplication.translate("CounterOps", "正在叫号…"))


def call_ticket_number(ctx: AppContext, actor: Actor, number: int, ticket_number: str) -> Op[TicketResult]:
    """指定叫号: call one ticket by its number at window ``number`` (a 过号 or parked one came back)."""
    station_code = ctx.station_code

    def run() -> TicketResult:
        with ctx.db.session() as session:
            called = queue.call_number(
                session, actor, station_code=station_code, window_number=number, number=ticket_number
            )
            return TicketResult(ticket=called, finished=None)

    return Op(run=run, name="call_number")


def ticket_action(ctx: AppContext, actor: Actor, number: int, action: str, **kwargs: Any) -> Op[TicketResult]:
    """One of queue.recall / no_show / start_service / finish / transfer on this window's ticket.

    The ticket left at the window afterwards: the same one for recall and start_service, none for
    the others (过号, 办结 and 转移 free the window).
    """
    functions = {
        "recall": queue.recall,
        "no_show": queue.no_show,
        "start_service": queue.start_service,
        "finish": queue.finish,
        "transfer": queue.transfer,
        "park": queue.park,
        "cancel": queue.cancel,
    }
    function = functions[action]
    station_code = ctx.station_code
    if action == "recall":
        kwargs.setdefault("max_recalls", ctx.config.get_int("queue.max_recalls"))

    def run() -> TicketResult:
        with ctx.db.session() as session:
            ticket = function(session, actor, station_code=station_code, window_number=number, **kwargs)
            kept = ticket if ticket.state in queue.HELD_STATES else None
            return TicketResult(ticket=kept, finished=None if kept else ticket)

    return Op(run=run, name=f"queue_{action}")


def set_window_paused(ctx: AppContext, actor: Actor, number: int, paused: bool) -> Op[Changes]:
    """暂停服务 / 恢复服务 of this window."""
    station_code = ctx.station_code

    def run() -> Changes:
        with ctx.db.session() as session:
            queue.set_paused(session, actor, station_code=station_code, window_number=number, paused=paused)
        return QUEUE_CHANGES

    return Op(run=run, name="set_window_paused")


# --- Drafts (草稿) -----------------------------------------------------------------------------


def draft_key(number: int) -> str:
    """The draft slot of one window: a window serves one applicant at a time."""
    return f"counter:window-{number}"


def save_draft(ctx: AppContext, key: str, clerk: str, payload: dict[str, Any]) -> Op[None]:
    def run() -> None:
        with ctx.db.session() as session:
            drafts.save_draft(session, key, clerk, payload)

    return Op(run=run, name="save_draft")


def load_draft(ctx: AppContext, key: str) -> Op[dict[str, Any] | None]:
    def run() -> dict[str, Any] | None:
        with ctx.db.session() as session:
            return drafts.load_draft(session, key)

    return Op(run=run, name="load_draft")


def clear_draft(ctx: AppContext, key: str) -> Op[None]:
    def run() -> None:
        with ctx.db.session() as session:
            drafts.clear_draft(session, key)

    return Op(run=run, name="clear_draft")


# --- Applicant (申请人) --------------------------------------------------------------------------


def read_id_card(devices: DeviceManager, timeout_s: float = CARD_READ_TIMEOUT_S) -> Op[IdCardData]:
    """Read the card on the reader (on the reader's own thread); the op waits on the network lane.

    Raises NoCardPresent / CardReadFailed / DeviceUnavailable with what to do, in Chinese.
    """

    def read(reader: IdCardReader) -> IdCardData:
        return reader.read_card(timeout_s)

    def run() -> IdCardData:
        return devices.submit("idcard", read).result(timeout=timeout_s + DEVICE_GRACE_S)

    return Op(run=run, name="read_id_card").on_network()


def card_present(devices: DeviceManager) -> Op[bool]:
    """Whether a card lies on the reader right now (polled for the automatic read)."""

    def run() -> bool:
        return bool(devices.submit("idcard", lambda reader: reader.card_present()).result(DEVICE_GRACE_S))

    return Op(run=run, name="card_present").on_network()


def card_fields(card: IdCardData) -> CardFields:
    """The reader's data as the core takes it: printed gender and nation names, the photo if any.

    Only the resident card has a document-type code here; permits keep the core's default until
    the GA/T 2000.156 codes of permits are settled.
    """
    return CardFields(
        name=card.name,
        gender=card.gender_name,
        nation=card.nation_name,
        birth_date=card.birth_date,
        address=card.address,
        id_number=card.id_number,
        photo=card.photo or None,
        photo_wlt=card.photo_wlt or None,
        card_type=card.card_type,
    )


def record_card_read(
    ctx: AppContext,
    actor: Actor,
    card: IdCardData,
    *,
    purpose: card_reads.ReadPurpose,
    case_id: int | None = None,
) -> Op[None]:
    """Audit a read whose data does not go through applicant_from_card (agent, collector)."""
    id_number, card_type = card.id_number, card.card_type

    def run() -> None:
        with ctx.db.session() as session:
            card_reads.record_card_read(
                session, actor, id_number=id_number, card_type=card_type, purpose=purpose, case_id=case_id
            )

    return Op(run=run, name="record_card_read")


def applicant_from_card(ctx: AppContext, actor: Actor, card: IdCardData) -> Op[ApplicantView]:
    fields_ = card_fields(card)

    def run() -> ApplicantView:
        with ctx.db.session() as session:
            return applicants.applicant_from_card(session, actor, fields_)

    return Op(run=run, name="applicant_from_card")


def applicant_typed(
    ctx: AppContext, actor: Actor, *, name: str, id_number: str, mobile: str = "", address: str = ""
) -> Op[ApplicantView]:
    def run() -> ApplicantView:
        with ctx.db.session() as session:
            return applicants.applicant_typed(
                session, actor, name=name, id_number=id_number, mobile=mobile, address=address
            )

    return Op(run=run, name="applicant_typed")


def organisation_applicant(
    ctx: AppContext, actor: Actor, *, name: str, uscc: str, legal_representative: str, mobile: str = ""
) -> Op[ApplicantView]:
    def run() -> ApplicantView:
        with ctx.db.session() as session:
            return applicants.organisation_applicant(
                session, actor, name=name, uscc=uscc, legal_representative=legal_representative, mobile=mobile
            )

    return Op(run=run, name="organisation_applicant")


def update_mobile(ctx: AppContext, actor: Actor, applicant_id: int, mobile: str) -> Op[ApplicantView]:
    def run() -> ApplicantView:
        with ctx.db.session() as session:
            return applicants.update_mobile(session, actor, applicant_id, mobile)

    return Op(run=run, name="update_mobile")


def register_agent(
    ctx: AppContext, actor: Actor, *, name: str, id_number: str, mobile: str, applicant_id: int
) -> Op[tuple[int, int]]:
    """代办: record the agent and the applicant's authorization; returns (agent_id, authorization_id)."""

    def run() -> tuple[int, int]:
        with ctx.db.session() as session:
            return applicants.register_agent(
                session,
                actor,
                name=name,
                id_number=id_number,
                mobile=mobile,
                applicant_id=applicant_id,
                clerk_id=actor.clerk_id,
            )

    return Op(run=run, name="register_agent")


@dataclass(frozen=True)
class PreviousCase:
    """One earlier case of the applicant with its materials (for reuse and for the clerk's memory)."""

    row: CaseRow
    materials: tuple[MaterialView, ...]


def load_previous_cases(
    ctx: AppContext, applicant_id: int, limit: int = PREVIOUS_CASES_SHOWN
) -> Op[list[PreviousCase]]:
    def run() -> list[PreviousCase]:
        with ctx.db.session() as session:
            rows = cases.previous_cases(session, applicant_id, limit=limit)
            return [PreviousCase(row, tuple(materials.case_materials(session, row.id))) for row in rows]

    return Op(run=run, name="load_previous_cases")
