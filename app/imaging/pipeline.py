"""Page pipeline (页面处理流程): from a camera frame or a scanned page to a clean page image.

Camera (高拍仪) frame: find the page outline (or take the clerk's corners), straighten it at full
resolution to A4 proportions, flatten shadows and colour cast. Scanner page: cut dark borders,
deskew, flatten. Both then decide colour or grey (a seal or any colour content keeps colour,
judged after flattening so the lamp's cast does not count) and flag blank candidates.

The result carries what the UI needs to ask the clerk: ``sure`` False means "check the corners",
``blank_candidate`` means "this page looks empty — keep it?". Nothing is dropped here. Encoding
to the output profile happens later (app/imaging/profiles.py), from ``image``.

The steps are importable from here too: detection and warp live in detect.py, deskew, crop and
rotation in deskew.py, flattening and blank checks in flatten.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2

from app.imaging.deskew import MIN_ROTATION_DEG, crop_margins, deskew, deskew_angle, rotate, rotate_degrees
from app.imaging.detect import (
    PLAUSIBLE_CONFIDENCE,
    SURE_CONFIDENCE,
    Corners,
    PageQuad,
    default_corners,
    detect_page,
    looks_a4,
    order_corners,
    shrink,
    u8,
    warp,
)
from app.imaging.flatten import BLANK_COVERAGE, BLANK_SIDE, blank_score, flatten, is_blank
from app.imaging.profiles import Image, has_colour

__all__ = [
    "BLANK_COVERAGE",
    "PLAUSIBLE_CONFIDENCE",
    "SURE_CONFIDENCE",
    "Corners",
    "PageQuad",
    "ProcessedPage",
    "blank_score",
    "crop_margins",
    "default_corners",
    "deskew",
    "deskew_angle",
    "detect_page",
    "flatten",
    "is_blank",
    "looks_a4",
    "order_corners",
    "process_camera_frame",
    "process_scan",
    "rotate",
    "warp",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class ProcessedPage:
    """处理后的页面: a cleaned page (BGR) and what the clerk may need to confirm.

    ``corners`` are the page corners in the camera frame (None for scans); ``sure`` False asks
    for manual corner adjustment; ``colour`` False means the page may be stored in grey;
    ``deskew_deg`` is the skew that was removed (counter-clockwise positive).
    """

    image: Image
    corners: Corners | None
    sure: bool
    confidence: float
    blank_candidate: bool
    blank_score: float
    colour: bool
    deskew_deg: float


def _bgr(image: Image) -> Image:
    if image.ndim == 2:
        return u8(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        return u8(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR))
    raise ValueError(f"not a page image: shape {image.shape}")


def _finish(
    page: Image, corners: Corners | None, sure: bool, confidence: float, skew: float
) -> ProcessedPage:
    flat = flatten(page)
    # Both checks work on an 800 px copy; make it once.
    small = shrink(flat, BLANK_SIDE)
    score = blank_score(small)
    return ProcessedPage(
        image=flat,
        corners=corners,
        sure=sure,
        confidence=confidence,
        blank_candidate=score < BLANK_COVERAGE,
        blank_score=score,
        colour=has_colour(small),
        deskew_deg=skew,
    )


def process_camera_frame(frame: Image, corners: object | None = None) -> ProcessedPage:
    """A document-camera frame to a clean page, A4 proportions when the outline is close to A4.

    Without ``corners`` the page is detected; when nothing page-like is found the whole frame
    (inset 5 %) is kept unstretched, and whenever detection is unsure ``sure`` is False so the UI
    asks for the corners. ``corners`` are the clerk's adjustment in frame pixels, put in the order
    TL, TR, BR, BL by position so crossed handles never mirror the page.
    """
    frame = _bgr(frame)
    if corners is not None:
        quad = PageQuad(order_corners(corners), 1.0, True)
        page = warp(frame, quad.corners, a4=looks_a4(quad.corners))
    else:
        quad = detect_page(frame)
        # Nothing page-like: do not force A4 proportions onto a frame that may hold a card or a desk.
        plausible = quad.confidence >= PLAUSIBLE_CONFIDENCE
        page = warp(frame, quad.corners, a4=plausible and looks_a4(quad.corners))
        if not quad.sure:
            log.info("page outline unsure (confidence %.2f): manual corners offered", quad.confidence)
    return _finish(page, quad.corners, quad.sure, quad.confidence, 0.0)


def process_scan(image: Image) -> ProcessedPage:
    """A flatbed/ADF page to a clean page: dark borders cut, skew removed, background flattened."""
    page = crop_margins(_bgr(image))
    angle = deskew_angle(page)
    if abs(angle) >= MIN_ROTATION_DEG:
        page = rotate_degrees(page, -angle)
    else:
        angle = 0.0
    return _finish(page, None, True, 1.0, angle)
