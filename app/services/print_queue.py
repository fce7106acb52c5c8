"""Print queue (打印队列): every receipt is a row first and paper second, so none is lost.

A job is written with its rendered rasters (PNG, in the encrypted blob store) before anything goes
to the printer. A receipt for a GB18030 text-mode printer also carries its text form (lines plus
QR/logo rasters, one more encrypted blob: the lines hold names); the spooler sends that form to a
printer in text mode and the rasters to any other. The spooler (devices/printer/spooler.py) sends queued jobs when the printer is
ready; a job survives the printer being offline or out of paper and a restart of the program.

States: ``queued`` → ``printing`` (claimed, being sent) → ``printed``; ``printing`` → ``queued``
when the printer refused the job before anything was sent; ``printing`` → ``failed`` when sending
broke off or the program stopped mid-job. A failed job is never sent again by itself: receipts
have legal weight and printing one twice is worse than once (the clerk chooses 补打 or 重新打印).
``queued`` and ``failed`` jobs may be cancelled. A reprint (补打) is a new job with a 补打
banner on top, recorded in the audit trail.

``printer`` names the printer a job is for; a counter uses :func:`counter_printer`, so machines
sharing one hall database only ever send, recover or list their own jobs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import audit
from app.documents.data import format_datetime
from app.documents.fonts import RENDER_LOCK
from app.documents.layout import INK_THRESHOLD, Para, Raster, layout, stack
from app.documents.receipts import ROW_MULTIPLE, raster_to_png, thermal_style
from app.documents.text_receipt import TextReceipt, reprint_lines
from app.errors import DomainError, IntegrityError, StorageError, UserFacingError
from app.model import Case, PrintJob, Role, Ticket, utcnow
from app.services.actor import Actor
from app.storage.blobs import BlobStore

log = logging.getLogger(__name__)

DEFAULT_PRINTER: Final = "receipt"
QUEUED, PRINTING, PRINTED, FAILED, CANCELLED = "queued", "printing", "printed", "failed", "cancelled"
STATE_LABELS: Final = {
    QUEUED: "等待打印",
    PRINTING: "正在打印",
    PRINTED: "已打印",
    FAILED: "打印失败",
    CANCELLED: "已取消",
}
#: What a job left mid-print by a crash or power cut says; it is not sent again by itself.
INTERRUPTED_MESSAGE: Final = "打印中断，请核对纸张后选择补打或重新打印"
#: Documents that are not templates (whose keys are already Chinese names).
DOCUMENT_LABELS: Final = {"ticket": "排队号票", "test_page": "打印测试页"}
REPRINT_MARK: Final = "补打"
CANCELLABLE: Final = frozenset({QUEUED, FAILED})
REPRINTABLE: Final = frozenset({PRINTED, FAILED})
PRINT_ROLES: Final = frozenset({Role.CLERK, Role.STATION_STAFF, Role.SUPERVISOR})
MAX_LISTED = 200


def counter_printer(station_code: str, window_number: int) -> str:
    """The printer name of one counter workstation, e.g. ``receipt:ST001:3``."""
    return f"{DEFAULT_PRINTER}:{station_code}:{window_number}"


@dataclass(frozen=True)
class PrintJobView:
    """One print job as screens show it; ``document_label`` and ``state_label`` are Chinese."""

    id: int
    document: str
    document_label: str
    case_id: int | None
    ticket_id: int | None
    state: str
    attempts: int
    error: str
    created_at: dt.datetime
    printed_at: dt.datetime | None
    reprint_of: int | None
    printer: str = DEFAULT_PRINTER
    pages: int = 0  # rasters stored with the job
    paper_width: int | None = None
    case_number: str = ""
    ticket_number: str = ""
    has_text: bool = False  # a GB18030 text form is stored with the job

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


def _view(job: PrintJob, case_number: str = "", ticket_number: str = "") -> PrintJobView:
    return PrintJobView(
        id=job.id,
        document=job.document,
        document_label=DOCUMENT_LABELS.get(job.document, job.document),
        case_id=job.case_id,
        ticket_id=job.ticket_id,
        state=job.state,
        attempts=job.attempts or 0,
        error=job.error or "",
        created_at=job.created_at,
        printed_at=job.printed_at,
        reprint_of=job.reprint_of,
        printer=job.printer,
        pages=len(job.blob_refs or []),
        paper_width=job.paper_width,
        case_number=case_number,
        ticket_number=ticket_number,
        has_text=bool(job.text_ref),
    )


def _views(session: Session, jobs: Sequence[PrintJob]) -> list[PrintJobView]:
    """Views with the case and ticket numbers the clerk recognises a job by."""
    case_ids = {j.case_id for j in jobs if j.case_id is not None}
    ticket_ids = {j.ticket_id for j in jobs if j.ticket_id is not None}
    cases: dict[int, str] = {}
    tickets: dict[int, str] = {}
    if case_ids:
        cases = {
            i: n for i, n in session.execute(select(Case.id, Case.local_number).where(Case.id.in_(case_ids)))
        }
    if ticket_ids:
        rows = session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ticket_ids)))
        tickets = {i: n for i, n in rows}
    return [_view(j, cases.get(j.case_id or 0, ""), tickets.get(j.ticket_id or 0, "")) for j in jobs]


def _check_rasters(rasters: Sequence[Raster]) -> int:
    if not rasters:
        raise ValueError("a print job needs at least one raster")
    widths = set()
    for raster in rasters:
        if raster.dtype != np.uint8 or raster.ndim != 2 or raster.shape[0] == 0:
            raise ValueError(f"a raster is a non-empty 2-D uint8 array, got {raster.dtype} {raster.shape}")
        widths.add(int(raster.shape[1]))
    if len(widths) != 1:
        raise ValueError(f"the rasters of one job must share one width, got {sorted(widths)}")
    return widths.pop()


def enqueue(
    session: Session,
    blobs: BlobStore,
    *,
    document: str,
    rasters: Sequence[Raster],
    case_id: int | None = None,
    ticket_id: int | None = None,
    printer: str = DEFAULT_PRINTER,
    reprint_of: int | None = None,
    text_lines: Sequence[str] | None = None,
    text_rasters: Sequence[Raster] = (),
) -> int:
    """Store ``rasters`` (top to bottom, one cut after the last) as a queued job; returns its id.

    ``text_lines`` (with ``text_rasters``, printed after them: QR code, logo) is the job's GB18030
    text form, e.g. ``app.documents.text_receipt.receipt_text``; a text-mode printer gets that
    instead of ``rasters``. The PNGs are written (and fsynced) before the row, in the caller's
    transaction: a rolled-back enqueue leaves at most unreferenced blobs, never a job without its
    pictures.
    """
    width = _check_rasters(rasters)
    if text_lines is None and text_rasters:
        raise ValueError("text_rasters belong to a text form: give text_lines as well")
    pngs = [raster_to_png(r) for r in rasters]
    refs = [blobs.put(png).sha256 for png in pngs]
    text_ref = _put_text(blobs, text_lines, text_rasters, width) if text_lines is not None else None
    job = PrintJob(
        case_id=case_id,
        ticket_id=ticket_id,
        document=document,
        printer=printer,
        state=QUEUED,
        content_sha256=hashlib.sha256(b"".join(pngs)).hexdigest(),
        error="",
        created_at=utcnow(),
        blob_refs=refs,
        paper_width=width,
        attempts=0,
        reprint_of=reprint_of,
        text_ref=text_ref,
    )
    session.add(job)
    session.flush()
    log.info(
        "print job %d queued (%s, %d raster(s), %d dots, printer %s%s)",
        job.id,
        document,
        len(refs),
        width,
        printer,
        f", text form of {len(text_lines)} lines" if text_lines is not None else "",
    )
    return job.id


def _put_text(blobs: BlobStore, lines: Sequence[str], rasters: Sequence[Raster], width: int) -> str:
    """Store a text form as one JSON blob naming its raster PNGs; returns the blob's SHA-256."""
    if not lines:
        raise ValueError("a text form needs at least one line")
    for line in lines:
        if "\n" in line or "\r" in line:
            raise ValueError("a text line must not contain line breaks; pass one string per line")
    if rasters and _check_rasters(rasters) != width:
        raise ValueError("the text form's rasters must be as wide as the job's rasters")
    refs = [blobs.put(raster_to_png(r)).sha256 for r in rasters]
    payload = {"lines": list(lines), "rasters": refs}
    return blobs.put(json.dumps(payload, ensure_ascii=False).encode("utf-8")).sha256


