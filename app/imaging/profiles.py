"""Output profiles (输出规格): what a page must look like for the platform, and checking pages against them.

A profile is data (app/imaging/profiles.json): the output format (JPEG, PDF, OFD), the pixel
bounds, the byte cap, the DPI, the colour mode, the file naming pattern and how a case's pages are
grouped (a zip or a folder per material category, or one PDF/OFD document per category). The first
built-in profile, ``jpg-90k``, is the Dangyang (当阳) upload rule: JPEG, A4 page between 640×480 and
1600×1200 pixels, at most 90 KB, pages in paper order, one folder per project, zipped per category.

Bounds: with ``orientation_agnostic`` on (the built-in ``jpg-90k``), "640×480 to 1600×1200" is
read as long side against the larger number, so a portrait A4 page may be 1131×1600 (~137 dpi);
off, it is read literally (width ≤ 1600, height ≤ 1200) and a portrait A4 page becomes 848×1200
(imaging.md §3.3, an open question for the platform: ``jpg-90k-literal`` is that reading).

A byte cap is counted in bytes, and "KB" on screen means 1,000 bytes: 90 KB is set as 90,000,
which also satisfies a platform that means 92,160 (imaging.md §3.3, open question).

Fitting a page into a profile lives in :mod:`app.imaging.output`; the JPEG encoding primitives
(quality search with optimised Huffman tables at 4:2:0) stay here because older callers import
them from this module.
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args

import cv2
import numpy as np
from numpy.typing import NDArray

from app.errors import ConfigError

Image = NDArray[np.uint8]
OutputFormat = Literal["jpeg", "pdf", "ofd"]
ColourMode = Literal["color", "gray"]
#: How one material category's output sits in the project folder: a zip of its files, a
#: folder of them, or (PDF/OFD only) the category's single document file.
Grouping = Literal["zip", "folder", "file"]

#: Page formats a page may be stored in, as written to Page.format.
FORMAT_LABELS = {"jpeg": "JPEG", "png": "PNG", "pdf": "PDF", "ofd": "OFD"}
#: File name extension of each output format.
EXTENSIONS = {"jpeg": "jpg", "pdf": "pdf", "ofd": "ofd"}

BUILTIN_PROFILES_FILE = Path(__file__).with_name("profiles.json")

# The search range of JPEG quality: above 95 bytes grow fast for nothing, below 20 text smears.
QUALITY_MAX = 95
QUALITY_MIN = 20
# Pages with more than this share of clearly coloured pixels (Lab chroma > 20) stay in colour:
# a red seal must stay red (imaging.md §2.3, FairScan's isColoredDocument rule).
_CHROMA_THRESHOLD = 20.0
_COLOUR_SHARE = 0.001
_COLOUR_TEST_SIDE = 800

_DEFAULT_FILE_PATTERN = "{category_no:02d}_{category}_{page_no:03d}"
_DEFAULT_GROUP_PATTERN = "{category_no:02d}_{category}"
_GROUP_FIELDS = frozenset({"project", "category_no", "category"})
_FILE_FIELDS = _GROUP_FIELDS | {"page_no"}
_SAMPLE = {"project": "项目", "category_no": 1, "category": "身份证", "page_no": 1}


class Bounds(NamedTuple):
    """Pixel bounds for one page in its own orientation (width and height limits)."""

    min_w: int
    min_h: int
    max_w: int
    max_h: int


@dataclass(frozen=True)
class OutputProfile:
    """输出规格: the form every page of a case must take for one destination.

    ``min_w``×``min_h`` to ``max_w``×``max_h`` bound the page image; with ``orientation_agnostic``
    they are read long side against the larger number, otherwise literally (width, height).
    ``max_bytes`` is per page image. ``color`` "gray" forces greyscale; "color" keeps colour only
    where the page has some. ``dpi`` is written into each JPEG (None: derived so the page measures
    A4). ``file_pattern`` names page files, ``group_pattern`` names a category's zip, folder or
    document; ``grouping`` says which of the three a category becomes.
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
    orientation_agnostic: bool = True
    dpi: int | None = None
    file_pattern: str = _DEFAULT_FILE_PATTERN
    group_pattern: str = _DEFAULT_GROUP_PATTERN
    grouping: Grouping = "zip"
    aliases: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        def bad(what: str) -> ConfigError:
            return ConfigError(
                f"输出规格“{self.key}”的{what}。请检查规格文件。", key=f"imaging.profiles.{self.key}"
            )

        if self.format not in get_args(OutputFormat):
            raise bad(f"格式“{self.format}”无效，应为 jpeg、pdf 或 ofd")
        if self.color not in get_args(ColourMode):
            raise bad(f"颜色模式“{self.color}”无效，应为 color 或 gray")
        if not 0 < self.min_w <= self.max_w or not 0 < self.min_h <= self.max_h:
            raise bad(
                f"像素范围 {self.min_w}×{self.min_h}～{self.max_w}×{self.max_h} 无效（最小值须大于 0 且不大于最大值）"
            )
        if self.max_bytes < 1000:
            raise bad(f"单页大小上限 {self.max_bytes} 字节过小（至少 1000 字节）")
        if self.dpi is not None and not 50 <= self.dpi <= 1200:
            raise bad(f"分辨率 {self.dpi} dpi 无效（应在 50 到 1200 之间，或不填以按 A4 推算）")
        if self.grouping not in get_args(Grouping):
            raise bad(f"分组方式“{self.grouping}”无效，应为 zip、folder 或 file")
        if self.grouping == "file" and self.format == "jpeg":
            raise bad("分组方式 file 只用于 PDF 或 OFD（JPEG 每页一个文件，请用 zip 或 folder）")
        for name, pattern, allowed in (
            ("文件命名规则", self.file_pattern, _FILE_FIELDS),
            ("分组命名规则", self.group_pattern, _GROUP_FIELDS),
        ):
            problem = _pattern_problem(pattern, allowed)
            if problem:
                raise bad(f"{name}“{pattern}”{problem}")

    @property
    def accepted_formats(self) -> frozenset[str]:
        """Page formats that can go out under this profile as they are."""
        if self.format == "jpeg":
            return frozenset({"jpeg"})
        if self.format == "pdf":
            return frozenset({"jpeg", "png", "pdf"})
        return frozenset({"jpeg", "png"})  # OFD embeds page images

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def long_bounds(self) -> tuple[int, int]:
        return max(self.min_w, self.min_h), max(self.max_w, self.max_h)

    @property
    def short_bounds(self) -> tuple[int, int]:
        return min(self.min_w, self.min_h), min(self.max_w, self.max_h)

    def bounds_for(self, width: int, height: int) -> Bounds:
        """The bounds a ``width``×``height`` page must meet, in the page's own orientation."""
        if not self.orientation_agnostic:
            return Bounds(self.min_w, self.min_h, self.max_w, self.max_h)
        (long_min, long_max), (short_min, short_max) = self.long_bounds, self.short_bounds
        if height > width:
            return Bounds(short_min, long_min, short_max, long_max)
        return Bounds(long_min, short_min, long_max, short_max)

    def file_name(self, *, project: str, category_no: int, category: str, page_no: int) -> str:
        """A page file's name, e.g. "01_身份证_001.jpg" under the built-in pattern."""
        stem = self.file_pattern.format(
            project=project, category_no=category_no, category=category, page_no=page_no
        )
        return f"{stem}.{self.extension}"

    def group_name(self, *, project: str, category_no: int, category: str) -> str:
        """A category's zip, folder or document name without extension, e.g. "01_身份证"."""
        return self.group_pattern.format(project=project, category_no=category_no, category=category)

    def summary(self) -> str:
        """One Chinese line with the rules, for lists and help texts."""
        shape = "长边×短边" if self.orientation_agnostic else "宽×高"
        dpi = f"{self.dpi} dpi" if self.dpi else "按 A4 推算 dpi"
        colour = "彩色（无彩色内容时转灰度）" if self.color == "color" else "灰度"
        grouping = {"zip": "每类材料一个压缩包", "folder": "每类材料一个文件夹", "file": "每类材料一个文件"}
        return (
            f"{FORMAT_LABELS[self.format]}，{shape} {self.min_w}×{self.min_h}～{self.max_w}×{self.max_h}，"
            f"每页不超过 {size_label(self.max_bytes)}（{self.max_bytes} 字节），{dpi}，{colour}，"
            f"{grouping[self.grouping]}"
        )


