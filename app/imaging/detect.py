"""Page outline detection (页面检测) and perspective correction for document-camera frames.

The page is found on a small copy of the frame (contours of a brightness mask and of Canny
edges, reduced to quadrilaterals), then each side is located precisely by looking for the
paper-to-mat edge along its normal, first on the small copy, then on the full-resolution frame,
and the corners are re-computed as intersections of the fitted side lines. The same edge
search scores the result: a side with no clear edge (page cut by the frame, fingers, clutter)
lowers the confidence, and an unsure detection makes the UI offer manual corners
(imaging.md §2.1: automatic detection is never 100 %).

Corners are float32 4×2 arrays in the order TL, TR, BR, BL, in OpenCV pixel-centre coordinates
of the full frame: the page's outer edge passes through them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from app.imaging.profiles import Image

Corners = NDArray[np.float32]

A4_RATIO = math.sqrt(2.0)  # 297 / 210, close enough at pixel scale
#: Longest side of the copy the page is searched on: small enough for ~10 ms, big enough for the
#: edges (a 2592×1944 frame is searched at 648×486).
DETECT_SIDE = 700
#: Below this confidence the clerk is asked to check the corners.
SURE_CONFIDENCE = 0.6
#: Below this the outline found is not offered at all: the corners start from the whole frame.
PLAUSIBLE_CONFIDENCE = 0.3
# Edge search: samples per side and how far (small-copy pixels) to look either side of it.
_SAMPLES = 48
_REACH_COARSE = 10
_REACH_FINE = 4
# A real paper edge drops this much brightness per pixel going outwards (0..255 scale, after blur).
_MIN_STEP = 6.0
_MIN_CONTRAST = 25.0
_A4_TOLERANCE = 0.08


@dataclass(frozen=True, eq=False)
class PageQuad:
    """页面轮廓: four corners, how much to trust them (0..1) and whether that is enough not to ask."""

    corners: Corners
    confidence: float
    sure: bool


def u8(array: object) -> Image:
    """An OpenCV result as a typed uint8 array (OpenCV's stubs only promise a generic array)."""
    return np.asarray(array, dtype=np.uint8)


def shrink(image: Image, side: int) -> Image:
    """``image`` reduced by a whole factor so its long side is at most ``side`` (as it is when
    already that small). A whole factor keeps OpenCV's INTER_AREA on its fast path: ten times
    quicker than an arbitrary size on a 5 MP frame."""
    factor = math.ceil(max(image.shape[:2]) / side)
    if factor <= 1:
        return image
    return u8(cv2.resize(image, None, fx=1.0 / factor, fy=1.0 / factor, interpolation=cv2.INTER_AREA))


def as_corners(corners: object) -> Corners:
    """Corners as a float32 4×2 array; ValueError for anything else (a bad manual adjustment)."""
    array = np.asarray(corners, dtype=np.float32)
    if array.shape != (4, 2) or not np.all(np.isfinite(array)):
        raise ValueError(f"expected 4 finite (x, y) corners, got shape {array.shape}")
    return array


def order_corners(points: object) -> Corners:
    """Four points in the order TL, TR, BR, BL (clockwise on screen, starting top left)."""
    pts = as_corners(points)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # y points down, so increasing angle runs clockwise on screen
    start = int(np.argmin(pts[:, 0] + pts[:, 1]))
    return np.roll(pts, -start, axis=0).astype(np.float32)


def default_corners(width: int, height: int) -> Corners:
    """Where manual adjustment starts when nothing was found: the frame inset by 5 %."""
    dx, dy = 0.05 * width, 0.05 * height
    return np.array(
        [[dx, dy], [width - 1 - dx, dy], [width - 1 - dx, height - 1 - dy], [dx, height - 1 - dy]],
        dtype=np.float32,
    )


def _gray(image: Image) -> Image:
    return image if image.ndim == 2 else u8(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


def _candidates(gray: Image) -> list[Corners]:
    """Quadrilaterals that might be the page, from a brightness mask and from edges."""
    area = gray.shape[0] * gray.shape[1]
    blur = u8(cv2.GaussianBlur(gray, (5, 5), 0))
    kernel = np.ones((5, 5), np.uint8)
    _, bright = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, kernel)
    edges = cv2.dilate(cv2.Canny(blur, 40, 120), np.ones((3, 3), np.uint8))
    quads: list[Corners] = []
    for mask in (bright, edges):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:4]:
            hull = cv2.convexHull(contour)
            if cv2.contourArea(hull) < 0.03 * area:
                break
            perimeter = cv2.arcLength(hull, True)
            for eps in (0.02, 0.03, 0.045, 0.06):
                approx = cv2.approxPolyDP(hull, eps * perimeter, True)
                if len(approx) == 4:
                    quads.append(order_corners(approx.reshape(4, 2)))
                    break
    return quads


