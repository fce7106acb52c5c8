"""Receipts as printer text lines (文字模式小票) for GB18030 text mode on slow serial printers.

A raster receipt is 60–130 KB and takes a minute and more at 9600 baud; the same content as text
in the printer's own font (Font A, 12×24 dots) is a few KB. :func:`receipt_text` turns the same
content blocks as the raster receipt (``app.documents.content.paragraphs``) into plain lines
wrapped to the printer's columns: titles centred, label/value pairs with the value hanging under
itself, rules as dashes. What text cannot carry stays a small raster drawn by the receipt layout
engine at the paper width: the QR code (and the ticket's big number), then the hall's logo. The
driver prints them after the lines (``EscposPrinter.print_job``), so a QR code's caption becomes the
last line, right above the code.

Columns: Font A is 12 dots wide, so 576 dots hold 48 half-width columns and 384 dots 32. In
Chinese mode (FS &) every two-byte GB18030 character is drawn from the 24×24 font and takes two
columns, including those East Asian Width calls ambiguous (“ ” · □ √). Characters outside
GB18030-2000's two-byte area (𠀀 …) are kept as they are: the driver sends such a line as a
raster (``devices.printer.escpos_text``), so nothing is lost or replaced by "?".

The lines are plain text and not the preview: the clerk's preview stays the raster receipt, which
the print queue also keeps, so a printer switched back to raster mode prints the raster.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Final

from app.documents.content import paragraphs
from app.documents.data import ReceiptData
from app.documents.fonts import RENDER_LOCK
from app.documents.layout import NO_LINE_END, NO_LINE_START, Para, Raster, Style, layout, stack, tokens
from app.documents.receipts import MAX_WIDTH_DOTS, MIN_WIDTH_DOTS, thermal_style
from app.documents.templates import Template, template_for
from app.documents.ticket import TicketSlip, ticket_paragraphs, ticket_style

#: Font A of ESC/POS printers: 12 dots a half-width column.
FONT_A_WIDTH_DOTS: Final = 12
RULE_CHAR: Final = "-"
REPRINT_BADGE: Final = "【补打】"
#: A long number is split after one of these rather than anywhere (as the raster layout does).
_BREAK_AFTER: Final = frozenset("-/_.")
#: First-line indent of prose: two Chinese characters.
_INDENT: Final = "    "
#: QR codes among text: 4 dots a module up to version 5 (the size a 58 mm raster receipt prints,
#: which phones read at once), smaller than on 80 mm raster receipts to keep the bytes down.
COMPACT_QR_DOTS: Final = 180


@dataclass(frozen=True)
class TextReceipt:
    """A receipt for text mode: ``lines`` (one printer line each, no line breaks inside) and
    ``rasters`` (paper width, 0 = dot) printed after the lines: QR code, then logo."""

    lines: list[str]
    rasters: list[Raster] = field(default_factory=list)


def columns_for(width_dots: int) -> int:
    """Half-width columns of Font A across ``width_dots`` (576 → 48, 384 → 32)."""
    return width_dots // FONT_A_WIDTH_DOTS


def char_columns(char: str) -> int:
    """Columns ``char`` takes in Chinese mode: ASCII and half-width forms 1, combining marks 0,
    everything else 2 (the printer draws any two-byte GB18030 character full width)."""
    if " " <= char <= "~":
        return 1
    if unicodedata.combining(char):
        return 0
    return 1 if unicodedata.east_asian_width(char) in ("H", "Na") else 2


def text_columns(text: str) -> int:
    return sum(char_columns(c) for c in text)


def _fitting_prefix(token: str, width: int) -> int:
    """How much of a token longer than a line goes on this one: up to a hyphen or slash if one
    fits ("ST001-20261123-" + "0007"), else as many characters as fit (at least one)."""
    fits, used = 0, 0
    for char in token:
        if fits and used + char_columns(char) > width:
            break
        used += char_columns(char)
        fits += 1
    for cut in range(fits, 1, -1):
        if token[cut - 1] in _BREAK_AFTER:
            return cut
    return max(1, fits)


def wrap_columns(text: str, first_width: int, next_width: int | None = None) -> list[str]:
    """Break ``text`` into lines of at most ``first_width`` columns (then ``next_width``).

    The rules of the raster layout (``app.documents.layout.wrap_text``), counted in columns:
    Chinese breaks anywhere, runs of ASCII letters and digits stay whole unless longer than a
    line, closing punctuation never starts a line and opening punctuation never ends one.
    Explicit newlines are kept as line breaks.
    """
    rest_width = first_width if next_width is None else next_width
    lines: list[str] = []
    current: list[str] = []
    used = 0

    def limit() -> int:
        return first_width if not lines else rest_width

    def flush() -> None:
        nonlocal used
        lines.append("".join(current).rstrip())
        current.clear()
        used = 0

    pending = tokens(text)
    pending.reverse()
    while pending:
        token = pending.pop()
        if token == "\n":
            flush()
            continue
        if token.isspace():
            if not current:
                continue  # no leading blanks on a wrapped line
            if unicodedata.category(token) == "Cc":
                token = " "  # a tab is a blank on paper, not a control byte for the printer
        width = text_columns(token)
        if used + width <= limit():
            current.append(token)
            used += width
            continue
        if not current:
            if len(token) == 1:  # a character wider than the line (only with absurd widths)
                current.append(token)
                flush()
            else:
                cut = _fitting_prefix(token, limit())
                pending.append(token[cut:])
                pending.append(token[:cut])
            continue
        carried: list[str] = []
        if token[0] in NO_LINE_START and len(current) > 1 and not current[-1].isspace():
            carried.append(current.pop())  # take the last character along instead of starting with "，"
        while len(current) > 1 and current[-1] and current[-1][-1] in NO_LINE_END:
            carried.insert(0, current.pop())
        flush()
        for t in reversed([*carried, token]):
            pending.append(t)
    if current or not lines:
        flush()
    return lines


def _balanced(text: str, width: int, count: int) -> list[str]:
    """Centred text in ``count`` lines of similar length (a title does not leave one character
    alone on its second line)."""
    low, high = 1, width
    while low < high:
        mid = (low + high) // 2
        if len(wrap_columns(text, mid)) <= count:
            high = mid
        else:
            low = mid + 1
    return wrap_columns(text, low)


def _aligned(line: str, width: int, align: str) -> str:
    room = max(0, width - text_columns(line))
    if align == "center":
        return " " * (room // 2) + line
    if align == "right":
        return " " * room + line
    return line


def centred(text: str, width: int) -> list[str]:
    """``text`` wrapped and centred in ``width`` columns."""
    lines = wrap_columns(text, width)
    if len(lines) > 1 and "\n" not in text:
        lines = _balanced(text, width, len(lines))
    return [_aligned(line, width, "center") for line in lines]


def para_lines(para: Para, width: int) -> list[str]:
    """The printer lines of one text-like paragraph, at most ``width`` columns each."""
    if para.kind == "rule":
        return [RULE_CHAR * width]
    if para.kind == "space":
        return [""]
    if para.kind == "badge":
        return centred(f"【{para.text}】", width)
    if para.kind == "seal":
        return ["", *(_aligned(line, width, "right") for line in wrap_columns(para.text, width))]
    if para.kind != "text":
        raise ValueError(f"a {para.kind!r} paragraph has no text form; it is printed as a raster")
    if not para.label:
        indent = _INDENT if para.indent else ""
        if para.align == "center":
            return centred(para.text, width)
        lines = wrap_columns(para.text, width - len(indent), width)
        if indent:
            lines[0] = indent + lines[0]
        return [_aligned(line, width, para.align) for line in lines]
    return _labelled(para, width)


def _labelled(para: Para, width: int) -> list[str]:
    """A label/value pair: "申请人：张建国", continuation lines hanging under the value.

    As in the raster layout, a value whose longest run does not fit beside the label (a masked ID
    number on 58 mm paper) goes whole on the line below the label instead of breaking mid-number.
    """
    label_w = text_columns(para.label)
    hang = label_w if label_w <= width // 2 else 0
    first_x = label_w + (len(_INDENT) if para.indent else 0)
    widest = max((text_columns(t) for t in tokens(para.text) if t != "\n"), default=0)
    label_alone = width - hang < widest <= width or width - first_x < 2
    if label_alone:
        head = wrap_columns(para.label, width)
        return [*head, *wrap_columns(para.text, width)]
    lines = wrap_columns(para.text, width - first_x, width - hang)
    prefix = para.label + (_INDENT if para.indent else "")
    return [prefix + lines[0], *(" " * hang + line if line else "" for line in lines[1:])]


def _check_width(width_dots: int) -> None:
    if not (MIN_WIDTH_DOTS <= width_dots <= MAX_WIDTH_DOTS) or width_dots % 8:
        raise ValueError(
            f"receipt width must be a multiple of 8 between {MIN_WIDTH_DOTS} and {MAX_WIDTH_DOTS} dots,"
            f" got {width_dots}"
        )


def _compact(style: Style) -> Style:
    """The receipt style for rasters among text: a QR code of :data:`COMPACT_QR_DOTS` and half the
    logo, so a text receipt stays a small part of the raster one's bytes on a 9600-baud line."""
    return dataclasses.replace(
        style,
        margin_top=style.para_gap,
        margin_bottom=style.para_gap,
        qr_width=min(style.qr_width, COMPACT_QR_DOTS),
        image_height=style.image_height // 2,
    )


