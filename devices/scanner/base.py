"""Document scanner (扫描仪): flatbed and automatic document feeder (ADF, 自动进纸器).

Real drivers: python-sane on Linux, WIA on Windows (imaging.md §4). Pages come out as numpy
arrays; clean-up and compression happen later in app/imaging.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from app.errors import DeviceUnavailable

#: "adf_duplex" scans both sides of each sheet: front, back, next front … in paper order.
ScanSource = Literal["flatbed", "adf", "adf_duplex"]
#: "color" gives H×W×3 BGR, "gray" H×W, "bw" H×W holding only 0 and 255.
ColorMode = Literal["color", "gray", "bw"]

SOURCE_NAMES: dict[ScanSource, str] = {"flatbed": "平板", "adf": "自动进纸器", "adf_duplex": "双面自动进纸器"}


class FeederEmpty(DeviceUnavailable):
    def __init__(self, message: str = "扫描仪进纸器中没有材料，请放入材料后重试。") -> None:
        super().__init__(message, device="scanner")


class PaperJam(DeviceUnavailable):
    def __init__(self, message: str = "扫描仪卡纸，请打开进纸器取出卡住的纸张后重新扫描。") -> None:
        super().__init__(message, device="scanner")


class SourceNotAvailable(DeviceUnavailable):
    def __init__(self, source: ScanSource) -> None:
        super().__init__(f"此扫描仪没有{SOURCE_NAMES[source]}，请换用其他扫描方式。", device="scanner")
        self.source = source


@runtime_checkable
class Scanner(Protocol):
    """扫描仪. Call only from the device's own thread; consume the iterator on that thread too."""

    def sources(self) -> list[ScanSource]: ...

    def resolutions(self) -> list[int]:
        """Supported dpi values, ascending."""
        ...

    def scan(
        self, source: ScanSource = "flatbed", dpi: int | None = None, color_mode: ColorMode | None = None
    ) -> Iterator[NDArray[np.uint8]]:
        """Pages as they come: one from the flatbed, each sheet from the ADF until it is empty
        (both sides of each sheet for "adf_duplex").

        ``dpi`` and ``color_mode`` left as None take the station's settings
        (``devices.scanner_resolution``, ``devices.scanner_mode``; 200 dpi colour by default).
        Raises FeederEmpty (ADF with no paper) from the call itself, so a caller can fall back to
        the flatbed; PaperJam while iterating; SourceNotAvailable; ValueError for a dpi not in
        ``resolutions()``.
        """
        ...
