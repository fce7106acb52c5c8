"""Optional abilities a device object may have, which the DeviceManager uses when present.

A driver implements only the ones that make sense for its hardware; the manager checks with
``isinstance`` (the protocols are runtime-checkable) and otherwise assumes the simplest case:
a device that opened is present and healthy, and needs no closing.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class PresenceAware(Protocol):
    """A device that can tell whether it is still connected (USB unplugged, port gone …)."""

    def is_present(self) -> bool:
        """True while the device is connected. Must be quick and must not raise for "absent"."""
        ...


@runtime_checkable
class HealthAware(Protocol):
    """A device that can report a problem the user must fix while it stays connected."""

    def health_problem(self) -> str | None:
        """A Chinese description of what is wrong and what to do (e.g. out of paper), or None."""
        ...


@runtime_checkable
class Closable(Protocol):
    """A device holding a handle (port, socket, context) that must be released on shutdown."""

    def close(self) -> None:
        """Release the handle; called once, on the device's own thread."""
        ...
