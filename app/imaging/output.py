"""Output files (输出文件): a page fitted to a profile as JPEG bytes, and pages as an A4 PDF.

Fitting (imaging.md §3.5): decide colour vs grey on the page itself (a red seal keeps colour),
scale into the profile's pixel bounds (INTER_AREA for real reductions, INTER_CUBIC for slight
ones), binary-search the JPEG quality with optimised Huffman tables at 4:2:0, and measure the
bytes afterwards. When quality 20 is still too big the
page is scaled down further, never below the minimum bounds. The result is always within the byte
cap, or a :class:`ValidationError` says in Chinese what the clerk should do.

DPI: OpenCV writes JPEGs without a resolution, so a PDF built from them comes out at 96 dpi and
oversized (imaging.md §2.5). Every fitted JPEG carries its DPI in the JFIF header (the profile's, or
derived so the page measures A4), patched in place without re-encoding or changing the size.

PDF: img2pdf embeds each JPEG as it is (DCTDecode passthrough, no re-encoding), on A4 pages.
"""

from __future__ import annotations

import logging
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import img2pdf

from app.errors import ValidationError
from app.imaging.profiles import (
    Bounds,
    Image,
    OutputProfile,
    PageVerdict,
    as_image,
    check_page,
    has_colour,
    normalised,
    search_quality,
    size_label,
)

log = logging.getLogger(__name__)

A4_MM = (210.0, 297.0)
MM_PER_INCH = 25.4
POINTS_PER_INCH = 72.0
A4_PT = (A4_MM[0] / MM_PER_INCH * POINTS_PER_INCH, A4_MM[1] / MM_PER_INCH * POINTS_PER_INCH)

_SOI = b"\xff\xd8"
# SOF markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})


@dataclass(frozen=True)
class FittedPage:
    """一页输出图像: JPEG bytes within the profile, with what the clerk sees about it.

    ``quality`` is the JPEG quality found (0 when a ready JPEG was kept as it was); ``dpi`` the
    density written into it (0 when unknown).
    """

    data: bytes
    width: int
    height: int
    size: int
    quality: int
    verdict: PageVerdict
    colour: bool
    dpi: int

    def as_dict(self) -> dict[str, object]:
        return {
            "bytes": self.size,
            "width": self.width,
            "height": self.height,
            "quality": self.quality,
            "colour": self.colour,
            "dpi": self.dpi,
            "ok": self.verdict.ok,
            "verdict": self.verdict.message,
        }


class JpegInfo(NamedTuple):
    """What a JPEG header says: pixel size, colour components, JFIF density (None when unset) and
    whether it is baseline (sequential Huffman, what every platform validator reads)."""

    width: int
    height: int
    components: int
    dpi: tuple[float, float] | None
    baseline: bool = True


def a4_dpi(width: int, height: int) -> int:
    """The DPI at which a ``width``×``height`` image just fits an A4 sheet (turned to match)."""
    long_px, short_px = max(width, height), min(width, height)
    long_in, short_in = A4_MM[1] / MM_PER_INCH, A4_MM[0] / MM_PER_INCH
    return max(1, round(max(long_px / long_in, short_px / short_in)))


def jpeg_info(data: bytes) -> JpegInfo:
    """Read a JPEG's header (SOF and JFIF APP0) without decoding it; ValidationError if it is not one."""
    if not data.startswith(_SOI):
        raise ValidationError("文件不是 JPEG 图像。请重新导出为 JPEG 后再试。", field="page")
    dpi: tuple[float, float] | None = None
    pos = 2
    try:
        while True:
            if data[pos] != 0xFF:
                break
            while data[pos] == 0xFF:  # fill bytes may pad a marker
                pos += 1
            marker = data[pos]
            pos += 1
            if marker in _STANDALONE_MARKERS:
                continue
            if marker == 0xDA:  # start of scan before any frame header
                break
            (length,) = struct.unpack(">H", data[pos : pos + 2])
            segment = data[pos + 2 : pos + length]
            if marker == 0xE0 and segment.startswith(b"JFIF\x00") and len(segment) >= 12:
                units = segment[7]
                x_density, y_density = struct.unpack(">HH", segment[8:12])
                if units in (1, 2) and x_density and y_density:
                    factor = 2.54 if units == 2 else 1.0  # units 2 = dots per cm
                    dpi = (x_density * factor, y_density * factor)
            elif marker in _SOF_MARKERS:
                height, width = struct.unpack(">HH", segment[1:5])
                return JpegInfo(width, height, segment[5], dpi, marker in (0xC0, 0xC1))
            pos += length
    except (IndexError, struct.error):
        pass
    raise ValidationError("JPEG 文件已损坏或不完整（找不到图像尺寸）。请重新拍摄或导出。", field="page")


def set_jfif_dpi(data: bytes, dpi: int) -> bytes:
    """``data`` with its JFIF density set to ``dpi`` dots per inch, image data untouched.

    The JFIF APP0 segment OpenCV writes is patched in place (same length); a JPEG without one gets
    a standard 18-byte APP0 after SOI.
    """
    if not data.startswith(_SOI):
        raise ValidationError("文件不是 JPEG 图像。请重新导出为 JPEG 后再试。", field="page")
    if not 1 <= dpi <= 0xFFFF:
        raise ValueError(f"dpi out of range: {dpi}")
    density = struct.pack(">BHH", 1, dpi, dpi)
    if data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\x00" and struct.unpack(">H", data[4:6])[0] >= 16:
        return data[:13] + density + data[18:]
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x01\x01" + density + b"\x00\x00"
    return data[:2] + app0 + data[2:]


