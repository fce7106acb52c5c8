"""Simulated document camera (模拟高拍仪): a synthetic page lying on a desk.

Ships in the product for demo mode and UI tests. Frames show a white A4 sheet with text lines and
a red seal, slightly rotated on a darker desk and unevenly lit, so page detection, deskew and
seal-preserving clean-up have something real to work on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from devices.camera.base import Frame, Resolution
from devices.registry import DriverContext
from devices.simulated_plug import SimulatedPlugBase
from devices.synthetic_page import BGRImage, draw_document_page, place_on_desk

SIMULATED_RESOLUTIONS = (
    Resolution(2592, 1944),
    Resolution(1600, 1200),
    Resolution(1280, 960),
    Resolution(640, 480),
)
DEFAULT_RESOLUTION = Resolution(1600, 1200)


class SimulatedCamera(SimulatedPlugBase):
    """Frames at ``fps`` of the same page; each resolution's frame is drawn once and then reused."""

    def __init__(
        self, *, resolution: Resolution = DEFAULT_RESOLUTION, fps: float = 10.0, angle_deg: float = 3.0
    ) -> None:
        super().__init__("camera")
        if resolution not in SIMULATED_RESOLUTIONS:
            raise ValueError(f"unsupported resolution {resolution}")
        self._resolution = resolution
        self._fps = fps
        self._angle_deg = angle_deg
        self._lock = threading.Lock()
        self._cache: dict[Resolution, BGRImage] = {}

    def resolutions(self) -> list[Resolution]:
        return list(SIMULATED_RESOLUTIONS)

    @property
    def resolution(self) -> Resolution:
        return self._resolution

    def set_resolution(self, resolution: Resolution) -> None:
        self._require_plugged()
        if resolution not in SIMULATED_RESOLUTIONS:
            raise ValueError(f"unsupported resolution {resolution}")
        self._resolution = resolution

    def _scene(self, resolution: Resolution) -> BGRImage:
        with self._lock:
            scene = self._cache.get(resolution)
            if scene is None:
                page_height = resolution.height
                page = draw_document_page(int(page_height / 1.414), page_height, seed=7)
                scene = place_on_desk(page, resolution.width, resolution.height, angle_deg=self._angle_deg)
                self._cache[resolution] = scene
        return scene

    def grab(self) -> Frame:
        self._require_plugged()
        image = self._scene(self._resolution).copy()  # callers may draw on their frame
        return Frame(image=image, timestamp=time.monotonic())

    def frames(self) -> Iterator[Frame]:
        interval = 1.0 / self._fps if self._fps > 0 else 0.0
        next_due = time.monotonic()
        while True:
            delay = next_due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            next_due = max(next_due + interval, time.monotonic())
            yield self.grab()


#: What the demo's 高拍仪 delivers: a real one gives 15–30 preview frames a second (each frame is
#: a copy of one cached picture, so the simulator's own cost stays at a few percent of one core).
CREATED_FPS = 30.0


def create(context: DriverContext) -> SimulatedCamera:
    """Factory for the DeviceManager: 1600×1200 at 30 frames per second."""
    return SimulatedCamera(fps=CREATED_FPS)
