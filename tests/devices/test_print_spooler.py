"""The print spooler against the simulated printer: paper out, restarts and interrupted jobs.

Every job goes to paper exactly once: the simulated printer writes one PNG per cut into
``<work_dir>/printer``, so counting and reading those files is counting and reading the paper.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from app.model import Role
from app.services import print_queue
from app.services.actor import Actor
from app.storage import crypto
from app.storage.blobs import BlobStore
from app.storage.db import Database, upgrade
from devices.manager import DeviceManager
from devices.printer.base import Raster
from devices.printer.simulated import SimulatedPrinter
from devices.printer.spooler import NO_ANSWER, NOT_CONFIGURED, PrintSpooler, send_job
from devices.registry import register_driver, unregister_driver

PRINTER = print_queue.counter_printer("ST001", 1)


def receipt_like(rows: int = 120, width: int = 576, seed: int = 7) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    return np.where(rng.random((rows, width)) < 0.2, 0, 255).astype(np.uint8)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


class Station:
    """One run of the program: a Database on the shared SQLite file, a DeviceManager, a spooler."""

    def __init__(self, root: Path, cipher: crypto.FieldCipher, drivers: dict[str, str] | None = None) -> None:
        self.db = Database(f"sqlite:///{root / 'station.sqlite3'}")
        upgrade(self.db)
        self.blobs = BlobStore(root / "blobs", cipher)
        self.work_dir = root / "work"
        self.devices = DeviceManager(
            drivers or {"printer": "simulated"}, work_dir=self.work_dir, poll_interval_s=None
        )
        self.spooler = PrintSpooler(self.db, self.blobs, self.devices, printer=PRINTER, retry_interval_s=60)

    def start(self) -> None:
        self.devices.start()
        self.spooler.start()

    def stop(self) -> None:
        self.spooler.stop()
        self.devices.stop()
        self.db.dispose()

    def on_printer(self, action: Callable[[SimulatedPrinter], object]) -> None:
        self.devices.submit("printer", action).result(timeout=5)

    def enqueue(self, *rasters: NDArray[np.uint8]) -> int:
        with self.db.session() as s:
            job_id = print_queue.enqueue(
                s, self.blobs, document="受理回执", rasters=list(rasters) or [receipt_like()], printer=PRINTER
            )
        self.spooler.wake()
        return job_id

    def job(self, job_id: int) -> print_queue.PrintJobView:
        with self.db.session() as s:
            return print_queue.get_job(s, job_id)

    def paper(self) -> list[NDArray[np.uint8]]:
        """What came out of the printer so far, one image per cut, oldest first."""
        folder = self.work_dir / "printer"
        files = sorted(folder.glob("job-*.png")) if folder.exists() else []
        return [cv2.imdecode(np.frombuffer(f.read_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE) for f in files]


@pytest.fixture
def station(tmp_path: Path, cipher: crypto.FieldCipher) -> Iterator[Station]:
    s = Station(tmp_path, cipher)
    yield s
    s.stop()


def test_a_queued_job_is_printed_once_and_matches_the_raster(station: Station) -> None:
    station.start()
    raster = receipt_like()
    job_id = station.enqueue(raster)
    wait_for(lambda: station.job(job_id).state == "printed")
    [paper] = station.paper()
    assert np.array_equal(paper < 128, raster < 128)
    assert station.job(job_id).attempts == 1
    assert station.spooler.drain() == []  # nothing left: a printed job is never sent again
    assert len(station.paper()) == 1


def test_paper_out_keeps_the_job_queued_until_paper_is_loaded_then_prints_it_once(station: Station) -> None:
    station.start()
    station.on_printer(lambda p: p.run_out_of_paper())
    first, second = receipt_like(120, seed=1), receipt_like(72, seed=2)
    job_id = station.enqueue(first, second)
    wait_for(lambda: "缺纸" in station.job(job_id).error)
    view = station.job(job_id)
    assert view.state == "queued" and view.error == "小票打印机缺纸，请装入打印纸后重试。"
    assert station.paper() == []
    assert station.spooler.drain() == [] and station.paper() == []  # retries while out of paper send nothing

    # Paper back: the printer reports "ready" and the spooler (retrying only every 60 s) goes at once.
    station.on_printer(lambda p: p.load_paper(None))
    wait_for(lambda: station.job(job_id).state == "printed")
    station.spooler.wake()
    time.sleep(0.1)
    [paper] = station.paper()
    assert paper.shape[0] == first.shape[0] + second.shape[0]  # both rasters, one cut, once
    assert np.array_equal(paper < 128, np.vstack([first, second]) < 128)
    assert station.job(job_id).error == ""


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"cover_open": True}, "小票打印机纸仓盖未关好，请合上盖子后重试。"),
        ({"online": False}, "小票打印机未联机，请检查电源和数据线后重试。"),
    ],
)
def test_a_printer_that_cannot_print_leaves_the_job_queued_with_why(
    station: Station, condition: dict[str, bool], message: str
) -> None:
    station.devices.start()
    station.on_printer(lambda p: p.set_condition(**condition))
    job_id = station.enqueue()
    result = send_job(station.db, station.blobs, station.devices, job_id)
    assert (result.state, result.error) == ("queued", message)
    assert station.job(job_id).state == "queued" and station.job(job_id).error == message
    assert station.paper() == []


def test_paper_running_out_mid_job_fails_the_job_and_it_is_not_sent_again(station: Station) -> None:
    station.start()
    station.on_printer(lambda p: p.load_paper(50))  # less paper than the receipt needs
    job_id = station.enqueue(receipt_like(120))
    wait_for(lambda: station.job(job_id).state == "failed")
    assert "打印中途缺纸" in station.job(job_id).error
    station.on_printer(lambda p: p.load_paper(None))
    station.spooler.wake()
    time.sleep(0.2)
    assert station.spooler.drain() == []
    assert [p.shape[0] for p in station.paper()] == [50]  # only the torn-off part ever came out
    assert station.job(job_id).state == "failed"


def test_a_job_queued_before_a_restart_is_printed_after_it(
    tmp_path: Path, cipher: crypto.FieldCipher
) -> None:
    before = Station(tmp_path, cipher)
    before.start()
    before.on_printer(lambda p: p.set_condition(online=False))
    raster = receipt_like(96)
    job_id = before.enqueue(raster)
    wait_for(lambda: "未联机" in before.job(job_id).error)
    before.stop()  # the program closes; the printer is switched on while it is closed

    after = Station(tmp_path, cipher)  # a new Database object on the same file, a new spooler
    try:
        after.start()
        wait_for(lambda: after.job(job_id).state == "printed")
        [paper] = after.paper()
        assert np.array_equal(paper < 128, raster < 128)
    finally:
        after.stop()


def test_a_job_left_printing_at_start_up_fails_and_is_not_resent(station: Station) -> None:
    with station.db.session() as s:
        job_id = print_queue.enqueue(
            s, station.blobs, document="受理回执", rasters=[receipt_like()], printer=PRINTER
        )
    with station.db.session() as s:
        assert print_queue.mark_printing(s, job_id)  # ... and then the power went off
    station.start()
    assert station.spooler.wait_recovered(5)
    assert station.spooler.recovered_jobs == [job_id]
    view = station.job(job_id)
    assert (view.state, view.error) == ("failed", "打印中断，请核对纸张后选择补打或重新打印")
    assert station.spooler.drain() == []
    assert station.paper() == []


def test_the_spooler_and_a_direct_send_never_print_one_job_twice(station: Station) -> None:
    station.devices.start()
    jobs = [station.enqueue(receipt_like(48, seed=n)) for n in range(6)]
    station.spooler.start()
    direct = [
        threading.Thread(target=send_job, args=(station.db, station.blobs, station.devices, j)) for j in jobs
    ]
    for thread in direct:
        thread.start()
    for thread in direct:
        thread.join()
    wait_for(lambda: all(station.job(j).state == "printed" for j in jobs))
    assert len(station.paper()) == len(jobs)
    assert all(station.job(j).attempts == 1 for j in jobs)


def test_without_a_printer_the_job_waits_with_the_reason(station: Station) -> None:
    job_id = station.enqueue()
    result = send_job(station.db, station.blobs, None, job_id)
    assert (result.state, result.error) == ("queued", NOT_CONFIGURED)
    with station.db.session() as s:
        print_queue.cancel(s, Actor("chuangkou", Role.CLERK), job_id)
    assert send_job(station.db, station.blobs, None, job_id).state == "cancelled"  # cancelled: not claimed


def test_stop_ends_the_spooler_thread(station: Station) -> None:
    station.start()
    assert station.spooler.running
    station.spooler.stop()
    assert not station.spooler.running
    assert not [t for t in threading.enumerate() if t.name == "print-spooler"]


# --- drivers that send a whole job at once, or hang -------------------------------------------


class WholeJobPrinter(SimulatedPrinter):
    """Like EscposPrinter: ``print_job`` sends every raster and the cut in one go."""

    calls: ClassVar[list[int]] = []

    def print_job(self, rasters: Sequence[Raster]) -> None:
        WholeJobPrinter.calls.append(len(rasters))
        for raster in rasters:
            self.print_raster(raster)
        self.cut()


class HangingPrinter(SimulatedPrinter):
    """A printer whose raster write blocks until ``release`` is set (a stuck USB write)."""

    release = threading.Event()

    def print_raster(self, image: Raster) -> None:
        HangingPrinter.release.wait(5)
        super().print_raster(image)


@pytest.fixture
def fake_drivers() -> Iterator[None]:
    register_driver("printer", "whole-job", lambda c: WholeJobPrinter(c.work_dir / "printer"))
    register_driver("printer", "hanging", lambda c: HangingPrinter(c.work_dir / "printer"))
    yield
    unregister_driver("printer", "whole-job")
    unregister_driver("printer", "hanging")


def test_a_printer_that_sends_whole_jobs_gets_the_job_in_one_call(
    tmp_path: Path, cipher: crypto.FieldCipher, fake_drivers: None
) -> None:
    station = Station(tmp_path, cipher, {"printer": "whole-job"})
    WholeJobPrinter.calls = []
    try:
        station.devices.start()
        job_id = station.enqueue(receipt_like(48, seed=1), receipt_like(24, seed=2))
        assert send_job(station.db, station.blobs, station.devices, job_id).printed
        assert WholeJobPrinter.calls == [2] and len(station.paper()) == 1
    finally:
        station.stop()


def test_a_printer_that_stops_answering_mid_job_fails_the_job(
    tmp_path: Path, cipher: crypto.FieldCipher, fake_drivers: None
) -> None:
    station = Station(tmp_path, cipher, {"printer": "hanging"})
    HangingPrinter.release.clear()
    try:
        station.devices.start()
        sending, waiting = station.enqueue(), station.enqueue()
        result = send_job(station.db, station.blobs, station.devices, sending, timeout_s=0.2)
        assert (result.state, result.error) == ("failed", NO_ANSWER)
        # The printer thread is still stuck on the first job: the second never started, so it waits.
        result = send_job(station.db, station.blobs, station.devices, waiting, timeout_s=0.2)
        assert result.state == "queued" and station.job(waiting).state == "queued"
    finally:
        HangingPrinter.release.set()
        station.stop()
