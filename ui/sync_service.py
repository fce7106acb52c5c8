"""SyncService (同步服务): the counter's sender to the provincial platform, on its own thread.

One sender per data folder (sync/runner.py): the service first takes the runner's lock file. With
it, a background thread runs :class:`~sync.runner.SyncRunner` rounds — send the outbox, pull the
platform's changes, refresh reference data, purge confirmed page files — sleeping between rounds
until the next retry falls due or "立即同步" wakes it. Without it, a sync process of this machine
(``python -m sync.runner``) already sends; the service then only shows what that process reports
through the database and brings waiting rows forward on "立即同步".

The engine keeps its state in the database (``sync.status``), so the status shown is read there
every :data:`STATUS_POLL_MS` through the OpRunner, whoever sends. Everything the thread tells the
UI arrives through queued signals; widgets never touch the engine, they start the Ops built here.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import IO

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.context import AppContext
from app.errors import SyncError, UserFacingError
from app.services import sync_status
from sync.engine import SyncEngine, SyncStatus, read_status
from sync.runner import LOCK_FILE_NAME, OFFLINE_PROBE_S, RunReport, SyncRunner, _hold_lock, build_runner
from ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

#: The configuration key whose value turns sync on (empty: this station works alone).
PLATFORM_URL_KEY = "sync.platform_url"
#: How often the status bar re-reads the sync status (milliseconds).
STATUS_POLL_MS = 2000
#: How long closing the window waits for a round in progress (seconds); a longer upload is left to
#: end on its own (its row's lease lets the next start take it back).
STOP_WAIT_S = 5.0

#: Who sends: this window's thread, another process of this machine, nobody (could not start).
MODE_STARTING = "starting"
MODE_OWN = "own"
MODE_EXTERNAL = "external"
MODE_FAILED = "failed"
MODE_STOPPED = "stopped"

RunnerFactory = Callable[[AppContext], SyncRunner]


def platform_url(ctx: AppContext) -> str:
    """The platform this station syncs with; "" when sync is off."""
    return ctx.config.get_str(PLATFORM_URL_KEY).strip()


class SyncService(QObject):
    """Runs (or watches) the sender; see the module docstring. ``start`` once, ``stop`` on close."""

    status_did_change = Signal(object)  # SyncStatus, on the UI thread
    round_did_finish = Signal(object)  # RunReport of this window's thread, on the UI thread
    mode_did_change = Signal(str)  # one of the MODE_* values
    # Emitted on the worker thread, delivered queued on the UI thread.
    _round_done = Signal(object)
    _mode_set = Signal(str, str)  # mode, problem text

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        *,
        build: RunnerFactory = build_runner,
        poll_ms: int = STATUS_POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = runner
        self._build = build
        self.mode = MODE_STOPPED
        self.problem = ""
        self.status: SyncStatus | None = None
        self.rounds = 0
        self._engine: SyncEngine | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loading = False
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self.refresh_status)
        self._round_done.connect(self._round_finished, Qt.ConnectionType.QueuedConnection)
        self._mode_set.connect(self._set_mode, Qt.ConnectionType.QueuedConnection)

    # --- life cycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Take the sender's lock and start sending, or watch the process that holds it."""
        if self._thread is not None:
            return
        self._stop.clear()
        self.mode = MODE_STARTING
        self._thread = threading.Thread(target=self._run, name="yichuang-sync", daemon=True)
        self._thread.start()
        self._poll.start()
        self.refresh_status()

    def stop(self) -> None:
        """Stop after the current request; waits at most :data:`STOP_WAIT_S`."""
        self._poll.stop()
        self._stop.set()
        engine = self._engine
        if engine is not None:
            engine.wake()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(STOP_WAIT_S)
            if thread.is_alive():
                log.warning(
                    "sync thread still busy after %.0f s; leaving it to finish on its own", STOP_WAIT_S
                )
        self.mode = MODE_STOPPED

    # --- the worker thread -----------------------------------------------------------------------

    def _emit_round(self, report: RunReport) -> None:
        if self._stop.is_set():
            return  # the window is closing: nobody is left to show it to
        try:
            self._round_done.emit(report)
        except RuntimeError:  # this object was deleted while the round ran
            log.debug("sync round finished after the service was deleted")

    def _emit_mode(self, mode: str, problem: str) -> None:
        try:
            self._mode_set.emit(mode, problem)
        except RuntimeError:
            log.debug("sync mode after the service was deleted")

    def _run(self) -> None:
        lock = _hold_lock(self._ctx.work_dir / LOCK_FILE_NAME)
        if lock is None:
            log.info("another sync process holds the lock; the counter only shows its status")
            self._emit_mode(MODE_EXTERNAL, "")
            return
        try:
            self._send_until_stopped(lock)
        finally:
            lock.close()

    def _send_until_stopped(self, _lock: IO[bytes]) -> None:
        try:
            runner = self._build(self._ctx)
        except (UserFacingError, SyncError) as exc:
            log.warning("sync not started: %s", type(exc).__name__)
            self._emit_mode(MODE_FAILED, str(exc))
            return
        self._engine = runner.engine
        self._emit_mode(MODE_OWN, "")
        try:
            runner.engine.release_own_claims()
            while not self._stop.is_set():
                try:
                    report = runner.run_once()
                    pause = runner.pause_after(report)
                except Exception:
                    # A bug or a database outage must not end sending for the rest of the day.
                    log.exception("sync round failed")
                    report, pause = None, OFFLINE_PROBE_S
                if report is not None:
                    self._emit_round(report)
                if self._stop.is_set():
                    break
                runner.engine.wait(pause)
        finally:
            self._engine = None
            runner.client.close()

    # --- back on the UI thread -----------------------------------------------------------------------

    def _set_mode(self, mode: str, problem: str) -> None:
        if self._stop.is_set():
            return
        self.mode = mode
        self.problem = problem
        self.mode_did_change.emit(mode)
        self.refresh_status()

    def _round_finished(self, report: object) -> None:
        assert isinstance(report, RunReport)
        if self._stop.is_set():
            return  # delivered after stop(): the window is closing
        self.rounds += 1
        self.round_did_finish.emit(report)
        self.refresh_status()

    def refresh_status(self) -> None:
        """Read the status now (one read at a time); :attr:`status_did_change` follows."""
        if self._loading or self._stop.is_set():
            return  # one read at a time; none once stopped (the OpRunner may be shut down)
        self._loading = True
        ctx = self._ctx

        def run() -> SyncStatus:
            with ctx.db.session() as session:
                return read_status(session)

        op = Op(run=run, name="load_sync_status").success(self._status_loaded).failure(self._status_failed)
        self._runner.start(op)

    def _status_loaded(self, status: SyncStatus) -> None:
        self._loading = False
        if self.mode == MODE_FAILED:
            # The thread could not even build its client: say why instead of a stale "online".
            status = dataclasses.replace(status, state="error", message=self.problem)
        self.status = status
        self.status_did_change.emit(status)

    def _status_failed(self, error: BaseException) -> None:
        self._loading = False
        log.warning("sync status not readable: %s", type(error).__name__)

    # --- the clerk's "立即同步" --------------------------------------------------------------------

    def wake(self) -> None:
        """Start a round now (thread-safe); does nothing when another process sends."""
        engine = self._engine
        if engine is not None:
            engine.wake()

    def sync_now(self) -> None:
        """立即同步: rows waiting out their backoff become due and a round starts at once."""
        engine = self._engine
        ctx = self._ctx

        def run() -> int:
            if engine is not None:
                return engine.link_restored()  # also wakes the sleeping thread
            with ctx.db.session() as session:
                return sync_status.make_due_now(session)

        op = Op(run=run, name="sync_now").with_progress(self.tr("正在唤醒同步…"))
        self._runner.start(op.success(lambda _n: self.refresh_status()))
