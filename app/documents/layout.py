"""Paragraphs to pixels (排版): line wrapping, rows, QR codes, stacking and paging.

A document is a list of :class:`Para`; a :class:`Style` (thermal 58/80 mm or A4) turns each into
rows of pixels the width of the text area. Receipts stack the rows on one strip; A4 notices page
them. Everything is drawn in greyscale and hard-thresholded at the end (no dithering), so thin
strokes stay crisp on a 203 dpi thermal head (printing.md §2.1).
"""

from __future__ import annotations

import io
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
#: A logo larger than this (in source pixels) is refused rather than decoded: nobody needs it, and a
#: huge or forged PNG would stall the render.
MAX_IMAGE_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class Para:
    """One paragraph of a document.

    ``kind``: "text" (wrapped; a ``label`` hangs to the left of its value, like "办件编号："),
    "badge" (white on black, centred), "qr" (``text`` is the payload; a ``label`` is printed
    beside it, one line per newline), "image" (``image`` holds PNG bytes: a hall's logo,
    thresholded to 1 bit and scaled to fit ``Style.image_height``), "rule", "space", "seal"
    (right-aligned block with a signature gap above). ``role`` picks the font size.
    """

    kind: Literal["text", "badge", "qr", "image", "rule", "space", "seal"] = "text"
    text: str = ""
    image: bytes = b""
    label: str = ""
    role: str = "body"
    align: Align = "left"
    indent: bool = False  # first line indented by two characters, as prose on an A4 notice
    keep_with_next: bool = False  # paging: never end a page after this paragraph
    fit: bool = False  # a title: shrink the type (down to the heading size) rather than wrap


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
    image_height: int = 120  # an "image" paragraph (logo) is scaled to at most this height

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


def _balanced(text: str, font: ImageFont.FreeTypeFont, width: int, count: int) -> list[str]:
    """Centred text wrapped into ``count`` lines of similar length: the narrowest width that still
    needs no more lines. A centred title then breaks as "请对本次服务 / 进行评价", not with one
    character left alone on its second line."""
    low, high = 1, width
    while low < high:
        mid = (low + high) // 2
        if len(wrap_text(text, font, mid)) <= count:
            high = mid
        else:
            low = mid + 1
    return wrap_text(text, font, low)


def _fitting_font(para: Para, style: Style) -> ImageFont.FreeTypeFont:
    """The role's font, or a smaller size of it if that puts a ``fit`` paragraph on one line."""
    font = font_for(style, para.role)
    if not para.fit or "\n" in para.text or font.getlength(para.text) <= style.content_width:
        return font
    bold = para.role in style.bold_roles
    floor = min(style.sizes.get("heading", int(font.size)), int(font.size))
    for size in range(int(font.size) - 1, floor - 1, -1):
        smaller = load_font(size, bold=bold)
        if smaller.getlength(para.text) + 2 * stroke_for(size, bold=bold) <= style.content_width:
            return smaller
    return font  # too long even at the heading size: wrap at full size, balanced


def _text_rows(para: Para, style: Style) -> list[Row]:
    font = _fitting_font(para, style)
    stroke = stroke_for(int(font.size), bold=para.role in style.bold_roles)
    width = style.content_width
    line_height = round(font.size * style.line_spacing)
    label_w = int(np.ceil(font.getlength(para.label))) if para.label else 0
    # A long label would leave a narrow column: then continuation lines start at the left edge.
    hang = label_w if label_w <= width // 2 else 0
    first_x = label_w + (round(font.size * 2) if para.indent else 0)
    # Explicit newlines (a two-line header) are line breaks, not glyphs: raqm refuses to measure them.
    widest = max((font.getlength(t) for t in tokens(para.text) if t != "\n"), default=0.0)
    label_alone = bool(para.label) and width - hang < widest <= width
    if label_alone:
        # A value that would have to break mid-number beside its label (a masked ID number on
        # 58 mm paper) goes whole on the line below the label instead.
        first_x = hang = 0
    lines = wrap_text(para.text, font, width - first_x, width - hang)
    if para.align == "center" and not para.label and len(lines) > 1:
        lines = _balanced(para.text, font, width, len(lines))
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


def _grey_on_white(image: Image.Image) -> Image.Image:
    """The image in greyscale, transparent parts as paper (a logo PNG is often transparent)."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit and float greyscale: scale to 8 bits by the image's own range.
        pixels = np.asarray(image, dtype=np.float64)
        span = float(pixels.max() - pixels.min()) or 1.0
        return Image.fromarray(((pixels - pixels.min()) * (255.0 / span)).astype(np.uint8), "L")
    if "A" in image.getbands() or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("L")
    return image.convert("L")


def image_ink(png: bytes, max_width: int, max_height: int) -> Image.Image:
    """An image file as 1-bit ink ("L", 0 = dot), trimmed to its ink and scaled to fit the box.

    Deterministic: the same bytes give the same pixels, so a logo is part of the golden images.
    Raises ValueError when the bytes are not an image, the image is too large, or nothing in it
    is dark enough to print (a light-coloured logo would come out blank).
    """
    try:
        with Image.open(io.BytesIO(png)) as opened:
            if opened.width * opened.height > MAX_IMAGE_PIXELS:
                raise ValueError(f"image too large: {opened.width}x{opened.height} pixels")
            opened.load()
            grey = _grey_on_white(opened)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # PIL reports a broken file as OSError (UnidentifiedImageError), ValueError or SyntaxError.
        raise ValueError(f"not a readable image: {exc}") from exc
    dark = np.asarray(grey, dtype=np.uint8) < INK_THRESHOLD
    if not dark.any():
        raise ValueError("image has no dark pixels")
    # Trim the white border a logo file usually has, so "scaled to fit" means the logo itself.
    rows, cols = np.where(dark.any(axis=1))[0], np.where(dark.any(axis=0))[0]
    grey = grey.crop((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))
    scale = min(max_width / grey.width, max_height / grey.height)
    size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
    if size != grey.size:
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    return Image.fromarray(threshold(grey), "L")


def _image_rows(para: Para, style: Style) -> list[Row]:
    ink = image_ink(para.image, style.content_width, style.image_height)
    x = {
        "left": 0,
        "center": (style.content_width - ink.width) // 2,
        "right": style.content_width - ink.width,
    }
    return [Row(_line_row([(x[para.align], ink)], style.content_width, ink.height), keep_with_next=True)]


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
        elif para.kind == "image":
            made = _image_rows(para, style)
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
