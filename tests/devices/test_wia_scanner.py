"""The "wia" scanner driver on a system without WIA (this CI is Linux).

What can be checked here: it refuses to load outside Windows with a Chinese message, WIA error
codes map to the right errors, and its page loop and property settings behave as written against
an in-memory stand-in for the WIA Automation objects. The stand-in follows the documented object
model (DeviceManager → DeviceInfos → Connect → Items.Item(1) → Transfer); it proves nothing about
real drivers, which must be tried on a Windows PC.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np
import pytest

from app.errors import DeviceUnavailable
from devices.registry import DriverContext, resolve_factory
from devices.scanner.base import FeederEmpty, PaperJam, Scanner, SourceNotAvailable
from devices.scanner.wia_scanner import (
    CUR_INTENT,
    DISP_E_EXCEPTION,
    DOCUMENT_HANDLING_SELECT,
    WIA_ERROR_COVER_OPEN,
    WIA_ERROR_PAPER_EMPTY,
    WIA_ERROR_PAPER_JAM,
    XEXTENT,
    XRES,
    WiaScanner,
    error_for_hresult,
    hresult_of,
)


class ComError(Exception):
    """Shaped like pywintypes.com_error: (hresult, text, excepinfo, argerror), signed HRESULTs."""

    def __init__(self, code: int) -> None:
        signed = code - (1 << 32)
        super().__init__(
            DISP_E_EXCEPTION - (1 << 32), "Exception occurred.", (0, None, None, None, 0, signed), None
        )
        self.hresult = DISP_E_EXCEPTION - (1 << 32)
        self.excepinfo = (0, None, None, None, 0, signed)


class Prop:
    def __init__(self, property_id: int, value: Any, **extra: Any) -> None:
        self.PropertyID = property_id
        self.Value = value
        self.IsReadOnly = False
        self.SubType = extra.get("subtype", 0)
        self.SubTypeMin = extra.get("low", 0)
        self.SubTypeMax = extra.get("high", 0)
        self.SubTypeValues = extra.get("values", ())


class FakeWia:
    """One scanner: flatbed + duplex feeder holding ``sheets`` pages, 75–600 dpi, 8.5 × 11.7 in bed."""

    def __init__(self, sheets: int, *, jam_at: int | None = None) -> None:
        self.sheets = sheets
        self.jam_at = jam_at
        self.transfers = 0
        self.device_props = {
            p.PropertyID: p
            for p in (Prop(3086, 1 | 2 | 4), Prop(3087, 1 if sheets else 0), Prop(3088, 2), Prop(3096, 0))
        }
        self.device_props[3074] = Prop(3074, 8500)
        self.device_props[3075] = Prop(3075, 11700)
        self.item_props = {
            p.PropertyID: p
            for p in (
                Prop(6146, 0),
                Prop(4103, 3),
                Prop(6147, 100, subtype=1, low=75, high=600),
                Prop(6148, 100),
                Prop(6149, 0),
                Prop(6150, 0),
                Prop(6151, 0),
                Prop(6152, 0),
            )
        }

    # The automation object model, as pywin32 exposes it (attribute names are WIA's).
    def Dispatch(self, prog_id: str) -> Any:
        assert prog_id == "WIA.DeviceManager"
        item = SimpleNamespace(
            Properties=list(self.item_props.values()), Transfer=lambda _format: self.transfer()
        )
        items = SimpleNamespace(Item=lambda index: item if index == 1 else None)
        device = SimpleNamespace(Properties=list(self.device_props.values()), Items=items)
        info = SimpleNamespace(Type=1, Properties=[Prop(7, "柯达 i1150 扫描仪")], Connect=lambda: device)
        return SimpleNamespace(DeviceInfos=[info])

    def transfer(self) -> Any:
        self.transfers += 1
        if self.jam_at is not None and self.transfers == self.jam_at:
            raise ComError(WIA_ERROR_PAPER_JAM)
        flatbed = self.device_props[3088].Value == 2
        if not flatbed:
            if self.sheets == 0:
                raise ComError(WIA_ERROR_PAPER_EMPTY)
            self.sheets -= 1
        page = np.full((40, 30, 3), (0, 0, 200), np.uint8)  # red, in BGR
        ok, bmp = cv2.imencode(".bmp", page)
        assert ok
        return SimpleNamespace(FileData=SimpleNamespace(BinaryData=bmp.tobytes()))


def _scanner(wia: FakeWia) -> WiaScanner:
    return WiaScanner("i1150", com=(wia, ComError))


@pytest.mark.skipif(sys.platform == "win32", reason="checks the refusal on other systems")
def test_refuses_to_load_outside_windows_with_a_chinese_message(tmp_path: Path) -> None:
    factory = resolve_factory("scanner", "wia")
    with pytest.raises(DeviceUnavailable, match=r"只能在 Windows 上使用.*sane"):
        factory(DriverContext(kind="scanner", work_dir=tmp_path))
    with pytest.raises(DeviceUnavailable, match="只能在 Windows 上使用"):
        WiaScanner()


def test_hresults_inside_com_errors_map_to_chinese_errors() -> None:
    assert hresult_of(ComError(WIA_ERROR_PAPER_JAM)) == WIA_ERROR_PAPER_JAM
    assert hresult_of(ValueError("no code")) is None
    assert isinstance(error_for_hresult(WIA_ERROR_PAPER_JAM), PaperJam)
    assert isinstance(error_for_hresult(WIA_ERROR_PAPER_EMPTY), FeederEmpty)
    assert "盖" in str(error_for_hresult(WIA_ERROR_COVER_OPEN))
    assert "数据线" in str(error_for_hresult(None))


def test_duplex_feeder_batch_sets_properties_and_stops_when_empty() -> None:
    wia = FakeWia(sheets=4)
    scanner = _scanner(wia)
    assert isinstance(scanner, Scanner)
    assert scanner.name == "柯达 i1150 扫描仪"
    assert scanner.sources() == ["flatbed", "adf", "adf_duplex"]
    assert scanner.resolutions() == [75, 100, 150, 200, 300, 400, 600]
    pages = list(scanner.scan("adf_duplex", dpi=300, color_mode="gray"))
    assert len(pages) == 4 and pages[0].shape == (40, 30)
    assert wia.device_props[DOCUMENT_HANDLING_SELECT].Value == 1 | 4
    assert wia.item_props[XRES].Value == 300 and wia.item_props[CUR_INTENT].Value == 2
    assert wia.item_props[XEXTENT].Value == 8268 * 300 // 1000  # A4 width, narrower than the bed
    [colour] = scanner.scan("flatbed", dpi=200)
    assert colour.shape == (40, 30, 3) and tuple(colour[0, 0]) == (0, 0, 200)


def test_empty_feeder_and_jam() -> None:
    with pytest.raises(FeederEmpty, match="进纸器"):
        _scanner(FakeWia(sheets=0)).scan("adf")
    pages = _scanner(FakeWia(sheets=5, jam_at=2)).scan("adf")
    next(pages)
    with pytest.raises(PaperJam, match="卡纸"):
        next(pages)
    with pytest.raises(ValueError):
        _scanner(FakeWia(sheets=1)).scan("flatbed", dpi=1200)


def test_missing_scanner_and_source() -> None:
    with pytest.raises(DeviceUnavailable, match="未找到名称含“佳能”的扫描仪"):
        WiaScanner("佳能", com=(FakeWia(sheets=1), ComError))
    wia = FakeWia(sheets=1)
    wia.device_props[3086].Value = 2  # flatbed only
    with pytest.raises(SourceNotAvailable):
        _scanner(wia).scan("adf")
