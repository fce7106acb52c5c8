"""ESC/POS bytes for job content: raster fragments (光栅分段, GS v 0) and GB18030 text mode (文字模式).

Raster is the default (printing.md §1.4): the image is what the clerk previewed. It goes out in
fragments of at most 128 rows whose height is never a multiple of 48, because Xprinter-class
firmware prints garbage after such a block (python-escpos #424/#367) and large blocks overrun
cheap printers' buffers (#631, ESC-POS-.NET #156).

Text mode is for known GB18030 printers on slow serial links, where a raster receipt takes about
20 s at 9600 baud: FS & (Chinese mode) and each line as GB18030 bytes. A line with a character
outside the two-byte GB18030-2000 area (CJK Ext-B such as 𠀀, emoji, private-use code points) is
sent as a small raster instead, because printer fonts rarely have the four-byte area
(printing.md §1.3) and would print ``?`` or garbage.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Final

import numpy as np

from devices.printer.base import INK_THRESHOLD, Raster
from devices.printer.render import FontFile, render_text_lines

GS_V0: Final = b"\x1dv0\x00"  # GS v 0, m = 0: normal density
FS_CHINESE_ON: Final = b"\x1c&"
FS_CHINESE_OFF: Final = b"\x1c."
LINE_FEED: Final = b"\n"

DEFAULT_FRAGMENT_ROWS: Final = 120
MAX_FRAGMENT_ROWS: Final = 128
BAD_ROW_MULTIPLE: Final = 48
#: Size of the fallback raster line, close to a 24-dot printer font so text and raster lines match.
FALLBACK_FONT_SIZE: Final = 24


def check_fragment_rows(fragment_rows: int) -> None:
    """Refuse a fragment height that runs into the firmware bugs named in the module docstring."""
    if not 0 < fragment_rows <= MAX_FRAGMENT_ROWS or fragment_rows % BAD_ROW_MULTIPLE == 0:
        raise ValueError(
            f"fragment_rows must be 1..{MAX_FRAGMENT_ROWS} and not a multiple of {BAD_ROW_MULTIPLE},"
            f" got {fragment_rows}"
        )


def fragment_heights(total_rows: int, fragment_rows: int = DEFAULT_FRAGMENT_ROWS) -> list[int]:
    """Split ``total_rows`` into fragment heights: each at most ``fragment_rows``, none a multiple of 48.

    Full fragments come first; a remainder that would be a multiple of 48 (e.g. 96) is taken one row
    short, leaving a final one-row fragment, so no padding is added and the pixels stay exact.
    """
    check_fragment_rows(fragment_rows)
    if total_rows < 0:
        raise ValueError(f"total_rows must not be negative, got {total_rows}")
    heights: list[int] = []
    remaining = total_rows
    while remaining:
        height = min(fragment_rows, remaining)
        if height % BAD_ROW_MULTIPLE == 0:
            height -= 1
        heights.append(height)
        remaining -= height
    return heights


def raster_commands(image: Raster, *, fragment_rows: int = DEFAULT_FRAGMENT_ROWS) -> list[bytes]:
    """One GS v 0 command per fragment of ``image`` (values below 128 print a dot).

    The width must be a multiple of 8 dots: GS v 0 counts whole bytes, and padding would add
    columns the preview does not have.
    """
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ValueError(f"raster must be a 2-D uint8 array, got {image.dtype} with shape {image.shape}")
    rows, width = image.shape
    if width == 0 or width % 8:
        raise ValueError(f"raster width must be a positive multiple of 8 dots, got {width}")
    packed = np.packbits(image < INK_THRESHOLD, axis=1)  # MSB = leftmost dot, 1 = print
    width_bytes = width // 8
    commands: list[bytes] = []
    top = 0
    for height in fragment_heights(rows, fragment_rows):
        header = GS_V0 + width_bytes.to_bytes(2, "little") + height.to_bytes(2, "little")
        commands.append(header + packed[top : top + height].tobytes())
        top += height
    return commands


def fits_text_mode(char: str) -> bool:
    """True when the printer's resident GB18030 font can print ``char`` in Chinese mode:
    printable ASCII, or a two-byte GB18030 code that is not a private-use (user-defined) one."""
    if " " <= char <= "~":
        return True
    if unicodedata.category(char) in ("Cc", "Co", "Cs", "Cn"):
        return False
    try:
        return len(char.encode("gb18030")) == 2
    except UnicodeEncodeError:
        return False


def line_fits_text_mode(line: str) -> bool:
    return all(fits_text_mode(char) for char in line)


def text_job_pieces(
    lines: Sequence[str],
    width_dots: int,
    *,
    fragment_rows: int = DEFAULT_FRAGMENT_ROWS,
    font: FontFile | None = None,
) -> list[bytes]:
    """The commands for ``lines`` in text mode: FS &, one piece per line, FS .

    A line that does not fit text mode becomes GS v 0 fragments of that line rendered with
    ``devices.printer.render`` (wrapped to ``width_dots``). Chinese mode stays on around them:
    raster commands are not affected by it. A line must not contain line breaks.
    """
    for line in lines:
        if "\n" in line or "\r" in line:
            raise ValueError("a text line must not contain line breaks; pass one string per line")
    pieces = [FS_CHINESE_ON]
    for line in lines:
        if line_fits_text_mode(line):
            pieces.append(line.encode("gb18030") + LINE_FEED)
        else:
            image = render_text_lines([line], width_dots, font_size=FALLBACK_FONT_SIZE, font=font)
            pieces.extend(raster_commands(image, fragment_rows=fragment_rows))
    pieces.append(FS_CHINESE_OFF)
    return pieces


def encode_text_job(
    lines: Sequence[str],
    width_dots: int,
    *,
    fragment_rows: int = DEFAULT_FRAGMENT_ROWS,
    font: FontFile | None = None,
) -> bytes:
    """The text-mode bytes for ``lines`` (without ESC @ and cut, which the job adds)."""
    return b"".join(text_job_pieces(lines, width_dots, fragment_rows=fragment_rows, font=font))