def _block_raster(paras: Sequence[Para], style: Style) -> Raster:
    with RENDER_LOCK:
        return stack(layout(paras, style), style)


def text_form(paras: Sequence[Para], style: Style, *, raster_roles: Collection[str] = ()) -> TextReceipt:
    """Lines for the text paragraphs of ``paras``, rasters for QR codes and images.

    The printer puts every raster after the lines, so a QR code's caption (the text paragraph it
    is kept with) moves to the end of the lines, just above the code; the codes keep their order
    and the logo comes last. Paragraphs whose role is in ``raster_roles`` (the queue ticket's big
    number) are printed both as a line and, large, before the QR code.
    """
    width = columns_for(style.width)
    compact = _compact(style)
    lines: list[str] = []
    captions: list[str] = []
    codes: list[Raster] = []
    images: list[Raster] = []
    after_code = False
    for para in paras:
        if para.kind == "qr":
            codes.append(_block_raster([para], compact))
        elif para.kind == "image":
            images.append(_block_raster([para], compact))
        elif after_code and para.kind == "text":
            captions.extend(para_lines(para, width))
        else:
            lines.extend(para_lines(para, width))
            if para.role in raster_roles:
                codes.append(_block_raster([para], compact))
        # A caption is kept with its code, and a caption line may be kept with the next one.
        after_code = para.keep_with_next and (para.kind == "qr" or (after_code and para.kind == "text"))
    return TextReceipt(lines=lines + captions, rasters=codes + images)


