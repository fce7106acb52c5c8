"""Simulated receipt printer (模拟小票打印机): each job becomes a PNG file in a folder.

Ships in the product for demo mode and UI tests. It enforces what a real printer enforces (paper
width, paper out, cover open, offline) so screens meet the same errors as at the counter.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from pathlib import Path

import cv2
import numpy as np

from devices.printer.base import (
    INK_THRESHOLD,
    PAPER_WIDTH_80MM,
    PaperOut,
    PrinterStatus,
    Raster,
    check_raster,
)
from devices.printer.render import render_test_page
from devices.registry import DriverContext
from devices.simulated_plug import SimulatedPlugBase

log = logging.getLogger(__name__)

_JOB_NAME = re.compile(r"^job-(\d+)\.png$")
#: Paper fed past the tear bar by a cut: about 12 mm at 203 dpi.
CUT_FEED_DOTS = 96


class SimulatedPrinter(SimulatedPlugBase):
    """Writes ``job-0001.png``, ``job-0002.png`` … into ``output_dir``, one file per cut.

    ``paper_roll_dots`` limits the paper (None = endless); below ``near_end_dots`` the status says
    near end, at zero printing stops mid-job with PaperOut and what came out is still written.
    ``set_condition`` makes it go offline or open its cover; ``load_paper`` puts in a new roll.
    """

    def __init__(
        self,
        output_dir: Path,
        *,
        paper_width_dots: int = PAPER_WIDTH_80MM,
        paper_roll_dots: int | None = None,
        near_end_dots: int = 8000,
    ) -> None:
        super().__init__("printer")
        self._output_dir = output_dir
        self._output_dir.mkdir(parents=True, exist_ok=True)
        self._width = paper_width_dots
        self._near_end_dots = near_end_dots
        self._lock = threading.Lock()
        self._online = True
        self._cover_open = False
        self._remaining: int | None = paper_roll_dots
        self._pending: list[Raster] = []
        self._jobs: list[Path] = []
        existing = [int(m.group(1)) for p in output_dir.iterdir() if (m := _JOB_NAME.match(p.name))]
        self._numbers = itertools.count(max(existing, default=0) + 1)

    @property
    def paper_width_dots(self) -> int:
        return self._width

    @property
    def output_dir(self) -> Path:
        return self._output_dir

    @property
    def jobs(self) -> list[Path]:
        """Files written so far by this printer object, oldest first."""
        with self._lock:
            return list(self._jobs)

    def set_condition(self, *, online: bool | None = None, cover_open: bool | None = None) -> None:
        """Switch the printer offline/online or open/close its cover (for demos and tests)."""
        with self._lock:
            if online is not None:
                self._online = online
            if cover_open is not None:
                self._cover_open = cover_open

    def load_paper(self, roll_dots: int | None = None) -> None:
        """Put in a new roll of ``roll_dots`` (None = endless)."""
        with self._lock:
            self._remaining = roll_dots

    def run_out_of_paper(self) -> None:
        with self._lock:
            self._remaining = 0

    def status(self) -> PrinterStatus:
        self._require_plugged()
        with self._lock:
            return self._status_locked()

    def _status_locked(self) -> PrinterStatus:
        remaining = self._remaining
        return PrinterStatus(
            online=self._online,
            paper_ok=remaining is None or remaining > 0,
            paper_near_end=remaining is not None and remaining < self._near_end_dots,
            cover_open=self._cover_open,
        )

    def health_problem(self) -> str | None:
        if not self.is_present():
            return None
        with self._lock:
            problem = self._status_locked().problem()
        return None if problem is None else str(problem)

    def print_raster(self, image: Raster) -> None:
        check_raster(image, self._width)
        self._require_plugged()
        with self._lock:
            self._status_locked().raise_for_problem()
            printed = np.where(image < INK_THRESHOLD, 0, 255).astype(np.uint8)
            if self._remaining is not None:
                if printed.shape[0] >= self._remaining:
                    self._pending.append(printed[: self._remaining])
                    self._remaining = 0
                    self._finish_job_locked()
                    raise PaperOut("打印中途缺纸，请装入打印纸后重新打印。")
                self._remaining -= printed.shape[0]
            self._pending.append(printed)

    def cut(self) -> None:
        self._require_plugged()
        with self._lock:
            self._status_locked().raise_for_problem()
            if self._remaining is not None:
                self._remaining = max(0, self._remaining - CUT_FEED_DOTS)
            self._finish_job_locked()

    def _finish_job_locked(self) -> None:
        if not self._pending:
            return
        page = np.vstack(self._pending)
        self._pending.clear()
        path = self._output_dir / f"job-{next(self._numbers):04d}.png"
        # cv2.imwrite cannot open non-ASCII paths on Windows; encode in memory and write with pathlib.
        ok, encoded = cv2.imencode(".png", page)
        if not ok:
            raise RuntimeError("cv2.imencode failed for a printed job")
        path.write_bytes(encoded.tobytes())
        self._jobs.append(path)
        log.info("simulated printer wrote %s (%d x %d dots)", path.name, page.shape[1], page.shape[0])

    def print_test_page(self) -> None:
        """Print and cut the device test ticket."""
        self.print_raster(render_test_page(self._width))
        self.cut()


def create(context: DriverContext) -> SimulatedPrinter:
    """Factory for the DeviceManager: an 80 mm printer writing into ``<work_dir>/printer``."""
    return SimulatedPrinter(context.work_dir / "printer")
