"""Thermal receipts (小票): 收件凭证, 受理回执, 补正告知, 不予受理告知, 领取回执 and the 评价二维码
slip as 1-bit rasters, each with the hall's logo, header, hotline and footer.

The raster is both the on-screen preview and what the printer gets, so what the clerk sees is
what comes out. Width is the printer's dot width (configuration: 384 for 58 mm, 576 for 80 mm,
512 for TM-T88); the height is padded to a multiple of 24 rows so the driver can cut it into
raster fragments that avoid the firmware bug at multiples of 48 (python-escpos #424).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from app.documents.content import paragraphs
from app.documents.data import ReceiptData
from app.documents.fonts import RENDER_LOCK
from app.documents.layout import Raster, Style, layout, stack
from app.documents.templates import Template, template_for

ROW_MULTIPLE = 24
MIN_WIDTH_DOTS = 256
MAX_WIDTH_DOTS = 1024


def thermal_style(width_dots: int) -> Style:
    """Sizes for 58 mm (384 dots: 16 characters a line) and wider paper (576 dots: 20)."""
    narrow = width_dots < 480
    margin = 8 if narrow else 16
    body = 24 if narrow else 26
    return Style(
        width=width_dots,
        margin_x=margin,
        margin_top=8,
        margin_bottom=24,
        sizes={
            "title": 40 if narrow else 48,
            "heading": body + 2,
            "big": body + 4,
            "body": body,
            "small": 20 if narrow else 22,
        },
        bold_roles=frozenset({"title", "heading", "big"}),
        line_spacing=1.3,
        para_gap=4,
        rule_thickness=2,
        qr_width=200 if narrow else 240,
        image_height=88 if narrow else 112,  # the logo: about 11 / 14 mm tall at 203 dpi
    )


def render_receipt(data: ReceiptData, *, width_dots: int, template: Template | None = None) -> Raster:
    """The receipt as a uint8 array (rows x ``width_dots``): 0 = black dot, 255 = paper.

    ``template`` lets a hall replace the default one for ``data.kind``. Raises ValueError for a
    width no receipt printer has, ValidationError when the law requires data that is missing
    (no reason, no correction items) and UserFacingError when no Chinese font is installed.
    """
    if not (MIN_WIDTH_DOTS <= width_dots <= MAX_WIDTH_DOTS) or width_dots % 8:
        raise ValueError(f"receipt width must be a multiple of 8 between 256 and 1024 dots, got {width_dots}")
    template = template or template_for(data.kind)
    if template.medium != "thermal":
        raise ValueError(f"{data.kind!r} is an A4 notice; use render_a4_notice")
    style = thermal_style(width_dots)
    paras = paragraphs(data, template)
    with RENDER_LOCK:
        return stack(layout(paras, style), style, height_multiple=ROW_MULTIPLE)


def raster_to_png(raster: Raster, *, dpi: int = 203) -> bytes:
    """A 1-bit PNG of a raster (for previews, golden files and the print-job record)."""
    ink = np.asarray(raster, dtype=np.uint8) >= 128
    image = Image.fromarray(ink)  # bool array → mode "1", no dithering
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()