def case_id_for_number(session: Session, local_number: str) -> int | None:
    """The id of the case a receipt names by its number; None for a number no case has."""
    if not local_number:
        return None
    return session.scalar(select(Case.id).where(Case.local_number == local_number))


def _locked(session: Session, job_id: int) -> PrintJob:
    job = session.scalar(select(PrintJob).where(PrintJob.id == job_id).with_for_update())
    if job is None:
        raise DomainError(f"找不到打印任务 {job_id}，可能已被删除。请刷新打印任务列表。")
    return job


def _wrong_state(job: PrintJob, rule: str) -> DomainError:
    label = STATE_LABELS.get(job.state, job.state)
    return DomainError(f"打印任务 {job.id} 当前为“{label}”，{rule}")


def get_job(session: Session, job_id: int) -> PrintJobView:
    job = session.get(PrintJob, job_id)
    if job is None:
        raise DomainError(f"找不到打印任务 {job_id}，可能已被删除。请刷新打印任务列表。")
    return _views(session, [job])[0]


def pending(session: Session, *, printer: str = DEFAULT_PRINTER) -> list[PrintJobView]:
    """Queued jobs of ``printer``, oldest first: the order they go to paper."""
    jobs = session.scalars(
        select(PrintJob).where(PrintJob.printer == printer, PrintJob.state == QUEUED).order_by(PrintJob.id)
    ).all()
    return _views(session, jobs)


