"""Background flattening (去阴影) and blank-page candidates (空白页候选).

Flattening divides each colour channel by an estimate of the page's background (imaging.md
§2.3: per-channel flat-field division). The background is the page with the ink removed: on a
small copy, a dilation wipes out thin dark strokes and a median smooths what is left; then the
estimate is scaled back up. Dividing by it removes the camera's shadow, vignetting and the
lamp's colour cast in one step. Because each channel is divided separately, a red seal stays
red: it is bright in the red channel (so it counts as background there) and dark in the others.

Blank detection works on the same normalised brightness, so shadows, yellowish paper and
bleed-through from the back are not ink, and ignores specks of dust. It only flags candidates
for the clerk; nothing is dropped (imaging.md §2.4).
"""

from __future__ import annotations

import cv2
import numpy as np

from app.imaging.detect import shrink, u8
from app.imaging.profiles import Image

# Background estimate on a copy this long: strokes of text are 1–3 px there and vanish under the
# dilation, while shadows and cast change over tens of pixels and survive it.
_FLAT_SIDE = 400
_DILATE_PX = 7
_MEDIAN_PX = 21
_PAPER_WHITE = 252.0
_MAX_GAIN = 1.08
# Blank check: working size, the ink level (NAPS2's luma < 180 rule, on the flattened page), the
# ignored border, and the smallest mark that counts (a speck of dust is smaller).
BLANK_SIDE = 800
_INK_LEVEL = 180
_BLANK_BORDER = 0.03
_MIN_MARK_PX = 3
#: Share of the page covered by marks below which the page is a blank candidate. A page number
#: ("第 3 页", about 0.03 %) or a signature line (about 0.08 %) is above it: content, not blank.
BLANK_COVERAGE = 1e-4


def _background(small: Image) -> Image:
    """The paper without its ink: a dilation removes dark strokes, a median removes what is left."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_DILATE_PX, _DILATE_PX))
    bright = u8(cv2.dilate(small, kernel))
    median = min(_MEDIAN_PX, (min(small.shape[:2]) // 2) * 2 - 1)
    return u8(cv2.medianBlur(bright, median)) if median >= 3 else bright


def flatten(image: Image) -> Image:
    """``image`` with shadows, uneven light and colour cast removed: paper near white, ink and seals
    keeping their colour. Works on BGR or grey pages of any size."""
    if image.ndim not in (2, 3) or min(image.shape[:2]) < 2:
        raise ValueError(f"not a page image: shape {image.shape}")
    h, w = image.shape[:2]
    small = shrink(image, _FLAT_SIDE)
    background = np.maximum(_background(small), 1)
    # The estimate sits on the upper edge of the paper's noise, so plain division leaves paper at
    # ~245. A small gain brings the typical paper (the median of a page: most of it is paper) to
    # white, which also clips the noise there and saves bytes; capped so a dark photo stays dark.
    level = float(np.median(cv2.divide(small, background, scale=255)[::2, ::2]))
    gain = min(_MAX_GAIN, max(1.0, _PAPER_WHITE / max(level, 1.0)))
    if background.shape[:2] != (h, w):
        background = u8(cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR))
    return u8(cv2.divide(image, background, scale=255 * gain))


def blank_score(image: Image) -> float:
    """Share of the page (outer 3 % ignored) covered by marks bigger than a speck, after flattening."""
    small = shrink(image, BLANK_SIDE)
    gray = small if small.ndim == 2 else u8(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY))
    normalised = u8(cv2.divide(gray, np.maximum(_background(gray), 1), scale=255))
    h, w = normalised.shape
    my, mx = round(h * _BLANK_BORDER), round(w * _BLANK_BORDER)
    inner = normalised[my : h - my, mx : w - mx]
    if inner.size == 0:
        return 0.0
    ink = (inner < _INK_LEVEL).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return 0.0
    sizes = stats[1:]
    marks = np.maximum(sizes[:, cv2.CC_STAT_WIDTH], sizes[:, cv2.CC_STAT_HEIGHT]) >= _MIN_MARK_PX
    return float(sizes[marks, cv2.CC_STAT_AREA].sum()) / inner.size


def is_blank(image: Image, *, threshold: float = BLANK_COVERAGE) -> bool:
    """True when the page looks empty (a candidate for the clerk to confirm, never to drop)."""
    return blank_score(image) < threshold
