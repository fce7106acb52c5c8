"""Carries :class:`~app.storage.notify.ChangeWatcher` reports from its thread to the UI thread.

The watcher calls back on its own thread; the bridge re-emits each report through a Qt signal,
which Qt queues to the thread the bridge lives in (the UI thread), as the device bridge does.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from app.storage.notify import ChangeWatcher


class ChangeBridge(QObject):
    """Owns a ChangeWatcher; :attr:`queue_did_change` and :attr:`connection_did_change` arrive on
    the UI thread. Call :meth:`close` before the bridge is destroyed: it stops and joins the watcher.
    """

    queue_did_change = Signal()
    connection_did_change = Signal(bool)  # True: database reachable

    def __init__(self, url: str, *, poll_interval_s: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._closed = False
        self._watcher = ChangeWatcher(
            url, on_change=self._changed, on_status=self._status, poll_interval_s=poll_interval_s
        )

    @property
    def watcher(self) -> ChangeWatcher:
        return self._watcher

    def start(self) -> None:
        self._watcher.start()

    def _changed(self) -> None:
        # The lock makes close() wait for an emit in progress, so none can hit a deleted object.
        with self._lock:
            if not self._closed:
                self.queue_did_change.emit()

    def _status(self, online: bool) -> None:
        with self._lock:
            if not self._closed:
                self.connection_did_change.emit(online)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._watcher.stop()
