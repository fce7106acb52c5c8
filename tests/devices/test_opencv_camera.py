"""The "opencv" document-camera driver and auto-capture, on real ``cv2.VideoCapture`` image sequences.

Frames are synthetic 高拍仪 pictures (tests/imaging/synth.py) written as ``frame_%03d.png``; OpenCV
opens the pattern like a camera and returns the frames in order, then nothing (imaging.md §4.4).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from app.errors import ConfigError, DeviceUnavailable
from devices.camera.base import Camera, CaptureFailed, Frame, Resolution
from devices.camera.opencv_camera import MJPG, OpenCVCamera, VideoCaptureLike, create, open_video_capture
from devices.camera.stillness import StillnessDetector, watch
from devices.registry import DriverContext, resolve_factory
from tests.imaging.synth import a4_document, camera_frame, perspective_corners

SIZE = (640, 480)


@cache
def _scene(shift: float, size: tuple[int, int]) -> NDArray[np.uint8]:
    doc = a4_document(seed=3, width=400)
    corners = perspective_corners(size, fill=0.8, shift=(shift, 0.0))
    frame, _ = camera_frame(doc, corners_px=corners, size=size, seed=0)
    return frame


def _write_sequence(folder: Path, shifts: Sequence[float], size: tuple[int, int] = SIZE) -> str:
    """One PNG per page position; each frame gets its own sensor noise, as a real camera's does."""
    rng = np.random.default_rng(1)
    for index, shift in enumerate(shifts):
        noise = rng.normal(0.0, 2.0, size=(size[1], size[0], 3))
        frame = np.clip(_scene(shift, size).astype(np.float64) + noise, 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / f"frame_{index:03d}.png"), frame)
    return str(folder / "frame_%03d.png")


class RecordingCapture:
    """A real VideoCapture that remembers every property the driver set, in order."""

    def __init__(self, capture: VideoCaptureLike) -> None:
        self._capture = capture
        self.sets: list[tuple[int, float]] = []

    def isOpened(self) -> bool:
        return self._capture.isOpened()

    def set(self, prop_id: int, value: float) -> bool:
        self.sets.append((prop_id, value))
        return self._capture.set(prop_id, value)

    def get(self, prop_id: int) -> float:
        return self._capture.get(prop_id)

    def grab(self) -> bool:
        return self._capture.grab()

    def read(self) -> tuple[bool, object]:
        return self._capture.read()

    def release(self) -> None:
        self._capture.release()


def test_asks_mjpg_before_the_resolution_and_reports_what_it_got(tmp_path: Path) -> None:
    pattern = _write_sequence(tmp_path, [0.0] * 3)
    opened: list[RecordingCapture] = []

    def opener(source: int | str, backend: int) -> VideoCaptureLike:
        opened.append(RecordingCapture(open_video_capture(source, backend)))
        return opened[-1]

    camera = OpenCVCamera(pattern, requested=Resolution(1920, 1080), opener=opener)
    try:
        assert isinstance(camera, Camera)
        props = [prop for prop, _ in opened[0].sets]
        fourcc = props.index(cv2.CAP_PROP_FOURCC)
        assert opened[0].sets[fourcc] == (cv2.CAP_PROP_FOURCC, MJPG)
        assert fourcc < props.index(cv2.CAP_PROP_FRAME_WIDTH) < props.index(cv2.CAP_PROP_FRAME_HEIGHT)
        assert (cv2.CAP_PROP_FRAME_WIDTH, 1920) in opened[0].sets
        # The "device" cannot do 1920×1080: the driver reports the files' size, not the request.
        assert camera.resolution == Resolution(*SIZE)
        assert camera.resolutions() == [Resolution(*SIZE)]
        with pytest.raises(ValueError):
            camera.set_resolution(Resolution(1920, 1080))
    finally:
        camera.close()


