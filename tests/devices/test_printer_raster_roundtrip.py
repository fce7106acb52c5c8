"""What the printer receives is what the clerk previewed: for every thermal template on 58 and 80 mm
paper, the GS v 0 blocks recorded by a TCP printer peer are decoded back to an image and compared
with the preview raster pixel for pixel.

Templates covered: every kind in ``app.documents.templates.THERMAL_KINDS`` (收件凭证, 受理回执,
补正告知, 领取回执 at the time of writing, and any added later) plus the queue ticket
(``render_ticket``). The 不予受理通知书 exists only as an A4 notice.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from app.clock import LOCAL_TZ
from app.documents.receipts import render_receipt
from app.documents.samples import sample_data
from app.documents.templates import THERMAL_KINDS
from app.documents.ticket import TicketSlip, render_ticket
from devices.manager import DeviceManager, DeviceStatus
from devices.printer.escpos_printer import EscposPrinter, encode_raster_job
from tests.devices.escpos_decode import decode_raster_stream, parse_stream, raster_blocks
from tests.devices.printer_peer import PrinterPeer

WIDTHS = (384, 576)
DOCUMENTS = (*THERMAL_KINDS, "排队号票")


def _slip() -> TicketSlip:
    return TicketSlip(
        station_name="当阳市政务服务中心",
        number="A012",
        category_code="A",
        category_name="综合受理",
        priority="elderly",
        people_ahead=3,
        issued_at=dt.datetime(2026, 11, 23, 9, 30, tzinfo=LOCAL_TZ),
        status_key="YCT-ST001-20261123-A012",
    )


@functools.cache
def preview(document: str, width: int) -> np.ndarray:
    """The raster the preview shows (and the printer gets)."""
    if document == "排队号票":
        return render_ticket(_slip(), width_dots=width)
    return render_receipt(sample_data(document), width_dots=width)


def test_the_receipt_kinds_of_the_issue_are_all_templates() -> None:
    assert {"收件凭证", "受理回执", "补正告知", "领取回执"} <= set(THERMAL_KINDS)


@pytest.fixture(scope="module")
def peer() -> Iterator[PrinterPeer]:
    with PrinterPeer() as p:
        yield p


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_recorded_stream_decodes_to_the_preview(peer: PrinterPeer, document: str, width: int) -> None:
    raster = preview(document, width)
    peer.clear()
    EscposPrinter(peer.uri, paper_width_dots=width, timeout_s=2).print_job([raster])
    [job] = peer.jobs()
    [printed] = decode_raster_stream(job)
    assert printed.shape == raster.shape
    assert np.array_equal(printed, raster)
    heights = [block.height for block in raster_blocks(job)]
    assert all(h <= 128 and h % 48 for h in heights), heights
    assert all(block.width_bytes * 8 == width for block in raster_blocks(job))
    assert [c.kind for c in parse_stream(job)][-1] == "cut"
    assert job == encode_raster_job([raster])


def test_a_job_of_several_rasters_prints_as_one_strip() -> None:
    top, bottom = preview("收件凭证", 384), preview("排队号票", 384)
    [strip] = decode_raster_stream(encode_raster_job([top, bottom]))
    assert np.array_equal(strip, np.vstack([top, bottom]))


def _printer_status(manager: DeviceManager, wanted: Callable[[DeviceStatus], bool]) -> DeviceStatus:
    """The printer's status once ``wanted`` holds (the manager re-checks after each job)."""
    deadline = time.monotonic() + 5
    while True:
        [status] = [s for s in manager.statuses() if s.kind == "printer"]
        if wanted(status) or time.monotonic() > deadline:
            return status
        time.sleep(0.01)


def test_through_the_device_manager_with_the_escpos_driver(peer: PrinterPeer, tmp_path: Path) -> None:
    raster = preview("受理回执", 576)
    peer.clear()
    manager = DeviceManager(
        {"printer": "escpos"},
        work_dir=tmp_path,
        poll_interval_s=None,
        options={"printer": {"uri": peer.uri, "paper_mm": "80"}},
    )
    manager.start()
    try:
        width = manager.submit("printer", lambda printer: printer.paper_width_dots).result(timeout=10)
        assert width == 576
        manager.submit("printer", lambda printer: printer.print_job([raster])).result(timeout=10)
        assert _printer_status(manager, lambda s: s.state != "busy").state == "ready"
        peer.set_paper(out=True)
        manager.poll()
        status = _printer_status(manager, lambda s: s.state == "error")
        assert "缺纸" in status.message
    finally:
        peer.set_paper(out=False)
        manager.stop()
    [job] = peer.jobs()
    [printed] = decode_raster_stream(job)
    assert np.array_equal(printed, raster)
