"""Print spooler (打印后台): sends the print queue's jobs to the receipt printer, each exactly once.

Jobs are rows (app/services/print_queue.py). :func:`send_job` sends one: it claims the job
("printing", committed), runs one device job on the printer's thread that checks the printer's
status and then prints every raster and cuts, and records the outcome:

- the printer refused before anything was sent (offline, cover open, paper out, not configured):
  the job goes back to "queued" with the Chinese reason and is tried again later;
- it printed: "printed", written only after the last raster and the cut went out;
- sending broke off (paper ran out mid-job, an I/O error, no answer in time): "failed", never
  sent again by itself — print-once beats print-twice for receipts with legal weight.

A job that carries a text form (GB18030 文字模式) goes to a printer in text mode as that form: the
lines in the printer's font, then its QR/logo rasters. Any other printer, and a text form that
cannot be read back, gets the job's rasters: the same receipt, only slower on a serial line.

:class:`PrintSpooler` drains the queue on its own thread: at start, when the printer becomes
ready again (DeviceManager events) and every ``retry_interval_s``. At start it first turns jobs an
earlier run left "printing" into "failed" (:data:`~app.services.print_queue.INTERRUPTED_MESSAGE`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from app.documents.text_receipt import TextReceipt
from app.errors import DeviceUnavailable, UserFacingError
from app.model import utcnow
from app.services import print_queue
from app.storage.blobs import BlobStore
from app.storage.db import Database
from devices.manager import DeviceEvent, DeviceManager, DeviceState
from devices.printer.base import PrinterOffline, Raster, ReceiptPrinter

log = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVAL_S: Final = 5.0
#: Longest wait for one job on the printer thread; drivers use finite timeouts well below this.
DEFAULT_JOB_TIMEOUT_S: Final = 120.0
NOT_CONFIGURED: Final = "本机未配置小票打印机，请在设置向导中选择设备后重试。"
NO_ANSWER: Final = "小票打印机长时间没有响应，请检查打印机，核对纸张后选择补打或重新打印。"
BROKE_OFF: Final = "打印出错（详细原因见日志），请核对纸张后选择补打或重新打印。"
WRONG_WIDTH: Final = (
    "打印任务的纸宽（{job} 点）与当前打印机（{printer} 点）不符，无法打印。请取消该任务后重新生成回执。"
)


@runtime_checkable
class JobPrinter(Protocol):
    """A printer that sends a whole job in one go (one connection, one status check, one cut)."""

    def print_job(self, rasters: Sequence[Raster]) -> None: ...


#: ``text_mode`` of a printer that takes GB18030 text lines (EscposPrinter, option ``text_mode``).
GB18030_TEXT_MODE: Final = "gb18030"


@runtime_checkable
class TextModePrinter(Protocol):
    """A job printer that may be set to GB18030 text mode (``devices.printer_text_mode``)."""

    @property
    def text_mode(self) -> str: ...

    def print_job(self, rasters: Sequence[Raster], *, text_lines: Sequence[str] | None = None) -> None: ...


@dataclass(frozen=True)
class SendResult:
    """What became of one job: ``state`` is the job's state afterwards (also when it was not queued
    any more, so this call sent nothing), ``problem`` the printer's refusal when it went back to
    the queue."""

    job_id: int
    state: str
    error: str = ""
    problem: DeviceUnavailable | None = None

    @property
    def printed(self) -> bool:
        return self.state == print_queue.PRINTED


@dataclass(frozen=True)
class _Refused:
    """The device job stopped before sending anything."""

    problem: DeviceUnavailable | None = None
    unfit: str = ""  # a permanent reason (wrong paper width): the job fails instead of waiting


def printer_problem(printer: ReceiptPrinter) -> DeviceUnavailable | None:
    """Why ``printer`` cannot print now, or None. Runs on the printer's thread."""
    try:
        return printer.status().problem()
    except DeviceUnavailable as error:
        return error
    except Exception:
        # A driver bug must not stop the queue for good: treat it as "cannot print now".
        log.warning("printer status query failed", exc_info=True)
        return PrinterOffline()


