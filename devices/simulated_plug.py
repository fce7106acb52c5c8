"""Plug state shared by the simulated devices, so tests and demos can pull the virtual cable."""

from __future__ import annotations

import threading

from app.errors import DeviceUnavailable
from devices.kinds import unplugged_error_message


class SimulatedPlugBase:
    """Base of every simulator: connected until ``simulate_unplug()``, again after ``simulate_plug()``.

    While unplugged, every I/O method of the simulator raises ``DeviceUnavailable``, as the real
    driver would, and ``is_present()`` answers False so the DeviceManager reports the unplug.
    """

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._plugged = threading.Event()
        self._plugged.set()

    @property
    def kind(self) -> str:
        return self._kind

    def is_present(self) -> bool:
        return self._plugged.is_set()

    def simulate_unplug(self) -> None:
        """Pull the virtual cable."""
        self._plugged.clear()

    def simulate_plug(self) -> None:
        """Put the virtual cable back."""
        self._plugged.set()

    def _require_plugged(self) -> None:
        if not self._plugged.is_set():
            raise DeviceUnavailable(unplugged_error_message(self._kind), device=self._kind)
