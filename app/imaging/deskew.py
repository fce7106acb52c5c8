"""Scanned-page geometry (扫描页几何): deskew (纠偏), trimming dark borders (裁边) and quarter-turn rotation.

Deskew uses a projection profile (imaging.md §2.2): text lines and table rules make the row
histogram of ink pixels sharpest when projected along the true skew. The search is bounded
(±10°) and returns 0 when no angle stands out, as NAPS2 does, so a photo or an empty page is
never turned by a guess. Angles are degrees, positive when the page is turned counter-clockwise
on screen; :func:`deskew` turns it back.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from app.imaging.detect import shrink, u8
from app.imaging.profiles import Image

#: The search range: a page fed into an ADF or laid on the glass is rarely off by more.
MAX_SKEW_DEG = 10.0
# Working size for the angle search: enough resolution for 0.05° steps over a text line.
_DESKEW_SIDE = 1000
_MAX_POINTS = 40_000
_MIN_INK_POINTS = 300
# The best angle must beat a typical one by this factor, or the page has no clear lines.
_MIN_PEAK_RATIO = 1.15
#: Below this a turn is invisible (2 px across an A4 line at 150 dpi) and not worth a resample.
MIN_ROTATION_DEG = 0.1


def _gray(image: Image) -> Image:
    return image if image.ndim == 2 else u8(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


def _profile_scores(
    xs: NDArray[np.float32], ys: NDArray[np.float32], angles_deg: NDArray[np.float64], bin_px: float
) -> NDArray[np.float64]:
    """Sharpness (sum of squared bin counts) of the ink's row histogram projected at each angle."""
    theta = np.radians(angles_deg).astype(np.float32)
    # A line turned counter-clockwise by θ on screen (y down) satisfies y + x·tan θ = const.
    proj = ys[:, None] * np.cos(theta)[None, :] + xs[:, None] * np.sin(theta)[None, :]
    proj -= proj.min()
    bins = (proj / bin_px).astype(np.int64)
    n_bins = int(bins.max()) + 1
    flat = (bins + np.arange(len(angles_deg))[None, :] * n_bins).ravel()
    counts = np.bincount(flat, minlength=n_bins * len(angles_deg)).reshape(len(angles_deg), n_bins)
    counts = counts.astype(np.float64)
    return np.asarray((counts * counts).sum(axis=1), dtype=np.float64)


def deskew_angle(image: Image) -> float:
    """The page's skew in degrees (counter-clockwise positive), within ±10°; 0.0 when unsure."""
    gray = shrink(_gray(image), _DESKEW_SIDE)
    h, w = gray.shape[:2]
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # Ignore the outer 2 %: scanner borders and punched holes are not text lines.
    my, mx = max(1, h // 50), max(1, w // 50)
    ys_i, xs_i = np.nonzero(ink[my : h - my, mx : w - mx])
    if len(ys_i) < _MIN_INK_POINTS or len(ys_i) > 0.5 * h * w:
        return 0.0
    if len(ys_i) > _MAX_POINTS:  # evenly thinned: the profile shape survives, the cost drops
        keep = np.linspace(0, len(ys_i) - 1, _MAX_POINTS).astype(np.int64)
        ys_i, xs_i = ys_i[keep], xs_i[keep]
    ys, xs = ys_i.astype(np.float32), xs_i.astype(np.float32)
    coarse = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 0.25, 0.5)
    scores = _profile_scores(xs, ys, coarse, 2.0)
    if scores.max() < _MIN_PEAK_RATIO * float(np.median(scores)):
        return 0.0
    best = float(coarse[int(np.argmax(scores))])
    for span, step in ((0.6, 0.1), (0.12, 0.02)):
        angles = np.arange(best - span, best + span + step / 2, step)
        fine = _profile_scores(xs, ys, angles, 1.0)
        i = int(np.argmax(fine))
        best = float(angles[i])
        if 0 < i < len(angles) - 1:  # parabola through the peak for the last fraction of a step
            a, b, c = fine[i - 1], fine[i], fine[i + 1]
            denom = a - 2 * b + c
            if denom < 0:
                best += step * 0.5 * float(a - c) / float(denom)
    if abs(best) > MAX_SKEW_DEG:
        return 0.0
    return round(best, 2)


def paper_colour(image: Image) -> tuple[float, ...]:
    """The page's background colour, taken from the bright part of a thin ring along its edges."""
    h, w = image.shape[:2]
    ring = max(1, min(h, w) // 100)
    parts = [image[:ring], image[-ring:], image[:, :ring], image[:, -ring:]]
    pixels = np.concatenate([p.reshape(-1, 1 if image.ndim == 2 else image.shape[2]) for p in parts])[::7]
    return tuple(float(v) for v in np.percentile(pixels, 75, axis=0))


def rotate_degrees(image: Image, angle_deg: float) -> Image:
    """``image`` turned by ``angle_deg`` (counter-clockwise positive) about its centre, same size,
    the uncovered corners filled with the paper colour rather than black."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle_deg, 1.0)
    return u8(
        cv2.warpAffine(
            image,
            matrix,
            (w, h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=paper_colour(image),
        )
    )


def deskew(image: Image) -> Image:
    """``image`` turned straight; an unchanged copy when the skew is negligible or unsure."""
    angle = deskew_angle(image)
    if abs(angle) < MIN_ROTATION_DEG:
        return image.copy()
    return rotate_degrees(image, -angle)


def _dark_run(dark_share: NDArray[np.float64], limit: int) -> int:
    """How many leading lines (rows or columns) are mostly dark, up to ``limit``."""
    run = 0
    while run < min(limit, len(dark_share)) and dark_share[run] > 0.5:
        run += 1
    return run


def crop_margins(image: Image) -> Image:
    """Cut dark bands along the edges (scanner bed seen past the paper, a lid left open, black fill
    after a warp), at most 15 % per side. The page's own white margins are kept: the output must
    still be the whole sheet, in its paper proportions."""
    gray = _gray(image)
    h, w = gray.shape[:2]
    small = shrink(gray, 800)
    paper = float(np.percentile(small[::2, ::2], 90))  # every fourth pixel is plenty for a level
    dark = (small < 0.55 * paper).astype(np.float64)
    sh, sw = small.shape
    top = _dark_run(dark.mean(axis=1), int(0.15 * sh))
    bottom = _dark_run(dark.mean(axis=1)[::-1], int(0.15 * sh))
    left = _dark_run(dark.mean(axis=0), int(0.15 * sw))
    right = _dark_run(dark.mean(axis=0)[::-1], int(0.15 * sw))
    if top == bottom == left == right == 0:
        return image.copy()
    fy, fx = h / sh, w / sw
    # One more working pixel each side: the band's soft edge would otherwise leave a grey line.
    y0 = min(h - 1, math.ceil((top + 1) * fy)) if top else 0
    y1 = max(y0 + 1, h - math.ceil((bottom + 1) * fy)) if bottom else h
    x0 = min(w - 1, math.ceil((left + 1) * fx)) if left else 0
    x1 = max(x0 + 1, w - math.ceil((right + 1) * fx)) if right else w
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def rotate(image: Image, quarter_turns: int) -> Image:
    """``image`` turned by ``quarter_turns`` × 90°, clockwise for positive numbers (the UI's 右转)."""
    turns = quarter_turns % 4
    if turns == 0:
        return image.copy()
    codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return u8(cv2.rotate(image, codes[turns]))
