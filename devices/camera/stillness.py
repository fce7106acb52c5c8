"""Auto-capture (自动拍摄): take the picture once the page under the 高拍仪 has been still for a moment.

The clerk lays a page down, takes the hand away, and the camera shoots; turning to the next page is
motion again, and the next stillness shoots the next page. :class:`StillnessDetector` decides from
the preview frames alone: each frame is shrunk to a small blurred grey copy, and the share of its
pixels that changed clearly since the previous frame is the motion score. Sensor noise and slow
auto-exposure drift move pixels by a few grey levels only, so they count as still; a hand or a
sliding page changes many pixels a lot. It fires once per stillness, and only after motion: a page
that was already lying there when the preview started is not shot again and again.

:func:`watch` runs the preview loop with auto-capture on the camera's own thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

from devices.camera.base import Camera, Frame

#: Width of the grey copy the scores are computed on: enough to see a hand, cheap at 30 fps.
SMALL_WIDTH: Final = 160
#: A pixel "changed" when its grey level moved by more than this (noise moves it by a few levels).
PIXEL_DELTA: Final = 20
#: Share of changed pixels at or above which the frame counts as motion.
MOTION_SHARE: Final = 0.005
#: Consecutive still frames before firing: about half a second at 15 fps.
STILL_FRAMES: Final = 8


@dataclass
class StillnessDetector:
    """Feed it every preview frame; ``update`` answers True on the frame to capture."""

    still_frames: int = STILL_FRAMES
    motion_share: float = MOTION_SHARE
    pixel_delta: int = PIXEL_DELTA
    small_width: int = SMALL_WIDTH
    motion_seen: bool = field(default=False, init=False)
    still_count: int = field(default=0, init=False)
    #: The last frame's motion score: share of clearly changed pixels (0..1).
    score: float = field(default=0.0, init=False)
    _previous: NDArray[np.int16] | None = field(default=None, init=False, repr=False)

    def reset(self) -> None:
        """Forget everything: the next capture again needs motion, then stillness."""
        self.motion_seen = False
        self.still_count = 0
        self.score = 0.0
        self._previous = None

    def _small_grey(self, image: NDArray[np.uint8]) -> NDArray[np.int16]:
        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        height, width = grey.shape[:2]
        size = (self.small_width, max(1, round(height * self.small_width / width)))
        small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        return np.asarray(cv2.GaussianBlur(small, (5, 5), 0), dtype=np.int16)

    def update(self, image: NDArray[np.uint8]) -> bool:
        """Take the next frame; True exactly once when the page has been still long enough after motion."""
        small = self._small_grey(image)
        previous, self._previous = self._previous, small
        if previous is None or previous.shape != small.shape:
            return False
        changed = np.abs(small - previous) > self.pixel_delta
        self.score = float(changed.mean())
        if self.score >= self.motion_share:
            self.motion_seen = True
            self.still_count = 0
            return False
        self.still_count += 1
        if self.motion_seen and self.still_count >= self.still_frames:
            self.motion_seen = False  # re-armed by the next motion (the next page)
            return True
        return False


def watch(
    camera: Camera,
    stop: threading.Event,
    *,
    on_preview: Callable[[Frame], None],
    on_capture: Callable[[Frame], None] | None = None,
    detector: StillnessDetector | None = None,
) -> int:
    """Live preview with auto-capture until ``stop`` is set; returns how many pages were captured.

    Run it as one job on the camera's thread (``manager.submit("camera", lambda c: watch(c, …))``)
    and set ``stop`` before asking that thread for anything else. ``on_preview`` gets each scaled
    preview frame; ``on_capture`` (if given) a full-resolution still each time the page became still
    after motion. Both run on the camera thread, so they must only hand the frame over. Camera
    errors (unplugged, no picture) end the loop and propagate.
    """
    detector = detector or StillnessDetector()
    captured = 0
    for frame in camera.frames():
        if stop.is_set():
            break
        on_preview(frame)
        if detector.update(frame.image) and on_capture is not None:
            on_capture(camera.grab())
            captured += 1
    return captured
