"""Output profiles (输出规格): what a page must look like for the platform, and fitting pages to them.

A profile is data: the output format, the pixel bounds, the byte cap and the colour mode. The
bounds are orientation-free: "640×480 to 1600×1200" lets a portrait page be 1200×1600 as well,
so an A4 page keeps its ~137 dpi instead of shrinking to 848×1200 (imaging.md §3.3).

A byte cap is counted in bytes, and "KB" on screen means 1,000 bytes: 90 KB is set as 90,000,
which also satisfies a platform that means 92,160 (imaging.md §3.3, open question).

Guarantees: :func:`fit_to_profile` never returns more bytes than the cap (it checks after
encoding, since no encoder promises a size) and never goes below the minimum pixel bounds; when
it cannot meet both it raises :class:`ValidationError` with a Chinese message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from app.errors import ValidationError

Image = NDArray[np.uint8]
OutputFormat = Literal["jpeg", "pdf", "ofd"]
ColourMode = Literal["color", "gray"]

#: Page formats a page may be stored in, as written to Page.format.
FORMAT_LABELS = {"jpeg": "JPEG", "png": "PNG", "pdf": "PDF", "ofd": "OFD"}

# The search range of JPEG quality: above 95 bytes grow fast for nothing, below 20 text smears.
QUALITY_MAX = 95
QUALITY_MIN = 20
# Pages with more than this share of clearly coloured pixels (Lab chroma > 20) stay in colour:
# a red seal must stay red (imaging.md §2.3, FairScan's isColoredDocument rule).
_CHROMA_THRESHOLD = 20.0
_COLOUR_SHARE = 0.001
_COLOUR_TEST_SIDE = 800


@dataclass(frozen=True)
class OutputProfile:
    """输出规格: the form every page of a case must take for one destination.

    ``min_w``×``min_h`` and ``max_w``×``max_h`` are read orientation-free (long side against the
    larger number). ``max_bytes`` is per page. ``color`` "gray" forces greyscale; "color" keeps
    colour only where the page has some.
    """

    key: str
    name: str
    format: OutputFormat
    min_w: int
    min_h: int
    max_w: int
    max_h: int
    max_bytes: int
    color: ColourMode

    @property
    def accepted_formats(self) -> frozenset[str]:
        """Page formats that can go out under this profile as they are."""
        if self.format == "jpeg":
            return frozenset({"jpeg"})
        if self.format == "pdf":
            return frozenset({"jpeg", "png", "pdf"})
        return frozenset({"jpeg", "png"})  # OFD embeds page images

    @property
    def long_bounds(self) -> tuple[int, int]:
        return max(self.min_w, self.min_h), max(self.max_w, self.max_h)

    @property
    def short_bounds(self) -> tuple[int, int]:
        return min(self.min_w, self.min_h), min(self.max_w, self.max_h)


PROFILES: dict[str, OutputProfile] = {
    p.key: p
    for p in (
        # The upload rule of the Dangyang (当阳) platform seed: JPEG, 640×480..1600×1200, ≤ 90 KB.
        OutputProfile(
            key="platform_jpeg_90k",
            name="平台上传 JPEG（640×480～1600×1200，不超过 90 KB）",
            format="jpeg",
            min_w=640,
            min_h=480,
            max_w=1600,
            max_h=1200,
            max_bytes=90_000,
            color="color",
        ),
        # A4 pages printed or archived as PDF: 150 to 300 dpi, 1 MB per page.
        OutputProfile(
            key="a4_pdf",
            name="A4 PDF（150～300 dpi，每页不超过 1 MB）",
            format="pdf",
            min_w=1240,
            min_h=1754,
            max_w=2480,
            max_h=3508,
            max_bytes=1_000_000,
            color="color",
        ),
    )
}

DEFAULT_PROFILE_KEY = "platform_jpeg_90k"


@dataclass(frozen=True)
class PageVerdict:
    """页面检查结果: whether a page meets the profile, and a short Chinese line saying so."""

    ok: bool
    message: str


def size_label(size: int) -> str:
    """Bytes as the clerk reads them: "86 KB", rounded up so a page over the cap never reads as equal."""
    if size >= 1_000_000:
        mb = math.ceil(size / 100_000) / 10
        return f"{mb:g} MB"
    return f"{math.ceil(size / 1000)} KB"


def _oriented(long_side: int, short_side: int, portrait: bool) -> str:
    return f"{short_side}×{long_side}" if portrait else f"{long_side}×{short_side}"


def check_page(width: int, height: int, size: int, fmt: str, profile: OutputProfile) -> PageVerdict:
    """Check one page against ``profile``: format, pixel bounds (either orientation) and byte cap.

    PDF pages carry no pixel size (0×0 is passed) and are checked for format and bytes only.
    """
    fmt = "jpeg" if fmt.lower() in ("jpg", "jpeg") else fmt.lower()
    problems: list[str] = []
    if fmt not in profile.accepted_formats:
        wanted = "、".join(FORMAT_LABELS[f] for f in sorted(profile.accepted_formats))
        problems.append(
            f"格式不符：{FORMAT_LABELS.get(fmt, fmt.upper())}，应为 {wanted}，请重新拍摄或导入图片"
        )
    if fmt != "pdf":
        long_side, short_side = max(width, height), min(width, height)
        portrait = height > width
        (long_min, long_max), (short_min, short_max) = profile.long_bounds, profile.short_bounds
        if long_side < long_min or short_side < short_min:
            problems.append(
                f"像素不足：{width}×{height}，至少 {_oriented(long_min, short_min, portrait)}，"
                "请靠近重拍或提高扫描分辨率"
            )
        elif long_side > long_max or short_side > short_max:
            problems.append(
                f"像素过大：{width}×{height}，最大 {_oriented(long_max, short_max, portrait)}，请压缩后使用"
            )
    if size > profile.max_bytes:
        problems.append(
            f"过大：{size_label(size)}，超过 {size_label(profile.max_bytes)}，请压缩后使用或降低分辨率重拍"
        )
    if problems:
        return PageVerdict(False, "；".join(problems))
    shape = "PDF" if fmt == "pdf" else f"{width}×{height}"
    return PageVerdict(True, f"合格：{shape}，{size_label(size)}")


# --- Fitting a page into a profile ------------------------------------------------------------


def as_image(array: object) -> Image:
    """An OpenCV result as a typed uint8 array (OpenCV's stubs only promise a generic array)."""
    return np.asarray(array, dtype=np.uint8)


def _normalised(image: Image) -> Image:
    """A BGR or greyscale uint8 image; transparency goes onto white (a PNG with alpha)."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit image, got {image.dtype}")
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return np.ascontiguousarray(image[:, :, 0])
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        blended = image[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        return as_image(np.clip(blended + 0.5, 0, 255))
    raise ValueError(f"unsupported image shape {image.shape}")


def has_colour(image: Image) -> bool:
    """True when the page shows colour worth keeping (a seal, a photo), judged on a small copy."""
    if image.ndim == 2:
        return False
    h, w = image.shape[:2]
    scale = min(1.0, _COLOUR_TEST_SIDE / max(h, w))
    small = image
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = as_image(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32)
    chroma = np.hypot(lab[:, :, 1] - 128.0, lab[:, :, 2] - 128.0)
    coloured = int(np.count_nonzero(chroma > _CHROMA_THRESHOLD))
    return coloured > _COLOUR_SHARE * int(chroma.size)


def encode_jpeg(image: Image, quality: int) -> bytes:
    """One JPEG encode with optimised Huffman tables at 4:2:0 (the cheap wins of imaging.md §3.2)."""
    params = [
        cv2.IMWRITE_JPEG_QUALITY,
        int(quality),
        cv2.IMWRITE_JPEG_OPTIMIZE,
        1,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
    ]
    ok, buf = cv2.imencode(".jpg", image, params)
    if not ok:
        raise ValueError("cv2.imencode could not encode the page as JPEG")
    return bytes(buf.tobytes())


def encode_jpeg_within(image: Image, max_bytes: int, *, quality_max: int = QUALITY_MAX) -> bytes | None:
    """The best-quality JPEG of ``image`` no larger than ``max_bytes``, or None if even q20 is larger.

    Binary search over quality (about 7 encodes): bytes grow with quality, so the highest quality
    that fits is found without trying them all.
    """
    best = encode_jpeg(image, quality_max)
    if len(best) <= max_bytes:
        return best
    floor = encode_jpeg(image, QUALITY_MIN)
    if len(floor) > max_bytes:
        return None
    best, lo, hi = floor, QUALITY_MIN + 1, quality_max - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        data = encode_jpeg(image, mid)
        if len(data) <= max_bytes:
            best, lo = data, mid + 1
        else:
            hi = mid - 1
    return best


def _target_size(width: int, height: int, scale: float, profile: OutputProfile) -> tuple[int, int]:
    """Pixel size after scaling, nudged into the bounds (rounding may miss them by one pixel)."""
    (long_min, long_max), (short_min, short_max) = profile.long_bounds, profile.short_bounds
    new_w, new_h = round(width * scale), round(height * scale)
    if new_w >= new_h:
        return min(max(new_w, long_min), long_max), min(max(new_h, short_min), short_max)
    return min(max(new_w, short_min), short_max), min(max(new_h, long_min), long_max)


def fit_to_profile(image_bgr: Image, profile: OutputProfile) -> bytes:
    """Scale ``image_bgr`` into the profile's pixel bounds and encode a JPEG within its byte cap.

    Keeps the aspect ratio; colour only when the page has colour (or greyscale when the profile
    says so). If quality 20 is still too big, the page is scaled down further, never below the
    minimum bounds. Raises ValidationError (Chinese) when the page is smaller than the minimum,
    too long and narrow to fit the bounds, or too detailed to meet the cap at the minimum size.
    """
    image = _normalised(image_bgr)
    if image.ndim == 3 and (profile.color == "gray" or not has_colour(image)):
        image = as_image(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    height, width = image.shape[:2]
    long_side, short_side = max(width, height), min(width, height)
    (long_min, long_max), (short_min, short_max) = profile.long_bounds, profile.short_bounds
    portrait = height > width
    if long_side < long_min or short_side < short_min:
        raise ValidationError(
            f"图像只有 {width}×{height} 像素，小于要求的 {_oriented(long_min, short_min, portrait)}。"
            "请把材料放近一些重拍，或提高扫描分辨率。",
            field="page",
        )
    scale = min(1.0, long_max / long_side, short_max / short_side)
    min_scale = max(long_min / long_side, short_min / short_side)
    if scale < min_scale:
        raise ValidationError(
            f"图像 {width}×{height} 过于细长，缩放后无法同时满足 {long_min}×{short_min} 至 "
            f"{long_max}×{short_max} 的像素要求。请裁掉多余的边缘后重拍，或分成几页拍摄。",
            field="page",
        )
    while True:
        new_w, new_h = _target_size(width, height, scale, profile)
        resized = image
        if (new_w, new_h) != (width, height):
            resized = as_image(cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA))
        data = encode_jpeg_within(resized, profile.max_bytes)
        if data is not None:
            if len(data) > profile.max_bytes:  # the encoder promised nothing; check, never trust
                raise AssertionError(f"JPEG of {len(data)} bytes exceeds the cap of {profile.max_bytes}")
            return data
        if scale <= min_scale:
            raise ValidationError(
                f"这页内容过于复杂，缩小到最小尺寸 {new_w}×{new_h} 后仍超过 {size_label(profile.max_bytes)}。"
                "请在光线均匀处重拍（避免阴影和杂乱背景），或改用扫描仪。",
                field="page",
            )
        # JPEG bytes grow roughly with the pixel count: shrink the area by the overshoot, with margin.
        overshoot = len(encode_jpeg(resized, QUALITY_MIN)) / profile.max_bytes
        scale = max(min_scale, scale * min(0.9, 0.95 / math.sqrt(overshoot)))