def _device_job(
    rasters: Sequence[Raster], started: threading.Event, text: TextReceipt | None = None
) -> Callable[[ReceiptPrinter], _Refused | None]:
    def job(printer: ReceiptPrinter) -> _Refused | None:
        width = printer.paper_width_dots
        job_width = int(rasters[0].shape[1])
        if job_width != width:
            return _Refused(unfit=WRONG_WIDTH.format(job=job_width, printer=width))
        problem = printer_problem(printer)
        if problem is not None:
            return _Refused(problem=problem)
        started.set()  # from here on paper may come out: a failure is no longer "nothing sent"
        if (
            text is not None
            and isinstance(printer, TextModePrinter)
            and printer.text_mode == GB18030_TEXT_MODE
        ):
            printer.print_job(text.rasters, text_lines=text.lines)
        elif isinstance(printer, JobPrinter):
            printer.print_job(rasters)
        else:
            for raster in rasters:
                printer.print_raster(raster)
            printer.cut()
        return None

    return job


def send_job(
    db: Database,
    blobs: BlobStore,
    devices: DeviceManager | None,
    job_id: int,
    *,
    timeout_s: float = DEFAULT_JOB_TIMEOUT_S,
) -> SendResult:
    """Send one queued job now, on the calling thread (it waits for the printer's thread).

    Safe to call while a spooler drains the same queue: only one of them claims the job.
    """
    try:
        with db.session() as session:
            rasters = print_queue.load_rasters(session, blobs, job_id)
            text = _load_text(session, blobs, job_id)
    except UserFacingError as error:
        # A missing or damaged picture will not come back by waiting.
        with db.session() as session:
            view = print_queue.get_job(session, job_id)
            if view.state != print_queue.QUEUED:
                return SendResult(job_id, view.state, view.error)
            print_queue.mark_failed(session, job_id, str(error))
        return SendResult(job_id, print_queue.FAILED, str(error))
    with db.session() as session:
        if not print_queue.mark_printing(session, job_id):
            # Cancelled, or another sender (the spooler, the preview) has it: report where it is.
            view = print_queue.get_job(session, job_id)
            return SendResult(job_id, view.state, view.error)

    started = threading.Event()
    outcome: _Refused | None
    try:
        if devices is None:
            raise DeviceUnavailable(NOT_CONFIGURED, device="printer")
        future = devices.submit("printer", _device_job(rasters, started, text))
        try:
            outcome = future.result(timeout=timeout_s)
        except TimeoutError:
            if not future.cancel():  # running: the paper may be coming out right now
                return _finish_failed(db, job_id, NO_ANSWER)
            outcome = _Refused(PrinterOffline(NO_ANSWER))
    except CancelledError:
        outcome = _Refused(
            PrinterOffline("小票打印机已停止使用，打印任务留在队列中，程序重新启动后继续打印。")
        )
    except DeviceUnavailable as error:
        if started.is_set():
            return _finish_failed(db, job_id, str(error))
        outcome = _Refused(error)
    except Exception:
        # Not a printer refusal: an I/O or driver error that waiting will not cure.
        log.exception("print job %d: sending failed", job_id)
        return _finish_failed(db, job_id, BROKE_OFF)

    if outcome is None:
        with db.session() as session:
            print_queue.mark_printed(session, job_id)
        return SendResult(job_id, print_queue.PRINTED)
    if outcome.unfit:
        return _finish_failed(db, job_id, outcome.unfit)
    problem = outcome.problem or PrinterOffline()
    with db.session() as session:
        print_queue.requeue(session, job_id, str(problem))
    return SendResult(job_id, print_queue.QUEUED, str(problem), problem)