def list_jobs(
    session: Session,
    *,
    since: dt.datetime | None = None,
    states: Collection[str] | None = None,
    printer: str | None = None,
    limit: int = MAX_LISTED,
) -> list[PrintJobView]:
    """Jobs created at or after ``since`` in ``states`` (None: any), newest first."""
    query = select(PrintJob)
    if since is not None:
        query = query.where(PrintJob.created_at >= since)
    if states is not None:
        query = query.where(PrintJob.state.in_(list(states)))
    if printer is not None:
        query = query.where(PrintJob.printer == printer)
    jobs = session.scalars(query.order_by(PrintJob.id.desc()).limit(limit)).all()
    return _views(session, jobs)


def _png_to_raster(png: bytes) -> Raster:
    with Image.open(io.BytesIO(png)) as image:
        pixels = np.asarray(image.convert("L"), dtype=np.uint8)
    return np.where(pixels < INK_THRESHOLD, 0, 255).astype(np.uint8)


def load_rasters(session: Session, blobs: BlobStore, job_id: int) -> list[Raster]:
    """The job's rasters as they were queued (0 = dot, 255 = paper).

    Raises StorageError when the job has no stored pictures (a row from before the queue existed)
    and StorageError/IntegrityError from the blob store when a picture is missing or damaged.
    """
    job = session.get(PrintJob, job_id)
    if job is None:
        raise DomainError(f"找不到打印任务 {job_id}，可能已被删除。请刷新打印任务列表。")
    if not job.blob_refs:
        raise StorageError(f"打印任务 {job_id} 没有保存打印内容，无法再次打印。请在办件中重新生成回执。")
    return [_png_to_raster(blobs.get(ref)) for ref in job.blob_refs]