def _pattern_problem(pattern: str, allowed: frozenset[str]) -> str | None:
    """Why a naming pattern is unusable (unknown field, attribute access, bad format), or None."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        return f"写法有误（{exc}）"
    for name in fields:
        if name not in allowed:
            return f"含有不认识的字段“{{{name}}}”，可用：" + "、".join("{" + f + "}" for f in sorted(allowed))
    try:
        rendered = pattern.format(**_SAMPLE)
    except (ValueError, TypeError) as exc:
        return f"格式写法有误（{exc}）"
    if not rendered.strip() or any(c in rendered for c in '/\\:*?"<>|'):
        return "生成的名称为空或含有不能用于文件名的字符"
    return None


# --- The profile table ------------------------------------------------------------------------


class ProfileTable(Mapping[str, OutputProfile]):
    """Profiles by key; old keys (aliases) still find their profile but are not listed again."""

    def __init__(self, profiles: list[OutputProfile]) -> None:
        self._by_key: dict[str, OutputProfile] = {}
        self._aliases: dict[str, str] = {}
        for p in profiles:
            if p.key in self._by_key or p.key in self._aliases:
                raise ConfigError(f"输出规格名称“{p.key}”重复。请检查规格文件。", key="imaging.profiles")
            self._by_key[p.key] = p
        for p in profiles:
            for alias in p.aliases:
                if alias in self._by_key or alias in self._aliases:
                    raise ConfigError(f"输出规格别名“{alias}”重复。请检查规格文件。", key="imaging.profiles")
                self._aliases[alias] = p.key

    def __getitem__(self, key: str) -> OutputProfile:
        return self._by_key[self._aliases.get(key, key)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def require(self, key: str) -> OutputProfile:
        """The profile named ``key`` (or an alias), or a ConfigError listing the known ones."""
        try:
            return self[key]
        except KeyError:
            known = "、".join(self._by_key)
            raise ConfigError(
                f"没有名为“{key}”的输出规格，可用的有：{known}。", key="imaging.profile"
            ) from None


def _int_pair(raw: dict[str, Any], name: str, key: str) -> tuple[int, int]:
    value = raw.get(name)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise ConfigError(
            f"输出规格“{key}”的 {name} 应为两个整数，如 [640, 480]。", key=f"imaging.profiles.{key}"
        )
    return value[0], value[1]


def profile_from_dict(raw: dict[str, Any]) -> OutputProfile:
    """One profile from its JSON object (the form used in profiles.json)."""
    key = raw.get("key")
    if not isinstance(key, str) or not key.strip():
        raise ConfigError("规格文件中有一项缺少名称（key）。", key="imaging.profiles")
    known = {
        "key", "aliases", "name", "source", "format", "min_px", "max_px", "orientation_agnostic",
        "max_bytes", "dpi", "color", "file_pattern", "group_pattern", "grouping",
    }  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"输出规格“{key}”含有不认识的项：{'、'.join(unknown)}。请检查拼写。",
            key=f"imaging.profiles.{key}",
        )
    min_w, min_h = _int_pair(raw, "min_px", key)
    max_w, max_h = _int_pair(raw, "max_px", key)
    max_bytes, dpi = raw.get("max_bytes"), raw.get("dpi")
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool):
        raise ConfigError(
            f"输出规格“{key}”的 max_bytes 应为整数字节数，如 90000。", key=f"imaging.profiles.{key}"
        )
    if dpi is not None and (not isinstance(dpi, int) or isinstance(dpi, bool)):
        raise ConfigError(f"输出规格“{key}”的 dpi 应为整数或 null。", key=f"imaging.profiles.{key}")
    return OutputProfile(
        key=key,
        name=str(raw.get("name", key)),
        format=raw.get("format", "jpeg"),
        min_w=min_w,
        min_h=min_h,
        max_w=max_w,
        max_h=max_h,
        max_bytes=max_bytes,
        color=raw.get("color", "color"),
        orientation_agnostic=bool(raw.get("orientation_agnostic", True)),
        dpi=dpi,
        file_pattern=str(raw.get("file_pattern", _DEFAULT_FILE_PATTERN)),
        group_pattern=str(raw.get("group_pattern", _DEFAULT_GROUP_PATTERN)),
        grouping=raw.get("grouping", "zip"),
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        source=str(raw.get("source", "")),
    )


def load_profiles(path: Path = BUILTIN_PROFILES_FILE) -> tuple[ProfileTable, str]:
    """The profiles in a JSON file (default: the built-in ones) and the key of its default profile."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"无法读取输出规格文件 {path}（{exc.strerror}）。", key="imaging.profiles") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"输出规格文件 {path} 不是有效的 JSON（第 {exc.lineno} 行）。请检查格式。", key="imaging.profiles"
        ) from exc
    items = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"输出规格文件 {path} 中没有 profiles 列表。", key="imaging.profiles")
    table = ProfileTable([profile_from_dict(i) for i in items])
    default = data.get("default", next(iter(table)))
    table.require(str(default))
    return table, table[str(default)].key