def test_full_resolution_still_and_scaled_preview(tmp_path: Path) -> None:
    pattern = _write_sequence(tmp_path, [0.0] * 6, size=(1600, 1200))
    camera = OpenCVCamera(pattern, preview_max_side=400)
    try:
        preview = next(iter(camera.frames()))
        assert preview.image.shape == (300, 400, 3)
        still = camera.grab()
        assert still.image.shape == (1200, 1600, 3)
        assert still.resolution == Resolution(1600, 1200) == camera.resolution
        assert still.timestamp >= preview.timestamp
    finally:
        camera.close()


def test_end_of_frames_and_unplug_give_chinese_errors(tmp_path: Path) -> None:
    pattern = _write_sequence(tmp_path, [0.0] * 3)
    camera = OpenCVCamera(pattern)
    try:
        frames = camera.frames()
        next(frames)
        next(frames)
        with pytest.raises(CaptureFailed, match="高拍仪没有送来画面"):
            next(frames)  # the camera stopped sending pictures
        assert camera.health_problem() is not None
        for file in tmp_path.glob("frame_*.png"):
            file.unlink()  # the camera is gone: opening it again fails
        with pytest.raises(DeviceUnavailable, match="高拍仪未连接"):
            camera.grab()
    finally:
        camera.close()


def test_factory_reads_the_configured_options(tmp_path: Path) -> None:
    pattern = _write_sequence(tmp_path, [0.0] * 2)
    factory = resolve_factory("camera", "opencv")
    options = {"index": pattern, "width": "1280", "height": "960", "backend": "auto"}
    camera = factory(DriverContext(kind="camera", work_dir=tmp_path, options=options))
    assert isinstance(camera, OpenCVCamera)
    assert camera.resolution == Resolution(*SIZE)
    camera.close()
    with pytest.raises(ConfigError) as raised:
        create(DriverContext(kind="camera", work_dir=tmp_path, options={"backend": "avfoundation"}))
    assert raised.value.key == "devices.camera_backend"
    with pytest.raises(DeviceUnavailable, match="高拍仪未连接"):
        create(
            DriverContext(kind="camera", work_dir=tmp_path, options={"index": str(tmp_path / "no_%03d.png")})
        )


def test_auto_capture_fires_once_when_the_page_lies_still_after_moving(tmp_path: Path) -> None:
    # 4 frames of a page already lying there, 6 frames of it sliding, then 14 frames still.
    shifts = [0.0] * 4 + [0.03 * step for step in range(1, 7)] + [0.2] * 14
    pattern = _write_sequence(tmp_path, shifts)
    camera = OpenCVCamera(pattern, preview_max_side=320)
    stop = threading.Event()
    previews: list[Frame] = []
    captures: list[Frame] = []

    def on_preview(frame: Frame) -> None:
        previews.append(frame)
        if len(previews) == 21:
            stop.set()

    try:
        count = watch(camera, stop, on_preview=on_preview, on_capture=captures.append)
    finally:
        camera.close()
    assert count == len(captures) == 1
    assert all(frame.image.shape == (240, 320, 3) for frame in previews)
    # Frame 0 was read when the camera opened; previews 1..18, and frame 18 completes eight
    # still frames after the motion ended at frame 10; the still is the next frame, at full size.
    expected = cv2.imread(str(tmp_path / "frame_019.png"))
    assert expected is not None and np.array_equal(captures[0].image, expected)


def test_detector_ignores_noise_and_never_fires_while_moving() -> None:
    rng = np.random.default_rng(2)

    def noisy(shift: float) -> NDArray[np.uint8]:
        noise = rng.normal(0.0, 3.0, size=(SIZE[1], SIZE[0], 3))
        return np.clip(_scene(shift, SIZE) + noise, 0, 255).astype(np.uint8)

    detector = StillnessDetector(still_frames=5)
    # A page lying still from the start (only sensor noise) is never shot.
    assert not any(detector.update(noisy(0.0)) for _ in range(12))
    # A page that keeps moving is never shot.
    assert not any(detector.update(noisy(0.02 * step)) for step in range(15))
    assert detector.motion_seen
    fired = [detector.update(noisy(0.3)) for _ in range(12)]
    # The first still frame still differs from the last moving one; five still frames later: shoot.
    assert fired.index(True) == 5 and fired.count(True) == 1
