"""Driver registry (驱动登记表): which factory opens a device of a given kind and driver name.

The configuration says ``devices.printer = "simulated"``; the DeviceManager looks the pair up here.
Built-in drivers are listed as import paths and imported only when chosen, so a driver whose
optional library (pyscard, python-sane …) is missing never breaks the other kinds. A new real
driver is one line in ``_BUILTIN`` (or a ``register_driver`` call); the manager does not change.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, cast

#: The driver name that means "no such device at this station".
NO_DRIVER: Final = "none"


@dataclass(frozen=True)
class DriverContext:
    """What a factory gets: the kind it opens, a folder it may write to, and its configured options.

    ``options`` holds the configuration keys ``devices.<kind>_<name>`` with the prefix stripped
    (``devices.idcard_port = "/dev/ttyUSB0"`` arrives as ``{"port": "/dev/ttyUSB0"}``), as strings.
    """

    kind: str
    work_dir: Path
    options: Mapping[str, str] = field(default_factory=dict)


DeviceFactory = Callable[[DriverContext], object]

_BUILTIN: Final[dict[tuple[str, str], str]] = {
    ("idcard", "simulated"): "devices.idcard.simulated:create",
    ("idcard", "serial"): "devices.idcard.serial_sam:create",
    ("idcard", "usb"): "devices.idcard.usb_bulk:create",
    ("idcard", "sdk"): "devices.idcard.vendor_sdk:create",
    ("smartcard", "simulated"): "devices.smartcard.simulated:create",
    ("smartcard", "pcsc"): "devices.smartcard.pcsc:create",
    ("printer", "simulated"): "devices.printer.simulated:create",
    ("printer", "escpos"): "devices.printer.escpos_printer:create",
    ("camera", "simulated"): "devices.camera.simulated:create",
    ("camera", "opencv"): "devices.camera.opencv_camera:create",
    ("scanner", "simulated"): "devices.scanner.simulated:create",
    ("scanner", "sane"): "devices.scanner.sane_scanner:create",
    ("scanner", "wia"): "devices.scanner.wia_scanner:create",
    ("barcode", "simulated"): "devices.barcode.simulated:create",
    ("barcode", "wedge"): "devices.barcode.wedge:create",
    ("speech", "simulated"): "devices.speech.simulated:create",
    ("speech", "espeak"): "devices.speech.espeak:create",
    ("evaluator", "simulated"): "devices.evaluator.simulated:create",
}

_lock = threading.Lock()
_registered: dict[tuple[str, str], DeviceFactory] = {}


def register_driver(kind: str, name: str, factory: DeviceFactory) -> None:
    """Make ``factory`` available as driver ``name`` for ``kind`` (replaces an earlier one)."""
    if name == NO_DRIVER:
        raise ValueError(f"driver name {NO_DRIVER!r} is reserved")
    with _lock:
        _registered[(kind, name)] = factory


def unregister_driver(kind: str, name: str) -> None:
    """Forget a driver added with ``register_driver``; built-in drivers stay."""
    with _lock:
        _registered.pop((kind, name), None)


def driver_names(kind: str) -> list[str]:
    """Every driver name valid for ``kind``, ``"none"`` first (for the setup wizard)."""
    with _lock:
        keys = set(_BUILTIN) | set(_registered)
    names = {name for (k, name) in keys if k == kind}
    return [NO_DRIVER, *sorted(names)]


def is_known_driver(kind: str, name: str) -> bool:
    return name in driver_names(kind)


def resolve_factory(kind: str, name: str) -> DeviceFactory:
    """The factory for ``(kind, name)``; ``KeyError`` if there is none (``"none"`` has none).

    Importing a built-in driver module happens here, on the caller's thread.
    """
    with _lock:
        factory = _registered.get((kind, name))
    if factory is not None:
        return factory
    target = _BUILTIN[(kind, name)]
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    return cast(DeviceFactory, getattr(module, attribute))
