"""Every shipped simulator honours its role's Protocol and is reachable through the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.barcode.base import BarcodeScanner
from devices.camera.base import Camera
from devices.evaluator.base import Evaluator
from devices.idcard.base import IdCardReader
from devices.kinds import DEVICE_KINDS, KIND_NAMES
from devices.lifecycle import PresenceAware
from devices.printer.base import ReceiptPrinter
from devices.registry import DriverContext, driver_names, resolve_factory
from devices.scanner.base import Scanner
from devices.smartcard.base import SmartCardReader
from devices.speech.base import SpeechOutput

ROLES: dict[str, type] = {
    "idcard": IdCardReader,
    "smartcard": SmartCardReader,
    "printer": ReceiptPrinter,
    "camera": Camera,
    "scanner": Scanner,
    "barcode": BarcodeScanner,
    "speech": SpeechOutput,
    "evaluator": Evaluator,
}


def test_every_kind_has_a_role_and_a_chinese_name() -> None:
    assert set(ROLES) == set(DEVICE_KINDS)
    assert KIND_NAMES["idcard"] == "身份证阅读器"
    assert KIND_NAMES["camera"] == "高拍仪"
    assert all(name and not name.isascii() for name in KIND_NAMES.values())


@pytest.mark.parametrize("kind", DEVICE_KINDS)
def test_simulated_driver_honours_its_protocol(kind: str, tmp_path: Path) -> None:
    assert "simulated" in driver_names(kind)
    device = resolve_factory(kind, "simulated")(DriverContext(kind=kind, work_dir=tmp_path))
    assert isinstance(device, ROLES[kind])
    assert isinstance(device, PresenceAware)
    assert device.is_present()


def test_wrong_object_does_not_pass_as_a_role() -> None:
    # Guards the check above: runtime_checkable must reject an object without the methods.
    assert not isinstance(object(), ReceiptPrinter)
    assert not isinstance(object(), IdCardReader)


def test_wedge_driver_is_a_barcode_scanner(tmp_path: Path) -> None:
    device = resolve_factory("barcode", "wedge")(DriverContext(kind="barcode", work_dir=tmp_path))
    assert isinstance(device, BarcodeScanner)


def test_unknown_driver_is_not_resolvable() -> None:
    assert "acme" not in driver_names("printer")
    with pytest.raises(KeyError):
        resolve_factory("printer", "acme")
