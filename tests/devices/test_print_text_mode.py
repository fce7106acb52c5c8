"""GB18030 text mode end to end: a receipt queued with its text form, sent by the spooler through
the escpos driver to a real TCP printer peer on 127.0.0.1, and read back from the recorded bytes."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from app.cli import main
from app.documents import ReceiptData, render_receipt, sample_data
from app.documents.samples import sample_ticket_slip
from app.documents.text_receipt import TextReceipt, receipt_text, ticket_text
from app.model import PrintJob, Role
from app.services import print_queue
from app.services.actor import Actor
from app.storage import crypto
from app.storage.blobs import BlobStore
from app.storage.db import Database, upgrade
from devices.manager import DeviceManager
from devices.printer.escpos_printer import encode_raster_job
from devices.printer.escpos_text import FALLBACK_FONT_SIZE, line_fits_text_mode
from devices.printer.render import render_text_lines
from devices.printer.spooler import PrintSpooler, send_job
from tests.devices.escpos_decode import Command, decode_raster_stream, parse_stream, text_lines
from tests.devices.printer_peer import PrinterPeer

PRINTER = print_queue.counter_printer("ST001", 3)
CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")
RARE = "𠀀"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


class Counter:
    """A counter PC: database, blob store, the escpos printer on the peer, the spooler."""

    def __init__(self, root: Path, cipher: crypto.FieldCipher, peer: PrinterPeer, text_mode: str) -> None:
        self.db = Database(f"sqlite:///{root / 'station.sqlite3'}")
        upgrade(self.db)
        self.blobs = BlobStore(root / "blobs", cipher)
        options = {"printer": {"uri": peer.uri, "paper_mm": "80", "text_mode": text_mode}}
        self.devices = DeviceManager(
            {"printer": "escpos"}, work_dir=root / "work", poll_interval_s=None, options=options
        )
        self.spooler = PrintSpooler(self.db, self.blobs, self.devices, printer=PRINTER, retry_interval_s=0.2)
        self.devices.start()

    def stop(self) -> None:
        self.spooler.stop()
        self.devices.stop()
        self.db.dispose()

    def enqueue(
        self, data: ReceiptData, *, with_text: bool = True
    ) -> tuple[int, NDArray[np.uint8], TextReceipt]:
        raster = render_receipt(data, width_dots=576)
        text = receipt_text(data, width_dots=576)
        with self.db.session() as s:
            job_id = print_queue.enqueue(
                s,
                self.blobs,
                document=data.kind,
                rasters=[raster],
                printer=PRINTER,
                text_lines=text.lines if with_text else None,
                text_rasters=text.rasters if with_text else (),
            )
        return job_id, raster, text

    def job(self, job_id: int) -> print_queue.PrintJobView:
        with self.db.session() as s:
            return print_queue.get_job(s, job_id)


@pytest.fixture
def peer() -> Iterator[PrinterPeer]:
    with PrinterPeer() as p:
        yield p


@pytest.fixture
def counter(tmp_path: Path, cipher: crypto.FieldCipher, peer: PrinterPeer) -> Iterator[Counter]:
    c = Counter(tmp_path, cipher, peer, "gb18030")
    yield c
    c.stop()


def printed_items(job: bytes) -> list[str | NDArray[np.uint8]]:
    """What came out, top to bottom: each text line as a string, each run of raster blocks as one
    image (as decode_raster_stream joins them)."""
    items: list[str | NDArray[np.uint8]] = []
    run: list[Command] = []
    pending_text = b""

    def flush_run() -> None:
        if run:
            items.extend(decode_raster_stream(b"".join(c.raw for c in run)))
            run.clear()

    for command in parse_stream(job):
        if command.kind == "text":
            flush_run()
            pending_text += command.raw
            continue
        if pending_text:
            items.extend(text_lines(pending_text))
            pending_text = b""
        if command.kind == "raster":
            run.append(command)
        else:
            flush_run()
    flush_run()
    return items


def test_text_mode_receipt_waits_out_paper_out_then_prints_once_as_gb18030_text(
    counter: Counter, peer: PrinterPeer
) -> None:
    data = dataclasses.replace(sample_data("受理回执"), applicant_name=f"张{RARE}国")
    peer.set_paper(out=True)
    counter.spooler.start()
    job_id, raster, text = counter.enqueue(data)
    counter.spooler.wake()
    wait_for(lambda: "缺纸" in counter.job(job_id).error)
    assert counter.job(job_id).state == "queued"
    assert peer.jobs() == []  # nothing of the job went out while the paper was out

    peer.set_paper(out=False)
    wait_for(lambda: counter.job(job_id).state == "printed")
    time.sleep(0.5)  # two more retry rounds: the printed job is not sent again
    [job] = peer.jobs()
    commands = parse_stream(job)
    assert [c.kind for c in commands][:2] == ["init", "chinese_on"]  # ESC @, FS &

    # Every line that fits text mode arrives as GB18030 text, equal to receipt_text's lines.
    rare = f"申请人：张{RARE}国"
    assert rare in text.lines
    assert text_lines(job) == [line for line in text.lines if line != rare]
    assert all(line_fits_text_mode(line) for line in text_lines(job))

    # Top to bottom: the lines, the rare one as a raster line in its place, then logo + QR.
    items = printed_items(job)
    at = text.lines.index(rare)
    assert items[:at] == text.lines[:at]
    fallback = items[at]
    assert isinstance(fallback, np.ndarray)
    assert np.array_equal(fallback, render_text_lines([rare], 576, font_size=FALLBACK_FONT_SIZE))
    assert items[at + 1 : len(text.lines)] == text.lines[at + 1 :]
    pictures = items[len(text.lines)]
    assert isinstance(pictures, np.ndarray) and len(items) == len(text.lines) + 1
    assert np.array_equal(pictures, np.vstack(text.rasters))  # GS v 0, pixel for pixel
    found, _, _ = cv2.QRCodeDetector().detectAndDecode(np.pad(pictures, 24, constant_values=255))
    assert found == data.qr_text

    # The point of text mode: a fraction of the bytes of the same receipt as a raster.
    assert len(job) < len(encode_raster_job([raster])) / 5


def test_a_printer_in_raster_mode_gets_the_raster_of_a_text_job(
    tmp_path: Path, cipher: crypto.FieldCipher, peer: PrinterPeer
) -> None:
    counter = Counter(tmp_path, cipher, peer, "raster")
    try:
        job_id, raster, _ = counter.enqueue(sample_data("收件凭证"))
        assert send_job(counter.db, counter.blobs, counter.devices, job_id).printed
    finally:
        counter.stop()
    [job] = peer.jobs()
    assert text_lines(job) == []
    assert [img.shape for img in decode_raster_stream(job)] == [raster.shape]
    assert np.array_equal(decode_raster_stream(job)[0], raster)


def test_a_raster_only_job_prints_as_raster_on_a_text_mode_printer(
    counter: Counter, peer: PrinterPeer
) -> None:
    job_id, raster, _ = counter.enqueue(sample_data("收件凭证"), with_text=False)
    assert send_job(counter.db, counter.blobs, counter.devices, job_id).printed
    [job] = peer.jobs()
    assert text_lines(job) == [] and np.array_equal(decode_raster_stream(job)[0], raster)


def test_a_damaged_text_form_still_prints_the_receipt_as_raster(counter: Counter, peer: PrinterPeer) -> None:
    job_id, raster, _ = counter.enqueue(sample_data("领取回执"))
    with counter.db.session() as s:
        job = s.get(PrintJob, job_id)
        assert job is not None
        job.text_ref = counter.blobs.put(b"not json").sha256
    assert send_job(counter.db, counter.blobs, counter.devices, job_id).printed
    [printed] = peer.jobs()
    assert np.array_equal(decode_raster_stream(printed)[0], raster)


def test_a_reprint_on_a_text_mode_printer_prints_the_reprint_mark_as_text(
    counter: Counter, peer: PrinterPeer
) -> None:
    job_id, _, text = counter.enqueue(sample_data("补正告知"))
    assert send_job(counter.db, counter.blobs, counter.devices, job_id).printed
    with counter.db.session() as s:
        again = print_queue.reprint(s, counter.blobs, CLERK, job_id)
    assert send_job(counter.db, counter.blobs, counter.devices, again).printed
    first, second = peer.jobs()
    assert text_lines(first) == text.lines
    reprinted = text_lines(second)
    assert reprinted[0].strip() == "【补打】" and reprinted[3:] == text.lines


@pytest.mark.parametrize(("template", "width"), [("receipt-buyu-shouli", 384), ("ticket", 576)])
def test_cli_prints_a_sample_in_text_mode(
    tmp_path: Path, peer: PrinterPeer, capsys: pytest.CaptureFixture[str], template: str, width: int
) -> None:
    args = ["--home", str(tmp_path), "print", "--template", template, "--sample", "--printer", peer.uri]
    assert main([*args, "--width", str(width), "--text-mode", "gb18030"]) == 0
    assert "文字模式" in capsys.readouterr().out
    if template == "ticket":
        text = ticket_text(sample_ticket_slip(), width_dots=width)
    else:
        text = receipt_text(sample_data("不予受理告知"), width_dots=width)
    [job] = peer.jobs()
    assert text_lines(job) == text.lines
    assert np.array_equal(decode_raster_stream(job)[-1], np.vstack(text.rasters))
