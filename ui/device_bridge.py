"""Carries DeviceManager notices from device threads to the UI thread.

The manager calls subscribers on the device's own thread; touching a widget there would crash Qt
sooner or later. The bridge re-emits each notice through a Qt signal, which Qt queues to the
thread the bridge lives in (the UI thread).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from devices.manager import DeviceEvent, DeviceManager


class DeviceStatusBridge(QObject):
    """Subscribes to a DeviceManager; :attr:`status_did_change` arrives on the UI thread.

    Call :meth:`close` before the bridge is destroyed: afterwards no device thread can emit on it.
    """

    status_did_change = Signal(object)  # DeviceStatus of the device the event is about

    def __init__(self, manager: DeviceManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._closed = False
        self._unsubscribe: Callable[[], None] | None = manager.subscribe(self._on_device_thread)

    def _on_device_thread(self, event: DeviceEvent) -> None:
        # The lock makes close() wait for an emit in progress, so none can hit a deleted object.
        with self._lock:
            if not self._closed:
                self.status_did_change.emit(event.status)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
