"""Simulated scanner (模拟扫描仪): A4 pages with numbers, from the flatbed or a loaded feeder.

Ships in the product for demo mode and UI tests. The feeder empties as it scans, like a real ADF,
and ``load_feeder`` puts sheets back; ``jam_after`` makes the next ADF scan jam.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import cv2
import numpy as np
from numpy.typing import NDArray

from devices.registry import DriverContext
from devices.scanner.base import ColorMode, FeederEmpty, PaperJam, ScanSource, SourceNotAvailable
from devices.simulated_plug import SimulatedPlugBase
from devices.synthetic_page import draw_document_page

SIMULATED_DPI = (100, 150, 200, 300)
DEFAULT_DPI = 200
_A4_MM = (210.0, 297.0)


def a4_pixels(dpi: int) -> tuple[int, int]:
    """(width, height) of an A4 page at ``dpi``."""
    return round(_A4_MM[0] / 25.4 * dpi), round(_A4_MM[1] / 25.4 * dpi)


class SimulatedScanner(SimulatedPlugBase):
    """Flatbed plus an ADF holding ``feeder_pages`` sheets; page numbers count per ADF batch."""

    def __init__(self, *, feeder_pages: int = 3, has_feeder: bool = True) -> None:
        super().__init__("scanner")
        self._has_feeder = has_feeder
        self._lock = threading.Lock()
        self._feeder = feeder_pages if has_feeder else 0
        self._jam_after: int | None = None

    def sources(self) -> list[ScanSource]:
        return ["flatbed", "adf"] if self._has_feeder else ["flatbed"]

    def resolutions(self) -> list[int]:
        return list(SIMULATED_DPI)

    @property
    def feeder_pages(self) -> int:
        with self._lock:
            return self._feeder

    def load_feeder(self, pages: int) -> None:
        """Put ``pages`` sheets into the ADF (replacing what is there)."""
        with self._lock:
            self._feeder = pages

    def jam_after(self, pages: int | None) -> None:
        """Make the next ADF batch jam after ``pages`` sheets (None: no jam)."""
        with self._lock:
            self._jam_after = pages

    def scan(
        self, source: ScanSource = "flatbed", dpi: int | None = None, color_mode: ColorMode | None = None
    ) -> Iterator[NDArray[np.uint8]]:
        # Checks run now, not at the first next(), so a wrong call fails where it is made.
        self._require_plugged()
        dpi = DEFAULT_DPI if dpi is None else dpi
        color_mode = color_mode or "color"
        if source not in self.sources():
            raise SourceNotAvailable(source)
        if dpi not in SIMULATED_DPI:
            raise ValueError(f"unsupported dpi {dpi}; choose one of {SIMULATED_DPI}")
        if source == "adf" and self.feeder_pages == 0:
            raise FeederEmpty()
        return self._pages(source, dpi, color_mode)

    def _pages(self, source: ScanSource, dpi: int, color_mode: ColorMode) -> Iterator[NDArray[np.uint8]]:
        width, height = a4_pixels(dpi)
        if source == "flatbed":
            yield _convert(draw_document_page(width, height, page_number=1, seed=1), color_mode)
            return
        number = 0
        while True:
            self._require_plugged()
            with self._lock:
                if self._feeder == 0:
                    return
                if self._jam_after is not None and number >= self._jam_after:
                    self._jam_after = None
                    raise PaperJam()
                self._feeder -= 1
            number += 1
            yield _convert(draw_document_page(width, height, page_number=number, seed=number), color_mode)


def _convert(page: NDArray[np.uint8], color_mode: ColorMode) -> NDArray[np.uint8]:
    if color_mode == "color":
        return page
    gray = np.asarray(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    if color_mode == "gray":
        return gray
    return np.where(gray < 128, 0, 255).astype(np.uint8)


def create(context: DriverContext) -> SimulatedScanner:
    """Factory for the DeviceManager: flatbed plus a feeder holding three sheets."""
    return SimulatedScanner()
