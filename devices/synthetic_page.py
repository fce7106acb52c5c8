"""Synthetic document pages (合成材料页) for the simulated camera and scanner.

A believable stand-in for a scanned form: a heading, lines of "words" in dark ink and a red round
seal (公章) overlapping the text, as on real certificates. Deterministic for a given seed so tests
and demos see the same page every time. Not a real document and contains no personal data.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

BGRImage = NDArray[np.uint8]

PAPER_BGR = (243, 245, 246)
INK_BGR = (45, 40, 38)
SEAL_BGR = (40, 35, 205)


def _draw_text_lines(page: BGRImage, rng: np.random.Generator, top: int, bottom: int) -> None:
    height, width = page.shape[:2]
    margin = width // 9
    line_height = max(6, height // 46)
    glyph_height = max(3, int(line_height * 0.45))
    y = top
    while y + glyph_height < bottom:
        x = margin + (2 * glyph_height if rng.random() < 0.25 else 0)  # paragraph indent
        end = width - margin - (int(rng.integers(0, width // 3)) if rng.random() < 0.2 else 0)
        while x < end:
            word = int(rng.integers(2, 7)) * glyph_height
            x2 = min(x + word, end)
            cv2.rectangle(page, (x, y), (x2, y + glyph_height), INK_BGR, thickness=-1)
            x = x2 + max(2, glyph_height // 2)
        y += line_height


def _draw_seal(page: BGRImage, centre: tuple[int, int], radius: int) -> None:
    thickness = max(2, radius // 14)
    cv2.circle(page, centre, radius, SEAL_BGR, thickness, lineType=cv2.LINE_AA)
    # Five-pointed star in the middle, as on an official seal.
    star_radius = radius * 0.32
    points = []
    for i in range(10):
        r = star_radius if i % 2 == 0 else star_radius * 0.4
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((centre[0] + r * math.cos(angle), centre[1] + r * math.sin(angle)))
    cv2.fillPoly(page, [np.array(points, dtype=np.int32)], SEAL_BGR, lineType=cv2.LINE_AA)
    # Arc of "characters" along the rim.
    for i in range(14):
        angle = math.radians(200 + i * 10)
        x = int(centre[0] + radius * 0.72 * math.cos(angle))
        y = int(centre[1] + radius * 0.72 * math.sin(angle))
        size = max(2, radius // 12)
        cv2.rectangle(page, (x - size, y - size), (x + size, y + size), SEAL_BGR, thickness=-1)


def draw_document_page(
    width: int, height: int, *, page_number: int | None = None, seal: bool = True, seed: int = 0
) -> BGRImage:
    """A BGR page ``height`` × ``width``: heading, body text, optional seal and page number."""
    if width < 64 or height < 64:
        raise ValueError(f"page {width}x{height} is too small to draw on")
    rng = np.random.default_rng(seed)
    page = np.empty((height, width, 3), dtype=np.uint8)
    page[:] = PAPER_BGR
    heading_height = max(6, height // 36)
    heading_width = width // 3
    heading_top = height // 12
    cv2.rectangle(
        page,
        ((width - heading_width) // 2, heading_top),
        ((width + heading_width) // 2, heading_top + heading_height),
        INK_BGR,
        thickness=-1,
    )
    _draw_text_lines(page, rng, heading_top + 3 * heading_height, int(height * 0.82))
    if seal:
        radius = max(12, width // 9)
        _draw_seal(page, (int(width * 0.68), int(height * 0.76)), radius)
    if page_number is not None:
        label = f"- {page_number} -"
        scale = max(0.5, height / 1400)
        thickness = max(1, int(scale * 2))
        (text_width, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        origin = ((width - text_width) // 2, int(height * 0.94))
        cv2.putText(page, label, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, INK_BGR, thickness, cv2.LINE_AA)
    return page


def place_on_desk(page: BGRImage, width: int, height: int, *, angle_deg: float = 3.0) -> BGRImage:
    """``page`` lying slightly rotated on a dark desk, lit unevenly, as a document camera sees it.

    The page is scaled to fill about 88 % of the frame height.
    """
    y, x = np.mgrid[0:height, 0:width]
    desk = np.empty((height, width, 3), dtype=np.float32)
    shade = 1.0 - 0.25 * (y / height)
    for channel, base in enumerate((58.0, 66.0, 78.0)):  # dark brown-grey desk, BGR
        desk[..., channel] = base * shade
    scale = 0.88 * height / page.shape[0]
    centre = (page.shape[1] / 2, page.shape[0] / 2)
    matrix = cv2.getRotationMatrix2D(centre, angle_deg, scale)
    matrix[0, 2] += width / 2 - centre[0]
    matrix[1, 2] += height / 2 - centre[1]
    warped = cv2.warpAffine(page, matrix, (width, height), flags=cv2.INTER_AREA)
    mask = cv2.warpAffine(np.ones(page.shape[:2], dtype=np.float32), matrix, (width, height))
    frame = desk * (1.0 - mask[..., None]) + warped.astype(np.float32) * mask[..., None]
    # A lamp on the left: the right side of the frame is a little darker (a soft shadow).
    frame *= (1.0 - 0.12 * (x / width))[..., None]
    result: BGRImage = np.clip(frame, 0, 255).astype(np.uint8)
    return result
