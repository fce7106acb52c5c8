"""The "sane" scanner driver against the REAL SANE ``test`` backend, through python-sane.

The backend is enabled in a temporary SANE_CONFIG_DIR (its own dll.conf and test.conf), never in
/etc. Its feeder "empties" after 10 sheets (imaging.md §4.1) and it can be told to fail reads
with a given status, which is how the jam and the hung scanner are produced. It offers no duplex
source, so duplex is covered by the source-name matching with real backends' names below.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import numpy as np
import pytest

from app.errors import ConfigError, DeviceUnavailable
from devices.registry import DriverContext, resolve_factory
from devices.scanner.base import FeederEmpty, PaperJam, Scanner, SourceNotAvailable
from devices.scanner.sane_scanner import (
    COVER_OPEN,
    DEVICE_BUSY,
    IO_ERROR,
    JAMMED,
    NO_DOCS,
    SOURCE_PATTERNS,
    SaneScanner,
    classify,
    dpi_choices,
    error_for_status,
    to_page,
)

# The test backend computes the page size as floor(mm / 25.4 * dpi).
A4_AT_75 = (876, 620)
A4_AT_100 = (1169, 826)


@pytest.fixture
def sane_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "sane.d"
    config.mkdir()
    (config / "dll.conf").write_text("test\n", encoding="ascii")
    # One virtual device with a bed larger than A4, so the driver's A4 area is what gets scanned.
    (config / "test.conf").write_text("number_of_devices 1\ngeometry_max 300.0\n", encoding="ascii")
    # No trailing ":" - the system's /etc/sane.d (and its network backend) stays out of the test.
    monkeypatch.setenv("SANE_CONFIG_DIR", str(config))
    return config


@pytest.fixture
def scanner(sane_config: Path) -> Iterator[SaneScanner]:
    device = SaneScanner(backend_options={"test-picture": "Color pattern"})
    yield device
    device.close()


def test_first_device_is_used_and_honours_the_protocol(scanner: SaneScanner) -> None:
    assert isinstance(scanner, Scanner)
    assert scanner.name == "test:0"
    assert scanner.sources() == ["flatbed", "adf"]
    assert scanner.resolutions() == [75, 100, 150, 200, 300, 400, 600, 1200]


def test_flatbed_colour_and_grey_at_a_resolution(scanner: SaneScanner) -> None:
    [colour] = scanner.scan("flatbed", dpi=100, color_mode="color")
    assert colour.shape == (*A4_AT_100, 3)
    assert colour.dtype == np.uint8
    # The colour test pattern really arrived in colour: channels differ a lot somewhere.
    spread = colour.max(axis=2).astype(int) - colour.min(axis=2).astype(int)
    assert (spread > 100).mean() > 0.2
    [grey] = scanner.scan("flatbed", dpi=75, color_mode="gray")
    assert grey.shape == A4_AT_75
    [bw] = scanner.scan("flatbed", dpi=75, color_mode="bw")
    assert set(np.unique(bw)) == {0, 255}


def test_adf_run_gives_ten_pages_then_stops(scanner: SaneScanner) -> None:
    started = time.monotonic()
    pages = list(scanner.scan("adf", dpi=75, color_mode="gray"))
    assert len(pages) == 10
    assert all(page.shape == A4_AT_75 for page in pages)
    assert time.monotonic() - started < 10


def test_adf_with_nothing_loaded_raises_feeder_empty_from_the_call(scanner: SaneScanner) -> None:
    pages = scanner.scan("adf", dpi=75, color_mode="gray")
    assert isinstance(pages, Generator)
    assert len(list(itertools.islice(pages, 10))) == 10  # the backend's whole feeder
    pages.close()
    with pytest.raises(FeederEmpty, match="进纸器中没有材料"):
        scanner.scan("adf", dpi=75)
    # The glass still works when the feeder is empty (what the counter falls back to).
    assert len(list(scanner.scan("flatbed", dpi=75))) == 1


def test_paper_jam_reported_by_the_backend(sane_config: Path) -> None:
    scanner = SaneScanner(backend_options={"read-return-value": "SANE_STATUS_JAMMED"})
    try:
        pages = scanner.scan("adf", dpi=75)
        with pytest.raises(PaperJam, match="卡纸"):
            next(pages)
        problem = scanner.health_problem()
        assert problem is not None and "卡纸" in problem
    finally:
        scanner.close()


def test_hung_scanner_is_cancelled_after_the_timeout(sane_config: Path) -> None:
    # The backend sleeps 0.2 s in its read; with a 0.05 s page timeout the driver cancels it.
    scanner = SaneScanner(
        page_timeout_s=0.05, backend_options={"read-delay": True, "read-delay-duration": 200_000}
    )
    try:
        started = time.monotonic()
        with pytest.raises(DeviceUnavailable, match="没有响应"):
            list(scanner.scan("flatbed", dpi=75))
        assert time.monotonic() - started < 3
        assert scanner.health_problem() is not None
    finally:
        scanner.close()


def test_wrong_source_and_dpi(scanner: SaneScanner) -> None:
    with pytest.raises(SourceNotAvailable, match="双面自动进纸器"):
        scanner.scan("adf_duplex")
    with pytest.raises(ValueError):
        scanner.scan("flatbed", dpi=123)


def test_factory_uses_the_configured_device_resolution_and_mode(sane_config: Path, tmp_path: Path) -> None:
    factory = resolve_factory("scanner", "sane")
    context = DriverContext(
        kind="scanner", work_dir=tmp_path, options={"device": "test:0", "resolution": "100", "mode": "gray"}
    )
    scanner = factory(context)
    assert isinstance(scanner, SaneScanner)
    try:
        [page] = scanner.scan("flatbed")
        assert page.shape == A4_AT_100
    finally:
        scanner.close()
    with pytest.raises(ConfigError) as raised:
        factory(DriverContext(kind="scanner", work_dir=tmp_path, options={"mode": "sepia"}))
    assert raised.value.key == "devices.scanner_mode"


def test_missing_scanner_says_so_in_chinese(sane_config: Path) -> None:
    with pytest.raises(DeviceUnavailable, match="无法打开扫描仪“nosuch:0”"):
        SaneScanner("nosuch:0")
    # No backend at all. In a fresh process: libsane keeps a backend it once opened loaded.
    (sane_config / "dll.conf").write_text("", encoding="ascii")
    code = (
        "from devices.scanner.sane_scanner import SaneScanner\n"
        "try:\n    SaneScanner()\nexcept Exception as exc:\n    print(type(exc).__name__, exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.startswith("DeviceUnavailable 未找到扫描仪")


def test_option_the_backend_rejects_is_reported_and_the_handle_released(sane_config: Path) -> None:
    for options in ({"no-such-option": 1}, {"test-picture": "Holiday photos"}):
        with pytest.raises(DeviceUnavailable, match="不支持所选的扫描设置"):
            SaneScanner(backend_options=options)
    scanner = SaneScanner()  # the device was closed again, so it opens fine
    scanner.close()


def test_status_texts_map_to_chinese_errors() -> None:
    assert isinstance(error_for_status(NO_DOCS), FeederEmpty)
    assert isinstance(error_for_status(JAMMED), PaperJam)
    assert "盖" in str(error_for_status(COVER_OPEN))
    assert "其他程序" in str(error_for_status(DEVICE_BUSY))
    assert "数据线" in str(error_for_status(IO_ERROR))
    assert "数据线" in str(error_for_status("Some status this driver never heard of"))


def test_duplex_and_feeder_names_of_real_backends() -> None:
    # fujitsu / canon_dr, brother, epson2 name their sources like this.
    fujitsu = classify(["Flatbed", "ADF Front", "ADF Back", "ADF Duplex"], SOURCE_PATTERNS)
    assert fujitsu == {"flatbed": "Flatbed", "adf": "ADF Front", "adf_duplex": "ADF Duplex"}
    brother = classify(
        [
            "FlatBed",
            "Automatic Document Feeder(left aligned)",
            "Automatic Document Feeder(left aligned,Duplex)",
        ],
        SOURCE_PATTERNS,
    )
    assert brother["adf_duplex"].endswith("Duplex)") and brother["adf"].endswith("aligned)")
    assert classify(["Automatic Document Feeder"], SOURCE_PATTERNS) == {"adf": "Automatic Document Feeder"}


def test_resolution_lists_and_raw_pages() -> None:
    assert dpi_choices([300.0, 150.0, 600.0]) == [150, 300, 600]
    assert dpi_choices((50.0, 300.0, 1.0)) == [75, 100, 150, 200, 300]
    rgb = bytes([255, 0, 0] * 4)  # red pixels, as SANE sends them (RGB)
    page = to_page(rgb, 2, 2, 3, 1)
    assert page.shape == (2, 2, 3) and tuple(page[0, 0]) == (0, 0, 255)  # BGR
    wide = np.array([0x1234, 0xFF00], dtype=np.uint16).tobytes()
    assert to_page(wide, 2, 1, 1, 2).tolist() == [[0x12, 0xFF]]
    with pytest.raises(DeviceUnavailable, match="不完整"):
        to_page(b"\x00" * 3, 2, 2, 1, 1)
