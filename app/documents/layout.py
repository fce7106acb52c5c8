"""Paragraphs to pixels (排版): line wrapping, rows, QR codes, stacking and paging.

A document is a list of :class:`Para`; a :class:`Style` (thermal 58/80 mm or A4) turns each into
rows of pixels the width of the text area. Receipts stack the rows on one strip; A4 notices page
them. Everything is drawn in greyscale and hard-thresholded at the end (no dithering), so thin
strokes stay crisp on a 203 dpi thermal head (printing.md §2.1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import qrcode
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from app.documents.fonts import load_font, stroke_for

Raster = NDArray[np.uint8]
Align = Literal["left", "center", "right"]
INK_THRESHOLD = 128

# Line-breaking rules (禁则): these may not start a line / may not end one.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉…—·%,.;:?!)]}”’")
NO_LINE_END = frozenset("（《「『【〔〈([{“‘")
# Runs of these stay together on one line: case numbers, phone numbers, URLs, English words.
# A short remark in full-width brackets, like "（暂定）", stays whole as well.
_TOKEN = re.compile(r"（[^（）\s]{1,4}）|[A-Za-z0-9@#%&_+\-./:=?~*]+|\s|.", re.S)
_BREAK_AFTER = frozenset("-/_.")


@dataclass(frozen=True)
class Para:
    """One paragraph of a document.

    ``kind``: "text" (wrapped; a ``label`` hangs to the left of its value, like "办件编号："),
    "badge" (white on black, centred), "qr" (``text`` is the payload; a ``label`` is printed
    beside it, one line per newline), "rule", "space", "seal"
    (right-aligned block with a signature gap above). ``role`` picks the font size.
    """

    kind: Literal["text", "badge", "qr", "rule", "space", "seal"] = "text"
    text: str = ""
    label: str = ""
    role: str = "body"
    align: Align = "left"
    indent: bool = False  # first line indented by two characters, as prose on an A4 notice
    keep_with_next: bool = False  # paging: never end a page after this paragraph


@dataclass(frozen=True)
class Style:
    """Geometry of one medium, in device pixels (dots)."""

    width: int
    margin_x: int
    margin_top: int
    margin_bottom: int
    sizes: Mapping[str, int]
    bold_roles: frozenset[str]
    line_spacing: float  # line height as a multiple of the font size
    para_gap: int
    rule_thickness: int
    qr_width: int  # the QR code is scaled by whole dots to at most this width

    @property
    def content_width(self) -> int:
        return self.width - 2 * self.margin_x


@dataclass(frozen=True)
class Row:
    image: Image.Image  # mode "L", content width wide; 0 = ink
    keep_with_next: bool = False


def font_for(style: Style, role: str) -> ImageFont.FreeTypeFont:
    return load_font(style.sizes[role], bold=role in style.bold_roles)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _fitting_prefix(tok: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """Length of the part of an over-long token to keep on this line: up to a hyphen or slash if
    one fits ("ST001-20261121-" + "0007"), else as many characters as fit (at least one)."""
    fits = 1
    while fits < len(tok) and font.getlength(tok[: fits + 1]) <= width:
        fits += 1
    for cut in range(fits, 1, -1):
        if tok[cut - 1] in _BREAK_AFTER:
            return cut
    return fits


def wrap_text(
    text: str, font: ImageFont.FreeTypeFont, first_width: int, next_width: int | None = None
) -> list[str]:
    """Break ``text`` into lines no wider than the widths given (first line, then the rest).

    Chinese breaks between any two characters; runs of ASCII letters and digits stay whole unless
    longer than a line; closing punctuation never starts a line and opening punctuation never
    ends one. Explicit newlines are kept.
    """
    rest_width = first_width if next_width is None else next_width
    lines: list[str] = []
    current: list[str] = []
    used = 0.0

    def limit() -> int:
        return first_width if not lines else rest_width

    def flush() -> None:
        nonlocal current, used
        lines.append("".join(current).rstrip())
        current, used = [], 0.0

    pending = tokens(text)
    pending.reverse()
    while pending:
        tok = pending.pop()
        if tok == "\n":
            flush()
            continue
        if not current and tok.isspace():
            continue  # no leading blanks on a wrapped line
        width = font.getlength(tok)
        if used + width <= limit():
            current.append(tok)
            used += width
            continue
        if not current:
            # A single token wider than the line (a very long number): split it, after a hyphen if possible.
            if len(tok) == 1:
                current.append(tok)
                flush()
            else:
                cut = _fitting_prefix(tok, font, limit())
                pending.append(tok[cut:])
                pending.append(tok[:cut])
            continue
        carried: list[str] = []
        if tok[0] in NO_LINE_START and len(current) > 1 and not current[-1].isspace():
            carried.append(current.pop())  # take the last character along instead of starting with "，"
        while len(current) > 1 and current[-1] and current[-1][-1] in NO_LINE_END:
            carried.insert(0, current.pop())
        flush()
        for t in reversed([*carried, tok]):
            pending.append(t)
    if current or not lines:
        flush()
    return lines


def text_image(text: str, font: ImageFont.FreeTypeFont, *, stroke: int = 0) -> Image.Image:
    """One line of text on a white strip exactly as wide as the text; the unit every text row uses."""
    size = font.size
    height = round(size * 1.4)
    width = max(1, int(np.ceil(font.getlength(text))) + 2 * stroke + 1)
    strip = Image.new("L", (width, height), 255)
    ImageDraw.Draw(strip).text(
        (stroke, round(size * 1.12)), text, font=font, fill=0, anchor="ls", stroke_width=stroke, stroke_fill=0
    )
    return strip


def _line_row(pieces: Sequence[tuple[int, Image.Image]], width: int, height: int) -> Image.Image:
    row = Image.new("L", (width, height), 255)
    for x, piece in pieces:
        row.paste(piece, (x, (height - piece.height) // 2))
    return row


def _text_rows(para: Para, style: Style) -> list[Row]:
    font = font_for(style, para.role)
    stroke = stroke_for(int(font.size), bold=para.role in style.bold_roles)
    width = style.content_width
    line_height = round(font.size * style.line_spacing)
    label_w = int(np.ceil(font.getlength(para.label))) if para.label else 0
    # A long label would leave a narrow column: then continuation lines start at the left edge.
    hang = label_w if label_w <= width // 2 else 0
    first_x = label_w + (round(font.size * 2) if para.indent else 0)
    widest = max((font.getlength(t) for t in tokens(para.text)), default=0.0)
    label_alone = bool(para.label) and width - hang < widest <= width
    if label_alone:
        # A value that would have to break mid-number beside its label (a masked ID number on
        # 58 mm paper) goes whole on the line below the label instead.
        first_x = hang = 0
    lines = wrap_text(para.text, font, width - first_x, width - hang)
    rows: list[Row] = []
    if label_alone:
        label_row = _line_row([(0, text_image(para.label, font, stroke=stroke))], width, line_height)
        rows.append(Row(label_row, keep_with_next=True))
    for n, line in enumerate(lines):
        x = first_x if n == 0 else hang
        strip = text_image(line, font, stroke=stroke)
        if para.align == "center":
            x = max(0, (width - strip.width) // 2)
        elif para.align == "right":
            x = max(0, width - strip.width)
        pieces = [(x, strip)]
        if n == 0 and para.label and not label_alone:
            # Drawn first: the label strip's white padding must not cover the value's first column.
            pieces.insert(0, (0, text_image(para.label, font, stroke=stroke)))
        rows.append(Row(_line_row(pieces, width, max(line_height, strip.height)), keep_with_next=True))
    return rows


def _badge_rows(para: Para, style: Style) -> list[Row]:
    font = font_for(style, para.role)
    strip = text_image(para.text, font, stroke=stroke_for(int(font.size), bold=para.role in style.bold_roles))
    pad = max(4, int(font.size) // 3)
    box = Image.new("L", (strip.width + 2 * pad, strip.height), 0)
    box.paste(Image.eval(strip, lambda v: 255 - v), (pad, 0))  # white letters on black
    row = _line_row([((style.content_width - box.width) // 2, box)], style.content_width, box.height + pad)
    return [Row(row, keep_with_next=True)]


def qr_matrix(payload: str) -> NDArray[np.bool_]:
    """QR modules (True = dark) with the 4-module quiet zone the spec asks for (printing.md §1)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def _qr_rows(para: Para, style: Style) -> list[Row]:
    modules = qr_matrix(para.text)
    scale = max(1, min(style.qr_width, style.content_width) // modules.shape[0])
    pixels = np.where(np.kron(modules, np.ones((scale, scale), dtype=bool)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "L")
    if para.label:
        return [Row(_beside(image, para.label, style), keep_with_next=True)]
    x = {
        "left": 0,
        "center": (style.content_width - image.width) // 2,
        "right": style.content_width - image.width,
    }
    return [Row(_line_row([(x[para.align], image)], style.content_width, image.height), keep_with_next=True)]


def _beside(image: Image.Image, text: str, style: Style) -> Image.Image:
    """The QR code at the left with short lines of text beside it, vertically centred (A4 layout)."""
    font = font_for(style, "small")
    gap = int(font.size)
    strips = [
        text_image(line, font)
        for part in text.split("\n")
        for line in wrap_text(part, font, style.content_width - image.width - gap)
    ]
    height = max(image.height, sum(s.height for s in strips))
    row = Image.new("L", (style.content_width, height), 255)
    row.paste(image, (0, (height - image.height) // 2))
    y = (height - sum(s.height for s in strips)) // 2
    for strip in strips:
        row.paste(strip, (image.width + gap, y))
        y += strip.height
    return row


def _rule_rows(style: Style) -> list[Row]:
    gap = style.para_gap
    row = Image.new("L", (style.content_width, style.rule_thickness + 2 * gap), 255)
    ImageDraw.Draw(row).rectangle((0, gap, style.content_width - 1, gap + style.rule_thickness - 1), fill=0)
    return [Row(row)]


def layout(paras: Sequence[Para], style: Style) -> list[Row]:
    """Rows for ``paras``; every paragraph is followed by ``style.para_gap`` of white."""
    rows: list[Row] = []
    for para in paras:
        if para.kind == "rule":
            rows.extend(_rule_rows(style))
            continue
        if para.kind == "space":
            rows.append(Row(Image.new("L", (style.content_width, style.sizes[para.role]), 255)))
            continue
        if para.kind == "badge":
            made = _badge_rows(para, style)
        elif para.kind == "qr":
            made = _qr_rows(para, style)
        elif para.kind == "seal":
            # Room above the agency's name for the stamp and signature, as on a paper form.
            gap = Image.new("L", (style.content_width, style.sizes[para.role] * 2), 255)
            made = [Row(gap, keep_with_next=True), *_text_rows(para, style)]
        else:
            made = _text_rows(para, style)
        last = made[-1]
        made[-1] = Row(last.image, keep_with_next=para.keep_with_next)
        rows.extend(made)
        rows.append(Row(Image.new("L", (style.content_width, style.para_gap), 255), para.keep_with_next))
    return rows


def threshold(image: Image.Image) -> Raster:
    pixels = np.asarray(image, dtype=np.uint8)
    return np.where(pixels < INK_THRESHOLD, 0, 255).astype(np.uint8)


def stack(rows: Sequence[Row], style: Style, *, height_multiple: int = 1) -> Raster:
    """One strip ``style.width`` wide: margins, rows top to bottom, white padding to the multiple."""
    body = style.margin_top + sum(r.image.height for r in rows) + style.margin_bottom
    height = -(-body // height_multiple) * height_multiple
    canvas = Image.new("L", (style.width, height), 255)
    y = style.margin_top
    for r in rows:
        canvas.paste(r.image, (style.margin_x, y))
        y += r.image.height
    return threshold(canvas)


def paginate(rows: Sequence[Row], page_body_height: int) -> list[list[Row]]:
    """Split rows into pages; a row marked keep_with_next is moved with the row after it."""
    groups: list[list[Row]] = []
    for r in rows:
        if groups and groups[-1][-1].keep_with_next:
            groups[-1].append(r)
        else:
            groups.append([r])
    pages: list[list[Row]] = [[]]
    used = 0
    for group in groups:
        height = sum(r.image.height for r in group)
        if used + height > page_body_height and pages[-1]:
            pages.append([])
            used = 0
        if height <= page_body_height:
            pages[-1].extend(group)
            used += height
            continue
        # Taller than a page (a very long list): fill row by row.
        for r in group:
            if used + r.image.height > page_body_height and pages[-1]:
                pages.append([])
                used = 0
            pages[-1].append(r)
            used += r.image.height
    return pages