def _edge_fit(
    gray: NDArray[np.float32] | Image, quad: Corners, reach: float, step: float
) -> tuple[Corners, NDArray[np.float64]] | None:
    """Locate each side's paper edge along its normal and re-intersect the fitted lines.

    Samples the image at ``_SAMPLES`` points per side, ``reach`` pixels inside and outside in
    steps of ``step``. Returns the new corners and each side's support (share of samples with a
    clear bright-inside, dark-outside edge), or None when the geometry breaks down.
    """
    h, w = gray.shape[:2]
    t = np.linspace(0.08, 0.92, _SAMPLES, dtype=np.float32)
    offsets = np.arange(-reach, reach + step / 2, step, dtype=np.float32)
    starts = quad
    ends = np.roll(quad, -1, axis=0)
    direction = ends - starts
    lengths = np.linalg.norm(direction, axis=1)
    if np.any(lengths < 8 * step):
        return None
    direction /= lengths[:, None]
    normal = np.stack([direction[:, 1], -direction[:, 0]], axis=1)  # outward for clockwise corners
    base = starts[:, None, :] + t[None, :, None] * (ends - starts)[:, None, :]  # 4 × S × 2
    pos = base[:, :, None, :] + offsets[None, None, :, None] * normal[:, None, None, :]  # 4 × S × K × 2
    map_x = np.ascontiguousarray(pos[..., 0].reshape(4 * _SAMPLES, -1))
    map_y = np.ascontiguousarray(pos[..., 1].reshape(4 * _SAMPLES, -1))
    sampled = cv2.remap(gray, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    profile = np.asarray(sampled, dtype=np.float32)
    if profile.ndim == 3:
        profile = profile @ np.array([0.114, 0.587, 0.299], dtype=np.float32)
    inside_frame = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    drop = (profile[:, :-1] - profile[:, 1:]) / step  # brightness lost per pixel going outwards
    drop[~(inside_frame[:, :-1] & inside_frame[:, 1:])] = 0.0
    k = np.argmax(drop, axis=1)
    rows = np.arange(drop.shape[0])
    peak = drop[rows, k]
    # A paper edge is a step: bright on the whole inside, dark on the whole outside. A printed line
    # or a shadow's soft edge also drops the brightness, but the far side is paper again.
    column = np.arange(profile.shape[1])[None, :]
    inside = np.where(column < k[:, None], profile, np.nan)
    outside = np.where(column > k[:, None] + 1, profile, np.nan)
    valid = (k >= 2) & (k <= drop.shape[1] - 3)
    inside[~valid] = 0.0
    outside[~valid] = 0.0
    contrast = np.nanmedian(inside, axis=1) - np.nanmedian(outside, axis=1)
    strong = valid & (peak >= _MIN_STEP) & (contrast >= _MIN_CONTRAST)
    # Sub-pixel edge: a parabola through the peak of the brightness drop and its neighbours.
    left = drop[rows, np.clip(k - 1, 0, drop.shape[1] - 1)]
    right = drop[rows, np.clip(k + 1, 0, drop.shape[1] - 1)]
    denom = left - 2 * peak + right
    delta = np.where(np.abs(denom) > 1e-6, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    delta = np.clip(delta, -0.5, 0.5)
    offset = (offsets[k] + step * (0.5 + delta)).reshape(4, _SAMPLES)
    strong = strong.reshape(4, _SAMPLES)
    support = np.zeros(4, np.float64)
    lines: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []
    for side in range(4):
        if strong[side].sum() >= max(6, _SAMPLES // 4):
            points = base[side][strong[side]] + offset[side][strong[side], None] * normal[side]
            vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
            # Support counts only edge points on the fitted line: a real paper edge is straight,
            # while ink strokes met along a shadow boundary scatter.
            distance = np.abs((points[:, 0] - x0) * vy - (points[:, 1] - y0) * vx)
            support[side] = np.count_nonzero(distance <= max(1.0, 2 * step)) / _SAMPLES
            lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
        else:  # no edge to fit: keep the side where it was
            lines.append((starts[side].astype(np.float64), direction[side].astype(np.float64)))
    corners = np.empty((4, 2), np.float32)
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        cross = d1[0] * d2[1] - d1[1] * d2[0]
        if abs(cross) < 0.2:  # nearly parallel neighbours: not a page corner
            return None
        s = ((p2[0] - p1[0]) * d2[1] - (p2[1] - p1[1]) * d2[0]) / cross
        corners[i] = p1 + s * d1
    if float(np.max(np.linalg.norm(corners - quad, axis=1))) > 3 * reach:
        return None
    return corners, support


def _geometry_ok(quad: Corners, width: int, height: int) -> bool:
    """Convex, corners near right angles (a page, even in perspective) and inside the frame."""
    margin = 0.005 * max(width, height)
    if np.any(quad[:, 0] < -margin) or np.any(quad[:, 0] > width - 1 + margin):
        return False
    if np.any(quad[:, 1] < -margin) or np.any(quad[:, 1] > height - 1 + margin):
        return False
    if not cv2.isContourConvex(quad.reshape(4, 1, 2)):
        return False
    for i in range(4):
        a, b = quad[i - 1] - quad[i], quad[(i + 1) % 4] - quad[i]
        cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))
        if abs(cos) > math.cos(math.radians(55)):
            return False
    return True


def _confidence(quad: Corners, support: NDArray[np.float64], width: int, height: int) -> float:
    if not _geometry_ok(quad, width, height):
        return 0.0
    area_share = float(cv2.contourArea(quad.reshape(4, 1, 2))) / (width * height)
    area_score = min(1.0, max(0.0, (area_share - 0.03) / 0.07))
    # Every side must show an edge: the weakest side counts most.
    edge_score = 0.7 * float(support.min()) + 0.3 * float(support.mean())
    return min(1.0, 1.15 * edge_score) * area_score


def detect_page(frame: Image) -> PageQuad:
    """Find the page in a camera frame (BGR or grey). Never raises for a frame without a page: then
    ``sure`` is False and the corners are the frame inset by 5 %, a start for manual adjustment."""
    if frame.ndim not in (2, 3) or frame.shape[0] < 16 or frame.shape[1] < 16:
        raise ValueError(f"not a camera frame: shape {frame.shape}")
    height, width = frame.shape[:2]
    small = _gray(shrink(frame, DETECT_SIDE))
    reduced = small.shape[:2] != frame.shape[:2]
    fx, fy = width / small.shape[1], height / small.shape[0]
    blurred = np.asarray(cv2.GaussianBlur(small, (3, 3), 0), dtype=np.float32)
    best: tuple[float, Corners] | None = None
    for quad in _candidates(small):
        fitted = _edge_fit(blurred, quad, _REACH_COARSE, 1.0)
        if fitted is None:
            continue
        fitted = _edge_fit(blurred, fitted[0], _REACH_FINE, 0.5)
        if fitted is None:
            continue
        corners_small, support = fitted
        score = _confidence(corners_small, support, small.shape[1], small.shape[0])
        if best is None or score > best[0]:
            best = (score, corners_small)
    if best is None or best[0] < PLAUSIBLE_CONFIDENCE:
        # A weak guess (a card or a sticky note among clutter) is a worse start for the clerk's
        # adjustment than the whole frame.
        return PageQuad(default_corners(width, height), round(best[0], 3) if best else 0.0, False)
    confidence, corners_small = best
    # Small-copy pixel centres map to full-frame pixel centres like this under INTER_AREA.
    corners = ((corners_small + 0.5) * np.array([fx, fy], np.float32) - 0.5).astype(np.float32)
    fine = _edge_fit(frame, corners, 1.5 * max(fx, fy), 0.5) if reduced else None
    if fine is not None and _geometry_ok(fine[0], width, height):
        corners = fine[0]
    return PageQuad(corners, round(confidence, 3), confidence >= SURE_CONFIDENCE)


def page_size(corners: Corners, *, a4: bool = True) -> tuple[int, int]:
    """Output (width, height) for a warp: the longer of each pair of opposite sides, so no detail is
    lost; with ``a4`` the shorter dimension is stretched to the A4 ratio (portrait or landscape)."""
    c = as_corners(corners)
    top, bottom = np.linalg.norm(c[1] - c[0]), np.linalg.norm(c[2] - c[3])
    left, right = np.linalg.norm(c[3] - c[0]), np.linalg.norm(c[2] - c[1])
    w, h = float(max(top, bottom)), float(max(left, right))
    if a4:
        if h >= w:
            h = max(h, w * A4_RATIO)
            w = h / A4_RATIO
        else:
            w = max(w, h * A4_RATIO)
            h = w / A4_RATIO
    return max(1, round(w)), max(1, round(h))


def looks_a4(corners: object) -> bool:
    """True when the outline's proportions are within 8 % of A4's √2, so squaring it to exactly A4
    only undoes perspective. An ID card (1.59) or a receipt keeps its own shape."""
    w, h = page_size(as_corners(corners), a4=False)
    ratio = max(w, h) / max(1, min(w, h))
    return abs(ratio - A4_RATIO) <= _A4_TOLERANCE * A4_RATIO


def warp(frame: Image, corners: object, *, a4: bool = True) -> Image:
    """The page inside ``corners`` (TL, TR, BR, BL) straightened at full resolution.

    Warping at full size and shrinking later keeps the page more compressible than warping
    straight to the output size (imaging.md §2.1).
    """
    c = as_corners(corners)
    out_w, out_h = page_size(c, a4=a4)
    limit = 2 * max(frame.shape[:2])
    if max(out_w, out_h) > limit:  # corners dragged far outside the frame: keep memory bounded
        shrink = limit / max(out_w, out_h)
        out_w, out_h = max(1, round(out_w * shrink)), max(1, round(out_h * shrink))
    dst = np.array(
        [[-0.5, -0.5], [out_w - 0.5, -0.5], [out_w - 0.5, out_h - 0.5], [-0.5, out_h - 0.5]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(c, dst)
    return u8(
        cv2.warpPerspective(
            frame, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    )