def receipt_text(data: ReceiptData, *, width_dots: int, template: Template | None = None) -> TextReceipt:
    """The receipt of ``data`` as text lines for a ``width_dots`` printer, plus its QR/logo rasters.

    The same blocks and checks as ``render_receipt``: ValueError for a width no receipt printer
    has or an A4 template, ValidationError when the law requires data that is missing, and
    UserFacingError when no Chinese font is installed to draw the QR caption.
    """
    _check_width(width_dots)
    template = template or template_for(data.kind)
    if template.medium != "thermal":
        raise ValueError(f"{data.kind!r} is an A4 notice; it has no text form")
    return text_form(paragraphs(data, template), thermal_style(width_dots))


def ticket_text(slip: TicketSlip, *, width_dots: int) -> TextReceipt:
    """The queue ticket as text lines; the number is also drawn large, as on the raster slip."""
    _check_width(width_dots)
    return text_form(ticket_paragraphs(slip), ticket_style(width_dots), raster_roles={"number"})


def reprint_lines(width_dots: int, when: str) -> list[str]:
    """The 补打 banner of a reprinted text receipt (the raster one carries it as a picture)."""
    width = columns_for(width_dots)
    return [*centred(REPRINT_BADGE, width), *centred(f"本件为补打件 {when}", width), RULE_CHAR * width]