def _scaled(width: int, height: int, scale: float, b: Bounds) -> tuple[int, int]:
    """Pixel size after scaling, nudged into the bounds (rounding may miss them by one pixel)."""
    new_w = min(max(round(width * scale), b.min_w), b.max_w)
    new_h = min(max(round(height * scale), b.min_h), b.max_h)
    return new_w, new_h


# Below this scale INTER_AREA's averaging pays: it keeps fine strokes from aliasing and averages
# scanner noise away (a 200 dpi scan to 1145×1600, scale 0.66: SSIM to the flat truth 0.698
# against 0.692 with INTER_CUBIC). Above it INTER_AREA only blurs a page that is barely reduced
# (a 5 MP camera page to 1131×1600, scale 0.96: 0.935 against 0.941; to 848×1200, scale 0.72:
# 0.938 against 0.948), all at the same byte cap, measured with bench/imaging.py.
_AREA_BELOW_SCALE = 0.7


def resize_to(image: Image, width: int, height: int) -> Image:
    """``image`` scaled to ``width``×``height`` the way pages are fitted (see _AREA_BELOW_SCALE)."""
    if image.shape[1] == width and image.shape[0] == height:
        return image
    scale = width / image.shape[1]
    interpolation = cv2.INTER_AREA if scale < _AREA_BELOW_SCALE else cv2.INTER_CUBIC
    return as_image(cv2.resize(image, (width, height), interpolation=interpolation))


def fit_page(image: Image, profile: OutputProfile, *, colour: bool | None = None) -> FittedPage:
    """Scale ``image`` into the profile's pixel bounds and encode a JPEG within its byte cap.

    Keeps the aspect ratio; keeps colour only when the page has some (``colour`` overrides the
    test when the pipeline already decided) and the profile allows it. If quality 20 is still too
    big, the page is scaled down further, never below the minimum bounds. Raises ValidationError
    (Chinese) when the page is smaller than the minimum, too long and narrow for the bounds, or too
    detailed to meet the cap at the minimum size. The JPEG carries its DPI.
    """
    page = normalised(image)
    keep_colour = False
    if page.ndim == 3:
        keep_colour = profile.color == "color" and (has_colour(page) if colour is None else colour)
        if not keep_colour:
            page = as_image(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY))
    height, width = page.shape[:2]
    b = profile.bounds_for(width, height)
    if width < b.min_w or height < b.min_h:
        raise ValidationError(
            f"图像只有 {width}×{height} 像素，小于要求的 {b.min_w}×{b.min_h}。"
            "请把材料放近一些重拍，或提高扫描分辨率。",
            field="page",
        )
    scale = min(1.0, b.max_w / width, b.max_h / height)
    min_scale = max(b.min_w / width, b.min_h / height)
    if scale < min_scale:
        raise ValidationError(
            f"图像 {width}×{height} 过于细长，缩放后无法同时满足 {b.min_w}×{b.min_h} 至 "
            f"{b.max_w}×{b.max_h} 的像素要求。请裁掉多余的边缘后重拍，或分成几页拍摄。",
            field="page",
        )
    cap = profile.max_bytes
    while True:
        new_w, new_h = _scaled(width, height, scale, b)
        resized = resize_to(page, new_w, new_h)
        found = search_quality(resized, cap)
        if found.data is not None:
            break
        if scale <= min_scale:
            raise ValidationError(
                f"这页内容过于复杂，缩小到最小尺寸 {new_w}×{new_h} 后仍超过 {size_label(cap)}。"
                "请在光线均匀处重拍（避免阴影和杂乱背景），或改用扫描仪。",
                field="page",
            )
        # JPEG bytes grow roughly with the pixel count: shrink the area by the overshoot, with margin.
        overshoot = found.floor_size / cap
        scale = max(min_scale, scale * min(0.9, 0.95 / math.sqrt(overshoot)))
    dpi = profile.dpi or a4_dpi(new_w, new_h)
    data = set_jfif_dpi(found.data, dpi)
    if len(data) > cap:  # never trust an encoder with a size: measure, and refuse rather than exceed
        log.error("fitted JPEG of %d bytes exceeds the cap of %d", len(data), cap)
        raise ValidationError(
            f"压缩后仍有 {size_label(len(data))}，超过 {size_label(cap)}。请降低分辨率重拍。", field="page"
        )
    verdict = check_page(new_w, new_h, len(data), "jpeg", profile)
    return FittedPage(data, new_w, new_h, len(data), found.quality, verdict, keep_colour, dpi)


def pages_to_pdf(jpegs: Sequence[bytes], *, a4: bool = True, title: str | None = None) -> bytes:
    """A PDF with one page per JPEG, each embedded byte for byte (img2pdf, no re-encoding).

    ``a4``: every page is an A4 sheet (turned landscape for landscape images) with the image fitted
    in; otherwise the page size comes from each JPEG's DPI.
    """
    if not jpegs:
        raise ValidationError("没有可以写入 PDF 的页面。请先添加材料页。", field="pages")
    for number, data in enumerate(jpegs, start=1):
        try:
            jpeg_info(data)
        except ValidationError as exc:
            raise ValidationError(f"第 {number} 页：{exc}", field="pages") from exc
    layout = img2pdf.get_layout_fun(A4_PT, auto_orient=True) if a4 else img2pdf.default_layout_fun
    return bytes(
        img2pdf.convert(list(jpegs), layout_fun=layout, title=title or None, creator="YiChuang 一窗")
    )
