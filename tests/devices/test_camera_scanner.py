from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.errors import DeviceUnavailable
from devices.camera.base import Resolution
from devices.camera.simulated import SimulatedCamera
from devices.scanner.base import FeederEmpty, PaperJam, SourceNotAvailable
from devices.scanner.simulated import SimulatedScanner, a4_pixels


def _red_mask(image: np.ndarray) -> np.ndarray:
    b, g, r = (image[..., i].astype(int) for i in range(3))
    mask: np.ndarray = (r > 120) & (r - g > 60) & (r - b > 60)
    return mask


def test_frame_is_1600x1200_bgr_with_a_red_seal_on_the_page() -> None:
    frame = SimulatedCamera().grab()
    assert frame.image.shape == (1200, 1600, 3)
    assert frame.image.dtype == np.uint8
    red = _red_mask(frame.image)
    assert red.sum() > 500
    ys, xs = np.nonzero(red)
    # The seal is one compact round mark, not red noise all over the frame.
    assert xs.max() - xs.min() < 400 and ys.max() - ys.min() < 400
    # A bright sheet lies on a darker desk.
    gray = frame.image.mean(axis=2)
    assert np.median(gray[500:700, 700:900]) > 150 > np.median(gray[:40, :40])


def test_resolution_switch_and_frames_are_fresh_copies() -> None:
    camera = SimulatedCamera(fps=200)
    assert Resolution(640, 480) in camera.resolutions()
    camera.set_resolution(Resolution(640, 480))
    first, second = itertools.islice(camera.frames(), 2)
    assert first.image.shape == (480, 640, 3)
    assert second.timestamp > first.timestamp
    first.image[:] = 0
    assert second.image.any()
    with pytest.raises(ValueError):
        camera.set_resolution(Resolution(123, 45))


def test_unplugged_camera_raises() -> None:
    camera = SimulatedCamera()
    camera.simulate_unplug()
    with pytest.raises(DeviceUnavailable, match="高拍仪未连接"):
        camera.grab()


def test_adf_yields_the_loaded_pages_then_is_empty() -> None:
    scanner = SimulatedScanner(feeder_pages=3)
    pages = list(scanner.scan("adf", dpi=100, color_mode="gray"))
    assert len(pages) == 3
    assert all(page.shape == a4_pixels(100)[::-1] for page in pages)
    # Page numbers are drawn, so the pages differ.
    assert not np.array_equal(pages[0], pages[1])
    assert scanner.feeder_pages == 0
    with pytest.raises(FeederEmpty, match="进纸器"):
        scanner.scan("adf", dpi=100)


def test_flatbed_colour_and_bw() -> None:
    scanner = SimulatedScanner()
    [colour] = scanner.scan("flatbed", dpi=100, color_mode="color")
    assert colour.ndim == 3 and colour.shape[2] == 3
    [bw] = scanner.scan("flatbed", dpi=100, color_mode="bw")
    assert set(np.unique(bw)) == {0, 255}


def test_jam_and_missing_feeder_and_bad_dpi() -> None:
    scanner = SimulatedScanner(feeder_pages=5)
    scanner.jam_after(1)
    pages = scanner.scan("adf", dpi=100)
    next(pages)
    with pytest.raises(PaperJam):
        next(pages)
    with pytest.raises(SourceNotAvailable):
        SimulatedScanner(has_feeder=False).scan("adf")
    with pytest.raises(ValueError):
        scanner.scan("flatbed", dpi=123)
