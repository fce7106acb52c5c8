"""DeviceManager (设备管理): opens each configured device on its own thread and reports its state.

Thread rules, which callers must respect:

- Every device gets one worker thread, ``device-<kind>``, that opens it, runs all its I/O and
  closes it. Drivers therefore never need to be thread-safe (serial ports, PC/SC contexts and
  USB handles are not). ``submit(kind, fn)`` is the only way to touch a device.
- Subscriber callbacks run **on the device thread** that saw the change. A UI must hand the event
  to its own thread (a queued signal) before touching widgets, and a callback must return quickly.
- A job must finish in bounded time (drivers use finite timeouts): ``stop()`` waits for the job
  that is running, cancels the queued ones and joins every thread, so none outlives it.
- A job that returns an iterator would move device I/O to the caller's thread: consume it inside
  the job instead (``manager.submit("scanner", lambda s: list(s.scan("adf")))``).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from app.errors import ConfigError, DeviceUnavailable
from devices.kinds import DEVICE_KINDS, KIND_NAMES, kind_name, unplugged_error_message
from devices.lifecycle import Closable, HealthAware, PresenceAware
from devices.registry import NO_DRIVER, DriverContext, driver_names, is_known_driver, resolve_factory
from devices.status import STATE_NAMES, DeviceEvent, DeviceState, DeviceStatus, EventKind, make_status

__all__ = [
    "STATE_NAMES",
    "DeviceEvent",
    "DeviceManager",
    "DeviceState",
    "DeviceStatus",
    "EventKind",
    "make_status",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_POLL_INTERVAL_S: Final = 2.0


@dataclass
class _Job:
    fn: Callable[[Any], Any]
    future: Future[Any]


class _Signal:
    """A queue marker that is not a job."""

    def __init__(self, name: str) -> None:
        self.name = name


_STOP: Final = _Signal("stop")
_POLL: Final = _Signal("poll")

_OPEN_FAILED: Final = "无法打开，请检查设备和驱动设置（详细原因见日志）。"
_CHECK_FAILED: Final = "状态检查失败，请重新插拔设备后再试（详细原因见日志）。"


class _DeviceWorker:
    """One device and the thread that owns it. Every ``_``-method below runs on that thread."""

    def __init__(
        self,
        kind: str,
        driver: str,
        context: DriverContext,
        emit: Callable[[DeviceEvent], None],
        poll_interval_s: float | None,
    ) -> None:
        self.kind = kind
        self.driver = driver
        self._context = context
        self._emit = emit
        self._poll_interval_s = poll_interval_s
        self._queue: queue.SimpleQueue[_Job | _Signal] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._status = make_status(kind, driver, "offline", "正在连接…")
        self._present = False
        self._stopping = threading.Event()
        self._device: object | None = None
        self._last_open_error: str | None = None
        self.thread = threading.Thread(target=self._run, name=f"device-{kind}", daemon=True)

    # --- called from any thread ---------------------------------------------------------------

    @property
    def status(self) -> DeviceStatus:
        with self._lock:
            return self._status

    def submit(self, fn: Callable[[Any], Any]) -> Future[Any]:
        if self._stopping.is_set():
            raise DeviceUnavailable(
                f"{kind_name(self.kind)}已停止使用，请重新启动程序后重试。", device=self.kind
            )
        future: Future[Any] = Future()
        self._queue.put(_Job(fn, future))
        return future

    def request_poll(self) -> None:
        self._queue.put(_POLL)

    def request_stop(self) -> None:
        self._stopping.set()
        self._queue.put(_STOP)

    # --- device thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._open()
            while True:
                try:
                    item = self._queue.get(timeout=self._poll_interval_s)
                except queue.Empty:
                    self._check()
                    continue
                if item is _STOP:
                    break
                if item is _POLL:
                    if not self._stopping.is_set():
                        self._check()
                elif isinstance(item, _Job):
                    if self._stopping.is_set():
                        item.future.cancel()
                    else:
                        self._run_job(item)
        finally:
            self._cancel_queued()
            self._close()

    def _open(self) -> None:
        try:
            factory = resolve_factory(self.kind, self.driver)
            device = factory(self._context)
        except DeviceUnavailable as exc:
            self._note_open_failure(str(exc), traceback=False)
            self._transition(make_status(self.kind, self.driver, "offline", str(exc)), present=False)
            return
        except Exception:
            self._note_open_failure(_OPEN_FAILED, traceback=True)
            self._transition(make_status(self.kind, self.driver, "error", _OPEN_FAILED), present=False)
            return
        self._last_open_error = None
        self._device = device
        log.info("device %s opened with driver %s", self.kind, self.driver)
        self._check()

    def _note_open_failure(self, reason: str, *, traceback: bool) -> None:
        # Opening is retried at every poll; log a failure once, not every two seconds.
        if reason == self._last_open_error:
            log.debug("device %s (driver %s) still cannot be opened", self.kind, self.driver)
            return
        self._last_open_error = reason
        log.warning("device %s (driver %s) cannot be opened", self.kind, self.driver, exc_info=traceback)

    def _check(self) -> None:
        """Re-read presence and health and report any change; opens the device if it is not open."""
        device = self._device
        if device is None:
            self._open()
            return
        present = self._is_present(device)
        problem = None
        if present and isinstance(device, HealthAware):
            try:
                problem = device.health_problem()
            except Exception:
                log.exception("device %s: health check failed", self.kind)
                problem = _CHECK_FAILED
        if not present:
            status = make_status(self.kind, self.driver, "offline", unplugged_error_message(self.kind))
        elif problem:
            status = make_status(self.kind, self.driver, "error", problem)
        else:
            status = make_status(self.kind, self.driver, "ready")
        self._transition(status, present=present)

    def _is_present(self, device: object) -> bool:
        if not isinstance(device, PresenceAware):
            return True
        try:
            return bool(device.is_present())
        except Exception:
            log.exception("device %s: presence check failed", self.kind)
            return False

    def _transition(self, status: DeviceStatus, *, present: bool) -> None:
        with self._lock:
            old, was_present = self._status, self._present
            self._status, self._present = status, present
        event: EventKind
        if present and not was_present:
            event = "plugged"
        elif was_present and not present:
            event = "unplugged"
        elif status != old:
            event = "state"
        else:
            return
        log.info("device %s: %s (%s -> %s)", self.kind, event, old.state, status.state)
        self._emit(DeviceEvent(kind=self.kind, event=event, status=status))

    def _run_job(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return  # the caller cancelled it while it waited
        if self._device is None:
            self._open()
        device = self._device
        if device is None:
            job.future.set_exception(DeviceUnavailable(self.status.message, device=self.kind))
            return
        if not self._is_present(device):
            self._check()
            job.future.set_exception(DeviceUnavailable(unplugged_error_message(self.kind), device=self.kind))
            return
        self._transition(make_status(self.kind, self.driver, "busy"), present=True)
        try:
            result = job.fn(device)
        except BaseException as exc:
            job.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            job.future.set_result(result)
        finally:
            self._check()

    def _cancel_queued(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Job):
                item.future.cancel()

    def _close(self) -> None:
        device, self._device = self._device, None
        if isinstance(device, Closable):
            try:
                device.close()
            except Exception:
                log.exception("device %s: close failed", self.kind)


class DeviceManager:
    """Owns the station's devices: one worker thread each, status, plug events and job submission.

    ``drivers`` maps a kind ("printer") to a driver name ("simulated", "none", or a real driver
    listed in ``devices.registry``); kinds left out count as "none". ``options`` maps a kind to the
    driver's settings (port, library path …), handed to its factory in ``DriverContext.options``.
    Unknown kinds or drivers raise ConfigError naming the key ``devices.<kind>``. See the module docstring for the thread rules.
    """

    def __init__(
        self,
        drivers: Mapping[str, str],
        *,
        work_dir: Path,
        poll_interval_s: float | None = DEFAULT_POLL_INTERVAL_S,
        options: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        for kind, driver in drivers.items():
            key = f"devices.{kind}"
            if kind not in KIND_NAMES:
                known = "、".join(DEVICE_KINDS)
                raise ConfigError(
                    f"配置项 {key} 不是已知的设备类型（可选：{known}），请改正或删除该项。", key=key
                )
            if not is_known_driver(kind, driver):
                choices = "、".join(driver_names(kind))
                raise ConfigError(
                    f"配置项 {key} 的驱动“{driver}”不存在（可选：{choices}），请在设置中改正后重试。", key=key
                )
        self._drivers = {kind: drivers.get(kind, NO_DRIVER) for kind in DEVICE_KINDS}
        self._work_dir = work_dir
        self._poll_interval_s = poll_interval_s
        self._options = {kind: dict(values) for kind, values in (options or {}).items()}
        self._lock = threading.Lock()
        self._workers: dict[str, _DeviceWorker] = {}
        self._subscribers: list[Callable[[DeviceEvent], None]] = []

    @property
    def drivers(self) -> Mapping[str, str]:
        return dict(self._drivers)

    def start(self) -> None:
        """Start one thread per configured device; each opens its device and reports "plugged"."""
        with self._lock:
            if self._workers:
                raise RuntimeError("DeviceManager.start() called twice without stop()")
            self._work_dir.mkdir(parents=True, exist_ok=True)
            for kind, driver in self._drivers.items():
                if driver == NO_DRIVER:
                    continue
                options = self._options.get(kind, {})
                context = DriverContext(kind=kind, work_dir=self._work_dir, options=options)
                worker = _DeviceWorker(kind, driver, context, self._emit, self._poll_interval_s)
                self._workers[kind] = worker
                worker.thread.start()

    def stop(self) -> None:
        """Cancel queued jobs, let running ones finish, close every device and join every thread.

        Idempotent. Must not be called from a device thread (e.g. inside a subscriber callback).
        """
        with self._lock:
            workers = list(self._workers.values())
            if any(worker.thread is threading.current_thread() for worker in workers):
                raise RuntimeError("DeviceManager.stop() called from a device thread")
            self._workers = {}
        for worker in workers:
            worker.request_stop()
        for worker in workers:
            worker.thread.join()

    def statuses(self) -> list[DeviceStatus]:
        """One status per known kind, in display order; unconfigured kinds are "absent"."""
        with self._lock:
            workers = dict(self._workers)
        result = []
        for kind, driver in self._drivers.items():
            worker = workers.get(kind)
            if driver == NO_DRIVER:
                result.append(make_status(kind, driver, "absent"))
            elif worker is None:
                result.append(make_status(kind, driver, "offline", "未启动"))
            else:
                result.append(worker.status)
        return result

    def subscribe(self, callback: Callable[[DeviceEvent], None]) -> Callable[[], None]:
        """Call ``callback(event)`` on every change; returns the function that unsubscribes.

        The callback runs on the device thread that saw the change, never on the caller's.
        """
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def submit(self, kind: str, fn: Callable[[Any], T]) -> Future[T]:
        """Run ``fn(device)`` on the device's thread; the future holds its result or exception.

        Raises DeviceUnavailable at once when the kind is not configured or the manager is not
        running; an unplugged or broken device fails the future with DeviceUnavailable instead.
        """
        if kind not in KIND_NAMES:
            raise ValueError(f"unknown device kind {kind!r}")
        name = kind_name(kind)
        if self._drivers[kind] == NO_DRIVER:
            raise DeviceUnavailable(f"本机未配置{name}，请在设置向导中选择设备后重试。", device=kind)
        with self._lock:
            worker = self._workers.get(kind)
        if worker is None:
            raise DeviceUnavailable(f"{name}尚未启动，请稍后重试。", device=kind)
        return cast("Future[T]", worker.submit(fn))

    def poll(self) -> None:
        """Ask every device thread to re-check presence now; changes arrive as events.

        Returns at once. Device threads also check by themselves every ``poll_interval_s``.
        """
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            worker.request_poll()

    def _emit(self, event: DeviceEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:
                log.exception("device event subscriber failed for %s", event.kind)
