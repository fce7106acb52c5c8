"""Document camera (高拍仪): the camera role, its frames and resolutions.

Most 高拍仪 are UVC cameras read through cv2.VideoCapture (imaging.md §4.4); page detection,
deskew and compression happen later in app/imaging, never in the driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from app.errors import DeviceUnavailable


@dataclass(frozen=True, order=True)
class Resolution:
    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}×{self.height}"


@dataclass(frozen=True, eq=False)
class Frame:
    """One captured picture: ``image`` is H×W×3 BGR uint8; ``timestamp`` is ``time.monotonic()``
    seconds at capture, for frame pacing and freshness checks (not wall-clock time)."""

    image: NDArray[np.uint8] = field(repr=False)
    timestamp: float

    @property
    def resolution(self) -> Resolution:
        return Resolution(self.image.shape[1], self.image.shape[0])


class CaptureFailed(DeviceUnavailable):
    """The camera is connected but delivered no picture (busy in another program, driver fault)."""

    def __init__(self, message: str = "高拍仪未能拍摄画面，请关闭其他使用高拍仪的程序后重试。") -> None:
        super().__init__(message, device="camera")


@runtime_checkable
class Camera(Protocol):
    """高拍仪. Call only from the device's own thread."""

    def resolutions(self) -> list[Resolution]:
        """Modes the camera offers, largest first."""
        ...

    @property
    def resolution(self) -> Resolution: ...

    def set_resolution(self, resolution: Resolution) -> None:
        """Switch mode; ValueError for a resolution not in ``resolutions()``."""
        ...

    def grab(self) -> Frame:
        """A fresh frame (not a stale buffered one)."""
        ...

    def frames(self) -> Iterator[Frame]:
        """Live frames for a preview, paced by the camera; stop by leaving the loop.

        A driver may scale them down for drawing speed; ``grab()`` is the full-resolution still.
        """
        ...
