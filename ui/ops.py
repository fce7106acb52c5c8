"""Ops: the one way widgets reach the core (Anki's taskman + CollectionOp idea).

A widget never opens a Session or touches a driver. It builds an :class:`Op` — a function to run
off the UI thread plus what to do with its result — and hands it to the :class:`OpRunner`::

    runner.start(Op(run=lambda: load(ctx)).success(show).with_progress("正在加载…"))

Guarantees:

- ``run`` executes on the single DB-writer thread (default) or on the 4-thread network pool
  (:meth:`Op.on_network`); SQLite allows one writer, so serialising DB work here avoids "database is
  locked" retries and keeps writes in submission order.
- ``success`` / ``failure`` callbacks always run on the UI thread (asserted).
- Errors without a ``failure`` callback are shown the standard way: :class:`UserFacingError` and
  :class:`SyncError` as they are, :class:`Cancelled` not at all, anything else is logged with its
  traceback and the user sees a short apology naming the log file.
- When ``run`` returns a :class:`Changes` (or an object with a ``changes: Changes`` attribute) the
  runner emits :attr:`OpRunner.operation_did_execute` once; each screen decides what to redraw.

Don't call core functions that block on I/O from widgets directly, and don't keep ORM objects in
results: services return plain dataclasses.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from app.errors import Cancelled, SyncError, UserFacingError

log = logging.getLogger(__name__)

T = TypeVar("T")

NETWORK_THREADS = 4
#: Title of the warning box (the program's name), a source string of the "OpRunner" context.
ERROR_TITLE = str(QT_TRANSLATE_NOOP("OpRunner", "一窗"))


@dataclass(frozen=True)
class Changes:
    """What an op changed, so each screen can decide whether to redraw."""

    cases: bool = False
    queue: bool = False
    catalog: bool = False
    devices: bool = False
    outbox: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})

    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def changes_of(result: object) -> Changes | None:
    """The Changes an op result carries: the result itself or its ``changes`` attribute."""
    if isinstance(result, Changes):
        return result
    carried = getattr(result, "changes", None)
    return carried if isinstance(carried, Changes) else None


def is_ui_thread() -> bool:
    """True on the thread that owns the Qt application (the main thread before one exists)."""
    app = QCoreApplication.instance()
    if app is None:
        return threading.current_thread() is threading.main_thread()
    return bool(QThread.currentThread() == app.thread())


def assert_ui_thread() -> None:
    """Fail loudly when UI code runs elsewhere: Qt widgets are not thread-safe."""
    if not is_ui_thread():
        raise AssertionError(f"must run on the UI thread, not {threading.current_thread().name}")


def show_warning_box(text: str) -> None:
    """The standard way to tell the user an op failed: a warning box over the active window."""
    title = QCoreApplication.translate("OpRunner", ERROR_TITLE)
    QMessageBox.warning(QApplication.activeWindow(), title, text)


class Lane(enum.Enum):
    """Where an op's ``run`` executes."""

    DB = "db"
    NETWORK = "network"


class Op(Generic[T]):
    """One piece of work for the runner, built fluently; see the module docstring."""

    def __init__(self, run: Callable[[], T], *, name: str | None = None) -> None:
        self.run = run
        self.name = name or getattr(run, "__qualname__", "op")
        self.lane = Lane.DB
        self.progress_text: str | None = None
        self._on_success: Callable[[T], object] | None = None
        self._on_failure: Callable[[BaseException], object] | None = None

    def success(self, callback: Callable[[T], object]) -> Op[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], object]) -> Op[T]:
        """Handle errors yourself instead of the standard message box (Cancelled never arrives)."""
        self._on_failure = callback
        return self

    def with_progress(self, text: str) -> Op[T]:
        """Tell the user what is going on while the op runs (shown by the window's status bar)."""
        self.progress_text = text
        return self

    def on_network(self) -> Op[T]:
        """Run on the network pool: for platform calls that must not queue behind DB writes."""
        self.lane = Lane.NETWORK
        return self

    def _succeeded(self, result: T) -> None:
        if self._on_success is not None:
            self._on_success(result)

    def _failed(self, error: BaseException) -> bool:
        """Give the error to the failure callback; False when there is none."""
        if self._on_failure is None:
            return False
        self._on_failure(error)
        return True


@dataclass
class _Outcome:
    op: Op[Any]
    ticket: int
    result: object = None
    error: BaseException | None = None


