"""Chinese text to a 1-bit raster (文字光栅化) for receipt printers, with Pillow.

Small on purpose: it serves the simulated printer's demo ticket and the device test page.
Receipt layouts (QR codes, columns) belong to the document renderer in app/. The text is hard-
thresholded, not dithered, so thin strokes stay crisp on 203 dpi thermal heads (printing.md §2.1).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app.errors import DeviceUnavailable
from devices.printer.base import INK_THRESHOLD, Raster


@dataclass(frozen=True)
class FontFile:
    """A font file and the face inside it (a .ttc collection holds several)."""

    path: Path
    index: int = 0


#: Places CJK fonts live when fontconfig is absent or finds nothing (Debian/UOS/Kylin, Windows).
KNOWN_CJK_FONTS: Final[tuple[FontFile, ...]] = (
    FontFile(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),  # face 2 = SC
    FontFile(Path("/usr/share/fonts/opencollection/noto-cjk/NotoSansCJK-Regular.ttc"), 2),
    FontFile(Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"), 2),
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    FontFile(Path("C:/Windows/Fonts/msyh.ttc"), 0),
    FontFile(Path("C:/Windows/Fonts/simhei.ttf"), 0),
)

NO_FONT_MESSAGE: Final = (
    "未找到中文字体，无法打印中文。请安装 Noto Sans CJK 字体（Debian/UOS：fonts-noto-cjk）后重试。"
)


def _fontconfig_match() -> FontFile | None:
    """Ask fontconfig for a Simplified-Chinese font; None unless the match really covers zh-cn."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        result = subprocess.run(
            [fc_match, "-f", "%{file}\t%{index}\t%{lang}", "Noto Sans CJK SC:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = result.stdout.split("\t")
    if result.returncode != 0 or len(parts) != 3:
        return None
    file, index, langs = parts
    # fc-match always answers with something; a Latin-only fallback does not list zh-cn.
    if "zh-cn" not in langs.split("|") or not Path(file).is_file():
        return None
    return FontFile(Path(file), int(index) if index.isdigit() else 0)


def locate_cjk_font(
    candidates: Sequence[FontFile] = KNOWN_CJK_FONTS, *, use_fontconfig: bool = True
) -> FontFile:
    """The first usable CJK font: fontconfig's choice, then ``candidates``.

    Raises DeviceUnavailable (device "printer") with an install hint when there is none.
    """
    if use_fontconfig:
        found = _fontconfig_match()
        if found is not None:
            return found
    for candidate in candidates:
        if candidate.path.is_file():
            return candidate
    raise DeviceUnavailable(NO_FONT_MESSAGE, device="printer")


@functools.lru_cache(maxsize=1)
def default_cjk_font() -> FontFile:
    """``locate_cjk_font()`` once per process (fc-match costs a subprocess)."""
    return locate_cjk_font()


@functools.lru_cache(maxsize=16)
def _load_font(font: FontFile, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(font.path), size, index=font.index)
    except OSError as exc:
        raise DeviceUnavailable(NO_FONT_MESSAGE, device="printer") from exc


def wrap_line(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Break ``text`` into pieces no wider than ``max_width``; Chinese may break between any two
    characters, so this breaks by character rather than at spaces."""
    pieces: list[str] = []
    current = ""
    for char in text:
        if current and font.getlength(current + char) > max_width:
            pieces.append(current)
            current = char.lstrip()
        else:
            current += char
    pieces.append(current)
    return pieces


def render_text_lines(
    lines: Sequence[str],
    width_dots: int,
    *,
    font_size: int = 24,
    margin_dots: int = 8,
    line_gap_dots: int = 6,
    font: FontFile | None = None,
) -> Raster:
    """Draw ``lines`` left-aligned, wrapping long ones, into a raster ``width_dots`` wide.

    Returns 0 where ink goes and 255 elsewhere (the ReceiptPrinter raster convention). An empty
    string leaves a blank line.
    """
    if width_dots <= 2 * margin_dots:
        raise ValueError(f"width {width_dots} leaves no room inside margins of {margin_dots}")
    face = _load_font(font or default_cjk_font(), font_size)
    ascent, descent = face.getmetrics()
    line_height = ascent + descent + line_gap_dots
    wrapped = [piece for line in lines for piece in wrap_line(line, face, width_dots - 2 * margin_dots)]
    height = max(1, len(wrapped)) * line_height + 2 * margin_dots
    canvas = Image.new("L", (width_dots, height), 255)
    draw = ImageDraw.Draw(canvas)
    for row, piece in enumerate(wrapped):
        draw.text((margin_dots, margin_dots + row * line_height), piece, font=face, fill=0)
    pixels = np.asarray(canvas, dtype=np.uint8)
    return np.where(pixels < INK_THRESHOLD, 0, 255).astype(np.uint8)


def horizontal_rule(width_dots: int, *, thickness_dots: int = 2, margin_dots: int = 8) -> Raster:
    """A separator line with white space above and below."""
    rule = np.full((thickness_dots + 2 * margin_dots, width_dots), 255, dtype=np.uint8)
    rule[margin_dots : margin_dots + thickness_dots, margin_dots : width_dots - margin_dots] = 0
    return rule


def render_test_page(width_dots: int, *, printed_at: datetime | None = None) -> Raster:
    """The device test ticket (打印测试页): a heading, the paper width and a glyph sample."""
    when = (printed_at or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    heading = render_text_lines(["一窗 · 打印测试"], width_dots, font_size=36)
    body = render_text_lines(
        [
            "打印机工作正常。",
            f"纸宽：{width_dots} 点",
            f"时间：{when}",
            "字样：中文汉字 ABC abc 0123456789 ￥（）【】",
        ],
        width_dots,
    )
    return np.vstack([heading, horizontal_rule(width_dots), body, horizontal_rule(width_dots)])
