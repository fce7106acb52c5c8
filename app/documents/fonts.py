"""The CJK font (中文字体) documents are drawn with, regular and bold.

Found through ``app.doctor.find_cjk_font`` (fontconfig, then the usual folders). A ``.ttc``
collection holds several faces: the Simplified-Chinese one is picked by name, since face 0 of
Noto Sans CJK is the Japanese one and draws some characters (直, 骨, 说) with Japanese shapes.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from app.doctor import find_cjk_font
from app.errors import UserFacingError

log = logging.getLogger(__name__)

NO_FONT_MESSAGE = (
    "找不到中文字体，无法生成小票和通知书。请安装 Noto Sans CJK 字体"
    "（Debian/UOS/麒麟：sudo apt install fonts-noto-cjk）后重新打开程序。"
)
#: Held while drawing: the cached fonts share one FreeType face each, and FreeType faces must not
#: be used from two threads at once (a print op and the preview may render together).
RENDER_LOCK = threading.Lock()

_FACE_PREFERENCE = (" SC", "CN", "GB", " TC", "")  # Simplified Chinese first; any face as a last resort


@dataclass(frozen=True)
class FontFace:
    """A font file and the face inside it; ``synthetic_bold`` means draw strokes thicker."""

    path: Path
    index: int = 0
    synthetic_bold: bool = False


def _face_names(path: Path) -> list[str]:
    names: list[str] = []
    for index in range(32):  # a collection has a handful of faces; stop at the first missing one
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        names.append(family or "")
    return names


def _pick_face(path: Path) -> int:
    names = _face_names(path)
    if not names:
        raise UserFacingError(NO_FONT_MESSAGE)
    for wanted in _FACE_PREFERENCE:
        for index, name in enumerate(names):
            # Skip monospaced faces: their Latin is too wide for a receipt line.
            if wanted in name and "Mono" not in name:
                return index
    return 0


def _bold_sibling(regular: Path) -> Path | None:
    for a, b in (("-Regular", "-Bold"), ("Regular", "Bold"), ("-regular", "-bold")):
        if a in regular.name:
            candidate = regular.with_name(regular.name.replace(a, b))
            if candidate.is_file():
                return candidate
    return None


@dataclass(frozen=True)
class FontPair:
    regular: FontFace
    bold: FontFace


@functools.lru_cache(maxsize=1)
def font_pair() -> FontPair:
    """The regular and bold faces; raises UserFacingError (in Chinese) when no CJK font is installed."""
    found = find_cjk_font()
    if found is None or not found.is_file():
        raise UserFacingError(NO_FONT_MESSAGE)
    regular_path = found
    if "-Bold" in found.name and found.with_name(found.name.replace("-Bold", "-Regular")).is_file():
        regular_path = found.with_name(found.name.replace("-Bold", "-Regular"))
    regular = FontFace(regular_path, _pick_face(regular_path))
    bold_path = _bold_sibling(regular_path)
    bold = (
        FontFace(bold_path, _pick_face(bold_path))
        if bold_path is not None
        else FontFace(regular.path, regular.index, synthetic_bold=True)
    )
    log.info("documents use font %s (face %d), bold %s", regular.path, regular.index, bold.path.name)
    return FontPair(regular, bold)


@functools.lru_cache(maxsize=64)
def load_font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size`` pixels; cached, since loading a .ttc costs milliseconds."""
    pair = font_pair()
    face = pair.bold if bold else pair.regular
    try:
        return ImageFont.truetype(str(face.path), size, index=face.index)
    except OSError as exc:
        raise UserFacingError(NO_FONT_MESSAGE) from exc


def stroke_for(size: int, *, bold: bool) -> int:
    """Extra stroke width to fake bold when the font has no bold file."""
    return max(1, size // 24) if bold and font_pair().bold.synthetic_bold else 0


def clear_font_cache() -> None:
    """Forget the found font (after the font configuration changed, and in tests)."""
    font_pair.cache_clear()
    load_font.cache_clear()