def _execute(op: Op[Any], ticket: int) -> _Outcome:
    try:
        return _Outcome(op, ticket, result=op.run())
    except BaseException as error:  # every failure must reach the UI thread, whatever its type
        return _Outcome(op, ticket, error=error)


class OpRunner(QObject):
    """Runs ops off the UI thread and brings their outcome back to it through one queued signal.

    ``inline=True`` runs everything synchronously on the calling thread (tests, like Picard's
    FakeThreadPool). Call :meth:`shutdown` before the application quits: it joins every thread.
    """

    operation_did_execute = Signal(object)  # Changes
    progress_did_change = Signal(str)  # the newest progress text, "" when nothing is running
    _op_did_finish = Signal(object)  # _Outcome, emitted on a worker thread, delivered on the UI thread

    def __init__(
        self,
        *,
        inline: bool = False,
        log_path: Path | None = None,
        show_message: Callable[[str], object] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``show_message`` replaces the warning box (smoke runs must never wait for a click)."""
        super().__init__(parent)
        self.inline = inline
        self.log_path = log_path
        self._show_message = show_message or show_warning_box
        self._closed = False
        self._tickets = 0
        self._progress: dict[int, str] = {}
        self._db: ThreadPoolExecutor | None = None
        self._network: ThreadPoolExecutor | None = None
        if not inline:
            self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yichuang-db")
            self._network = ThreadPoolExecutor(max_workers=NETWORK_THREADS, thread_name_prefix="yichuang-net")
        self._op_did_finish.connect(self._deliver)

    @property
    def progress_text(self) -> str:
        """The newest progress text of the running ops, "" when none asked for one."""
        return next(reversed(self._progress.values()), "")

    def start(self, op: Op[Any]) -> None:
        assert_ui_thread()
        if self._closed:
            raise RuntimeError("OpRunner.start() after shutdown()")
        self._tickets += 1
        ticket = self._tickets
        if op.progress_text:
            self._progress[ticket] = op.progress_text
            self.progress_did_change.emit(self.progress_text)
        if self.inline:
            self._deliver(_execute(op, ticket))
            return
        executor = self._network if op.lane is Lane.NETWORK else self._db
        assert executor is not None
        executor.submit(self._run_on_worker, op, ticket)

    def shutdown(self) -> None:
        """Stop taking ops, drop queued ones, wait for running ones and join every thread."""
        assert_ui_thread()
        self._closed = True
        for executor in (self._db, self._network):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        if self._progress:
            self._progress.clear()
            self.progress_did_change.emit("")

    def _run_on_worker(self, op: Op[Any], ticket: int) -> None:
        self._op_did_finish.emit(_execute(op, ticket))

    def _deliver(self, outcome: object) -> None:
        assert_ui_thread()
        assert isinstance(outcome, _Outcome)
        if self._closed:
            return  # the window is going away; nobody is left to show this to
        if self._progress.pop(outcome.ticket, None) is not None:
            self.progress_did_change.emit(self.progress_text)
        op = outcome.op
        try:
            if outcome.error is not None:
                self._fail(op, outcome.error)
                return
            changes = changes_of(outcome.result)
            if changes is not None:
                self.operation_did_execute.emit(changes)
            op._succeeded(outcome.result)
        except Exception as error:  # a callback broke: same treatment as a failing op
            self._show_error(op, error)

    def _fail(self, op: Op[Any], error: BaseException) -> None:
        if isinstance(error, Cancelled):
            log.info("Op %s was cancelled", op.name)
            return
        if not op._failed(error):
            self._show_error(op, error)

    def _show_error(self, op: Op[Any], error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        if isinstance(error, UserFacingError | SyncError):
            log.info("Op %s stopped: %s", op.name, type(error).__name__)
            text = str(error)
        else:
            log.error("Op %s failed", op.name, exc_info=(type(error), error, error.__traceback__))
            text = self.apology()
        self._show_message(text)

    def apology(self) -> str:
        """The message for an unexpected error: short, in the interface language, and where to look."""
        where = (
            self.tr("详细信息已记录在日志文件：\n{path}").format(path=self.log_path)
            if self.log_path
            else self.tr("详细信息已记录在程序日志中。")
        )
        return self.tr(
            "抱歉，程序出现意外错误，刚才的操作没有完成。\n{where}\n请重试；如果反复出现，请把日志文件交给运维人员。"
        ).format(where=where)