PROFILES, DEFAULT_PROFILE_KEY = load_profiles()


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


def check_page(width: int, height: int, size: int, fmt: str, profile: OutputProfile) -> PageVerdict:
    """Check one page against ``profile``: format, pixel bounds and byte cap.

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
        b = profile.bounds_for(width, height)
        if width < b.min_w or height < b.min_h:
            problems.append(
                f"像素不足：{width}×{height}，至少 {b.min_w}×{b.min_h}，请靠近重拍或提高扫描分辨率"
            )
        elif width > b.max_w or height > b.max_h:
            problems.append(f"像素过大：{width}×{height}，最大 {b.max_w}×{b.max_h}，请压缩后使用")
    if size > profile.max_bytes:
        problems.append(
            f"过大：{size_label(size)}，超过 {size_label(profile.max_bytes)}，请压缩后使用或降低分辨率重拍"
        )
    if problems:
        return PageVerdict(False, "；".join(problems))
    shape = "PDF" if fmt == "pdf" else f"{width}×{height}"
    return PageVerdict(True, f"合格：{shape}，{size_label(size)}")


# --- JPEG encoding primitives ---------------------------------------------------------------------


def as_image(array: object) -> Image:
    """An OpenCV result as a typed uint8 array (OpenCV's stubs only promise a generic array)."""
    return np.asarray(array, dtype=np.uint8)


def normalised(image: Image) -> Image:
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


class QualitySearch(NamedTuple):
    """The outcome of a quality search: the best JPEG within the cap (None if none) and its quality.

    ``floor_size`` is the size at the lowest quality tried, so a caller can judge how far a page
    that did not fit is from the cap.
    """

    data: bytes | None
    quality: int
    floor_size: int


def search_quality(image: Image, max_bytes: int, *, quality_max: int = QUALITY_MAX) -> QualitySearch:
    """The highest JPEG quality (within QUALITY_MIN..quality_max) whose bytes fit ``max_bytes``.

    Binary search (about 7 encodes): bytes grow with quality, so the highest quality that fits is
    found without trying them all. Every returned JPEG was measured, never estimated.
    """
    best = encode_jpeg(image, quality_max)
    if len(best) <= max_bytes:
        return QualitySearch(best, quality_max, len(best))
    floor = encode_jpeg(image, QUALITY_MIN)
    if len(floor) > max_bytes:
        return QualitySearch(None, QUALITY_MIN, len(floor))
    best_q, lo, hi = QUALITY_MIN, QUALITY_MIN + 1, quality_max - 1
    best = floor
    while lo <= hi:
        mid = (lo + hi) // 2
        data = encode_jpeg(image, mid)
        if len(data) <= max_bytes:
            best, best_q, lo = data, mid, mid + 1
        else:
            hi = mid - 1
    return QualitySearch(best, best_q, len(floor))


def encode_jpeg_within(image: Image, max_bytes: int, *, quality_max: int = QUALITY_MAX) -> bytes | None:
    """The best-quality JPEG of ``image`` no larger than ``max_bytes``, or None if even q20 is larger."""
    return search_quality(image, max_bytes, quality_max=quality_max).data


def fit_to_profile(image_bgr: Image, profile: OutputProfile) -> bytes:
    """The page as JPEG bytes fitted to ``profile`` (see :func:`app.imaging.output.fit_page`)."""
    # Imported here: output builds on this module's profiles, so it cannot be imported at the top.
    from app.imaging.output import fit_page

    return fit_page(image_bgr, profile).data
