"""Receipt printing (小票打印): the thermal-printer role, its status and its errors.

Everything goes to the printer as a raster: the program renders text, QR codes and lines into one
1-bit image at the printer's dot width (printing.md §9), so Chinese prints the same on every model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from app.errors import DeviceUnavailable

#: Dots across the printable width for common paper (printing.md §2.3).
PAPER_WIDTH_58MM = 384
PAPER_WIDTH_80MM = 576
PAPER_WIDTH_TM_T88 = 512

#: Raster values below this print a dot (black); the rest is paper (white).
INK_THRESHOLD = 128

Raster = NDArray[np.uint8]


class PrinterOffline(DeviceUnavailable):
    def __init__(self, message: str = "小票打印机未联机，请检查电源和数据线后重试。") -> None:
        super().__init__(message, device="printer")


class PaperOut(DeviceUnavailable):
    def __init__(self, message: str = "小票打印机缺纸，请装入打印纸后重试。") -> None:
        super().__init__(message, device="printer")


class CoverOpen(DeviceUnavailable):
    def __init__(self, message: str = "小票打印机纸仓盖未关好，请合上盖子后重试。") -> None:
        super().__init__(message, device="printer")


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer reports (DLE EOT 1/2/4). ``paper_near_end`` still prints, but warns."""

    online: bool
    paper_ok: bool
    paper_near_end: bool
    cover_open: bool

    @property
    def can_print(self) -> bool:
        return self.online and self.paper_ok and not self.cover_open

    def problem(self) -> DeviceUnavailable | None:
        """The error a print job would meet now, most fundamental first; None when it can print."""
        if not self.online:
            return PrinterOffline()
        if self.cover_open:
            return CoverOpen()
        if not self.paper_ok:
            return PaperOut()
        return None

    def raise_for_problem(self) -> None:
        problem = self.problem()
        if problem is not None:
            raise problem


def check_raster(image: Raster, paper_width_dots: int) -> None:
    """Reject a raster a printer cannot take: wrong type, wrong shape or not exactly paper width."""
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ValueError(f"raster must be a 2-D uint8 array, got {image.dtype} with shape {image.shape}")
    if image.shape[1] != paper_width_dots:
        raise ValueError(f"raster is {image.shape[1]} dots wide, the paper takes {paper_width_dots}")
    if image.shape[0] == 0:
        raise ValueError("raster has no rows")


@runtime_checkable
class ReceiptPrinter(Protocol):
    """小票打印机. Call only from the device's own thread; one job at a time.

    A raster is a 2-D uint8 array exactly ``paper_width_dots`` wide: values below 128 print a
    dot, the rest stays paper. A job is the rasters printed before ``cut()``.
    """

    @property
    def paper_width_dots(self) -> int: ...

    def status(self) -> PrinterStatus:
        """The printer's current state; raises DeviceUnavailable only when it cannot be asked."""
        ...

    def print_raster(self, image: Raster) -> None:
        """Print ``image``. Raises PrinterOffline, CoverOpen or PaperOut before printing when
        the printer cannot print, ValueError for a raster of the wrong width."""
        ...

    def cut(self) -> None:
        """Feed past the tear bar and cut; ends the job."""
        ...