def _load_text(session: Session, blobs: BlobStore, job_id: int) -> TextReceipt | None:
    """The job's text form; None when it has none or it cannot be read (the rasters still print)."""
    try:
        return print_queue.load_text_job(session, blobs, job_id)
    except UserFacingError:
        log.warning("print job %d: text form unreadable, sending its rasters", job_id, exc_info=True)
        return None


def _finish_failed(db: Database, job_id: int, error: str) -> SendResult:
    with db.session() as session:
        print_queue.mark_failed(session, job_id, error)
    return SendResult(job_id, print_queue.FAILED, error)


class PrintSpooler:
    """Drains the print queue of one printer on a thread of its own (``print-spooler``).

    ``start()`` once the DeviceManager exists (before or after it starts), ``stop()`` before the
    manager stops; both from one thread (the UI thread). ``printer`` is the queue's printer name.
    """

    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        devices: DeviceManager,
        *,
        printer: str = print_queue.DEFAULT_PRINTER,
        retry_interval_s: float = DEFAULT_RETRY_INTERVAL_S,
        job_timeout_s: float = DEFAULT_JOB_TIMEOUT_S,
    ) -> None:
        self._db = db
        self._blobs = blobs
        self._devices = devices
        self.printer = printer
        self._retry_interval_s = retry_interval_s
        self._job_timeout_s = job_timeout_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._recovered = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._last_settled: DeviceState | None = None
        self.started_at = utcnow()
        self.recovered_jobs: list[int] = []

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("PrintSpooler.start() called twice")
        self.started_at = utcnow()
        self._unsubscribe = self._devices.subscribe(self._on_device_event)
        self._thread = threading.Thread(target=self._run, name="print-spooler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the job being sent (bounded by the driver's timeouts), then end the thread."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def wake(self) -> None:
        """Drain now instead of at the next retry (a job was queued, paper was loaded)."""
        self._wake.set()

    def wait_recovered(self, timeout_s: float) -> bool:
        """True once the start-up recovery of interrupted jobs has run."""
        return self._recovered.wait(timeout_s)

    def _on_device_event(self, event: DeviceEvent) -> None:
        # Runs on the printer's thread: only note and wake. A printer that comes back ("ready" after
        # offline or error) is worth a drain; "busy" → "ready" is just the end of a job.
        if event.kind != "printer":
            return
        state = event.status.state
        if state == "busy":
            return
        came_back = state == "ready" and (self._last_settled != "ready" or event.event == "plugged")
        self._last_settled = state
        if came_back:
            self._wake.set()

    def _run(self) -> None:
        try:
            with self._db.session() as session:
                self.recovered_jobs = print_queue.recover_interrupted(
                    session, printer=self.printer, claimed_before=self.started_at
                )
        except Exception:
            log.exception("print spooler: recovering interrupted jobs failed")
        finally:
            self._recovered.set()
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.drain()
            except Exception:
                log.exception("print spooler: draining the queue failed")
            self._wake.wait(self._retry_interval_s)

    def _printer_problem(self) -> DeviceUnavailable | None:
        try:
            future = self._devices.submit("printer", printer_problem)
            return future.result(timeout=self._job_timeout_s)
        except DeviceUnavailable as error:
            return error
        except (TimeoutError, CancelledError):
            return PrinterOffline()

    def drain(self) -> list[SendResult]:
        """Send the queued jobs, oldest first, while the printer takes them; one pass."""
        with self._db.session() as session:
            jobs = print_queue.pending(session, printer=self.printer)
        if not jobs:
            return []
        # Asking first keeps a printer that is out of paper from costing two writes per retry.
        problem = self._printer_problem()
        if problem is not None:
            with self._db.session() as session:
                print_queue.note_waiting(session, [job.id for job in jobs], str(problem))
            return []
        results: list[SendResult] = []
        for job in jobs:
            if self._stopping.is_set():
                break
            result = send_job(self._db, self._blobs, self._devices, job.id, timeout_s=self._job_timeout_s)
            results.append(result)
            if result.state == print_queue.QUEUED:
                break  # the printer stopped taking jobs; the next wake or retry goes on
        return results
