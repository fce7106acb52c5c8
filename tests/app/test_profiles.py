"""Output profiles: page verdicts and fitting real-looking pages and photos into the byte budget."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from app.errors import ValidationError
from app.imaging import PROFILES, OutputProfile, check_page, fit_to_profile

JPEG_90K = PROFILES["platform_jpeg_90k"]


def _decode(data: bytes) -> NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


def text_page(
    width: int = 2480, height: int = 3508, *, seal: bool = False, seed: int = 0
) -> NDArray[np.uint8]:
    """A white A4 page at 300 dpi with black 'text' lines, optionally a red round seal."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width, 3), 246, dtype=np.uint8)
    line = height // 60
    for y in range(height // 10, height - height // 10, line * 2):
        x = width // 10
        while x < width - width // 10:
            word = int(rng.integers(line, line * 6))
            cv2.rectangle(page, (x, y), (x + word, y + line), (25, 25, 25), thickness=-1)
            x += word + line
    if seal:
        centre = (width * 3 // 4, height * 4 // 5)
        cv2.circle(page, centre, width // 8, (40, 35, 205), thickness=width // 80)
    return page


def photo(width: int = 3000, height: int = 2000, seed: int = 1) -> NDArray[np.uint8]:
    """A busy colour photo: gradients, many coloured shapes and sensor noise (hard to compress)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), dtype=np.float32)
    image[..., 0] = 120 + 80 * np.sin(xx / 170)
    image[..., 1] = 100 + 60 * np.cos(yy / 130)
    image[..., 2] = 90 + 70 * np.sin((xx + yy) / 240)
    for _ in range(60):
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.circle(image, centre, int(rng.integers(20, 300)), colour, thickness=-1)
    image += rng.normal(0, 18, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


# --- check_page ---------------------------------------------------------------------------------


def test_a_portrait_page_within_bounds_passes_with_its_size_shown() -> None:
    verdict = check_page(1200, 1600, 86_000, "jpeg", JPEG_90K)
    assert verdict.ok
    assert verdict.message == "合格：1200×1600，86 KB"


def test_landscape_is_allowed_as_well() -> None:
    assert check_page(1600, 1200, 50_000, "jpg", JPEG_90K).ok


def test_too_many_bytes_is_refused_and_never_rounds_down_to_the_cap() -> None:
    assert check_page(1131, 1600, 90_000, "jpeg", JPEG_90K).ok
    over = check_page(1131, 1600, 90_001, "jpeg", JPEG_90K)
    assert not over.ok
    assert over.message.startswith("过大：91 KB，超过 90 KB")
    assert check_page(1131, 1600, 153_000, "jpeg", JPEG_90K).message.startswith("过大：153 KB，超过 90 KB")


def test_pixel_bounds_name_the_limit_in_the_page_orientation() -> None:
    small = check_page(400, 600, 20_000, "jpeg", JPEG_90K)
    assert not small.ok
    assert "像素不足：400×600，至少 480×640" in small.message
    big = check_page(2000, 1500, 80_000, "jpeg", JPEG_90K)
    assert not big.ok
    assert "像素过大：2000×1500，最大 1600×1200" in big.message


def test_a_png_or_pdf_is_refused_by_the_jpeg_profile_but_fits_the_pdf_profile() -> None:
    png = check_page(1200, 1600, 50_000, "png", JPEG_90K)
    assert not png.ok
    assert "格式不符：PNG，应为 JPEG" in png.message
    a4 = PROFILES["a4_pdf"]
    assert check_page(0, 0, 300_000, "pdf", a4).message == "合格：PDF，300 KB"
    assert not check_page(0, 0, 300_000, "pdf", JPEG_90K).ok


def test_several_problems_are_all_listed() -> None:
    verdict = check_page(3000, 2000, 400_000, "png", JPEG_90K)
    assert not verdict.ok
    assert [part[:4] for part in verdict.message.split("；")] == ["格式不符", "像素过大", "过大：4"]


# --- fit_to_profile -----------------------------------------------------------------------------


def test_a_real_looking_photo_fits_into_90_kb_within_the_pixel_bounds() -> None:
    data = fit_to_profile(photo(), JPEG_90K)
    image = _decode(data)
    height, width = image.shape[:2]
    assert len(data) <= 90_000
    assert 640 <= width <= 1600 and 480 <= height <= 1200
    assert width / height == pytest.approx(1.5, abs=0.01)  # aspect ratio kept
    assert image.ndim == 3  # a colour photo stays in colour
    assert check_page(width, height, len(data), "jpeg", JPEG_90K).ok


def test_a_text_page_becomes_a_grey_portrait_page_using_most_of_the_budget() -> None:
    data = fit_to_profile(text_page(), JPEG_90K)
    image = _decode(data)
    assert image.ndim == 2  # no colour on the page: grey buys quality
    assert image.shape == (1600, 1131)
    # The quality search fills the budget instead of settling for a blurry low quality.
    assert 60_000 < len(data) <= 90_000


def test_a_red_seal_keeps_the_page_in_colour() -> None:
    image = _decode(fit_to_profile(text_page(seal=True), JPEG_90K))
    assert image.ndim == 3
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    low_red = cv2.inRange(hsv, (0, 43, 46), (10, 255, 255))
    high_red = cv2.inRange(hsv, (156, 43, 46), (180, 255, 255))
    assert np.count_nonzero(low_red) + np.count_nonzero(high_red) > 1000


def test_a_page_too_detailed_for_the_budget_is_scaled_down_further_but_not_below_the_minimum() -> None:
    noise = np.random.default_rng(3).integers(0, 256, (2000, 3000, 3), dtype=np.uint8)
    data = fit_to_profile(noise, JPEG_90K)
    height, width = _decode(data).shape[:2]
    assert len(data) <= 90_000
    assert width < 1600  # quality 20 at 1600×1067 was not enough
    assert width >= 640 and height >= 480


def test_when_even_the_minimum_size_is_too_big_the_clerk_is_told_what_to_do() -> None:
    tight = OutputProfile("tight", "测试", "jpeg", 640, 480, 1600, 1200, 8_000, "color")
    noise = np.random.default_rng(4).integers(0, 256, (960, 1280, 3), dtype=np.uint8)
    with pytest.raises(ValidationError, match=r"仍超过 8 KB.*请在光线均匀处重拍"):
        fit_to_profile(noise, tight)


def test_a_page_below_the_minimum_is_refused_not_blown_up() -> None:
    with pytest.raises(ValidationError, match="图像只有 600×400 像素，小于要求的 640×480"):
        fit_to_profile(text_page(600, 400), JPEG_90K)


def test_a_long_narrow_strip_that_cannot_meet_both_bounds_is_refused() -> None:
    with pytest.raises(ValidationError, match="过于细长"):
        fit_to_profile(text_page(4000, 500), JPEG_90K)


def test_the_gray_profile_and_an_alpha_png_source_both_work() -> None:
    gray = OutputProfile("g", "灰度", "jpeg", 640, 480, 1600, 1200, 90_000, "gray")
    rgba = np.dstack([text_page(1000, 800, seal=True), np.full((800, 1000), 255, dtype=np.uint8)])
    image = _decode(fit_to_profile(rgba, gray))
    assert image.ndim == 2
    assert image.shape == (800, 1000)  # within bounds already: not scaled