def load_text_job(session: Session, blobs: BlobStore, job_id: int) -> TextReceipt | None:
    """The job's GB18030 text form (lines, then QR/logo rasters); None for a raster-only job.

    Raises StorageError/IntegrityError from the blob store when the stored form is missing or
    damaged (the job's rasters can still be printed).
    """
    job = session.get(PrintJob, job_id)
    if job is None:
        raise DomainError(f"找不到打印任务 {job_id}，可能已被删除。请刷新打印任务列表。")
    if not job.text_ref:
        return None
    try:
        payload = json.loads(blobs.get(job.text_ref).decode("utf-8"))
        lines = [str(line) for line in payload["lines"]]
        refs = [str(ref) for ref in payload["rasters"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(
            f"打印任务 {job_id} 保存的文字内容已损坏，将按图像打印。如反复出现请联系运维人员。"
        ) from exc
    return TextReceipt(lines=lines, rasters=[_png_to_raster(blobs.get(ref)) for ref in refs])


def load_text_lines(session: Session, blobs: BlobStore, job_id: int) -> list[str] | None:
    """The lines of the job's text form; None for a raster-only job."""
    text = load_text_job(session, blobs, job_id)
    return None if text is None else text.lines


def mark_printing(session: Session, job_id: int) -> bool:
    """Claim a queued job for sending; False when it is no longer queued (cancelled, or claimed
    by someone else). One conditional UPDATE, so two senders can never both claim it."""
    result = session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id, PrintJob.state == QUEUED)
        .values(state=PRINTING, attempts=PrintJob.attempts + 1, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    claimed = bool(getattr(result, "rowcount", 0))
    if claimed:
        session.expire_all()
        log.info("print job %d claimed for sending", job_id)
    return claimed


def mark_printed(session: Session, job_id: int) -> None:
    """The last byte went to the printer. A job marked failed meanwhile did print after all."""
    job = _locked(session, job_id)
    if job.state not in (PRINTING, FAILED):
        raise _wrong_state(job, "不能记为已打印。")
    job.state, job.error, job.printed_at = PRINTED, "", utcnow()
    log.info("print job %d printed", job_id)


def mark_failed(session: Session, job_id: int, error: str) -> None:
    """Sending broke off (or the job cannot be sent): kept for the clerk, never resent by itself."""
    job = _locked(session, job_id)
    if job.state not in (QUEUED, PRINTING):
        raise _wrong_state(job, "不能记为失败。")
    job.state, job.error = FAILED, error
    log.warning("print job %d failed", job_id)


def requeue(session: Session, job_id: int, error: str) -> None:
    """The printer refused a claimed job before anything was sent: back in the queue, with why."""
    job = _locked(session, job_id)
    if job.state != PRINTING:
        raise _wrong_state(job, "不能重新排队。")
    job.state, job.error = QUEUED, error
    log.info("print job %d back in the queue: printer not ready", job_id)


def note_waiting(session: Session, job_ids: Collection[int], error: str) -> int:
    """Say why queued jobs wait (paper out …); rows already saying so are left alone."""
    if not job_ids:
        return 0
    result = session.execute(
        update(PrintJob)
        .where(PrintJob.id.in_(list(job_ids)), PrintJob.state == QUEUED, PrintJob.error != error)
        .values(error=error)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def recover_interrupted(session: Session, *, printer: str, claimed_before: dt.datetime) -> list[int]:
    """Jobs of ``printer`` left "printing" by a program that stopped mid-job become failed.

    Whether their paper came out is unknown, so they are not sent again by themselves: the clerk
    looks at the printer and chooses. Only claims older than ``claimed_before`` (this program's
    start) count, so a job being sent right now is never touched.
    """
    jobs = session.scalars(
        select(PrintJob)
        .where(PrintJob.printer == printer, PrintJob.state == PRINTING)
        .where((PrintJob.claimed_at < claimed_before) | (PrintJob.claimed_at.is_(None)))
        .with_for_update()
    ).all()
    for job in jobs:
        job.state, job.error = FAILED, INTERRUPTED_MESSAGE
        log.warning("print job %d was interrupted mid-print; marked failed", job.id)
    return [job.id for job in jobs]


def cancel(session: Session, actor: Actor, job_id: int) -> PrintJobView:
    """取消: a queued or failed job will not be printed. Audited."""
    actor.require(PRINT_ROLES, "取消打印任务")
    job = _locked(session, job_id)
    if job.state not in CANCELLABLE:
        raise _wrong_state(job, "只有等待打印或打印失败的任务可以取消。")
    before = job.state
    job.state = CANCELLED
    audit.append(
        session,
        actor=actor.username,
        action="print.cancel",
        entity="print_job",
        entity_id=str(job_id),
        before={"state": before},
        after={"state": CANCELLED, "document": job.document},
    )
    return _views(session, [job])[0]


def retry(session: Session, actor: Actor, job_id: int) -> PrintJobView:
    """重新打印: the clerk checked the paper of a failed job and wants the same job sent again."""
    actor.require(PRINT_ROLES, "重新打印")
    job = _locked(session, job_id)
    if job.state != FAILED:
        raise _wrong_state(job, "只有打印失败的任务可以重新打印。")
    job.state, job.error = QUEUED, ""
    audit.append(
        session,
        actor=actor.username,
        action="print.retry",
        entity="print_job",
        entity_id=str(job_id),
        before={"state": FAILED},
        after={"state": QUEUED, "document": job.document},
    )
    return _views(session, [job])[0]


def reprint_banner(width_dots: int, *, at: dt.datetime | None = None) -> Raster:
    """The 补打 banner put on top of a reprint: white-on-black "补打" and when it was reprinted."""
    style = thermal_style(width_dots)
    paras = [
        Para(kind="badge", text=REPRINT_MARK, role="heading"),
        Para(text=f"本件为补打件 {format_datetime(at or utcnow())}", align="center", role="small"),
        Para(kind="rule"),
    ]
    with RENDER_LOCK:
        return stack(layout(paras, style), style, height_multiple=ROW_MULTIPLE)


def reprint(session: Session, blobs: BlobStore, actor: Actor, job_id: int) -> int:
    """补打: a new queued job with the original's rasters under a 补打 banner; returns its id.

    Reprinting a reprint starts from the original, so the paper carries one banner, not two. A
    failed job that is reprinted is cancelled, so it cannot also be sent again (重新打印).
    """
    actor.require(PRINT_ROLES, "补打")
    job = _locked(session, job_id)
    if job.state not in REPRINTABLE:
        raise _wrong_state(job, "只有已打印或打印失败的任务可以补打。")
    original = session.get(PrintJob, job.reprint_of) if job.reprint_of is not None else job
    if original is None:
        raise IntegrityError(
            f"打印任务 {job_id} 的原任务 {job.reprint_of} 不存在，无法补打。请联系运维人员。"
        )
    rasters = load_rasters(session, blobs, original.id)
    width = int(rasters[0].shape[1])
    at = utcnow()
    rasters[0] = np.vstack([reprint_banner(width, at=at), rasters[0]])
    try:
        text = load_text_job(session, blobs, original.id)
    except UserFacingError:
        # The rasters are the receipt; the text form only makes it faster on a slow printer.
        log.warning("print job %d: stored text form unreadable; the reprint is raster only", original.id)
        text = None
    new_id = enqueue(
        session,
        blobs,
        document=original.document,
        rasters=rasters,
        case_id=original.case_id,
        ticket_id=original.ticket_id,
        printer=job.printer,
        reprint_of=original.id,
        text_lines=None if text is None else [*reprint_lines(width, format_datetime(at)), *text.lines],
        text_rasters=() if text is None else text.rasters,
    )
    before = job.state
    if job.state == FAILED:
        # The reprint replaces the failed job: it must not also be sent again by 重新打印.
        job.state, job.error = CANCELLED, f"已补打（打印任务 {new_id}）"
    audit.append(
        session,
        actor=actor.username,
        action="print.reprint",
        entity="print_job",
        entity_id=str(new_id),
        before={"job": job_id, "state": before},
        after={"reprint_of": original.id, "document": original.document, "case_id": original.case_id},
    )
    return new_id
