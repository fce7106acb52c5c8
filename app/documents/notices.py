"""A4 notices (通知书): 受理通知书, 一次性告知书, 不予受理通知书 as pages and as PDF.

Pages are drawn at 200 dpi (1654 x 2339 pixels) with the same layout code as receipts and put
into a PDF by img2pdf with the A4 page size set, so the PDF prints at true size on any printer.
A long material or correction list flows onto further pages, numbered "第 n 页 共 m 页".
"""

from __future__ import annotations

import dataclasses
import io

import img2pdf
from PIL import Image

from app.documents.content import paragraphs
from app.documents.data import ReceiptData
from app.documents.fonts import RENDER_LOCK
from app.documents.layout import Para, Raster, Style, layout, paginate, stack, threshold
from app.documents.templates import Template, template_for

A4_DPI = 200
A4_WIDTH_PX = 1654  # 210 mm at 200 dpi
A4_HEIGHT_PX = 2339  # 297 mm at 200 dpi
_A4_PAGE_PT = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))


def a4_style() -> Style:
    """Margins and sizes close to GB/T 9704 official documents (34 characters a line, 四号 text)."""
    return Style(
        width=A4_WIDTH_PX,
        margin_x=214,
        margin_top=180,
        margin_bottom=170,
        sizes={"title": 60, "heading": 36, "big": 36, "body": 36, "small": 30},
        bold_roles=frozenset({"title", "heading"}),
        line_spacing=1.45,
        para_gap=8,
        rule_thickness=3,
        qr_width=220,
    )


def render_a4_pages(data: ReceiptData, *, template: Template | None = None) -> list[Raster]:
    """The notice as A4 page rasters (0 = ink, 255 = paper), for the preview and the PDF.

    Raises ValueError for a thermal kind, ValidationError when the law requires data that is
    missing (no reason on a 不予受理通知书, no items on a 一次性告知书).
    """
    template = template or template_for(data.kind)
    if template.medium != "a4":
        raise ValueError(f"{data.kind!r} is a thermal receipt; use render_receipt")
    paras = paragraphs(data, template)
    with RENDER_LOCK:
        return _draw_pages(paras, a4_style())


def _draw_pages(paras: list[Para], style: Style) -> list[Raster]:
    footer = dataclasses.replace(style, margin_top=0, margin_bottom=0)
    footer_height = round(style.sizes["small"] * style.line_spacing) + style.para_gap
    body_height = A4_HEIGHT_PX - style.margin_top - style.margin_bottom - footer_height
    pages = paginate(layout(paras, style), body_height)
    rasters: list[Raster] = []
    for number, rows in enumerate(pages, start=1):
        page = stack(rows, style)
        canvas = Image.new("L", (A4_WIDTH_PX, A4_HEIGHT_PX), 255)
        canvas.paste(Image.fromarray(page[:A4_HEIGHT_PX], "L"), (0, 0))
        if len(pages) > 1:
            label = Para(text=f"第 {number} 页　共 {len(pages)} 页", align="center", role="small")
            strip = stack(layout([label], footer), footer)
            canvas.paste(Image.fromarray(strip, "L"), (0, A4_HEIGHT_PX - style.margin_bottom))
        rasters.append(threshold(canvas))
    return rasters


def page_png(page: Raster) -> bytes:
    """A 1-bit PNG of a page that says 200 dpi, so img2pdf sizes the image to the whole page."""
    ink = page >= 128
    out = io.BytesIO()
    Image.fromarray(ink).save(out, format="PNG", dpi=(A4_DPI, A4_DPI), optimize=True)
    return out.getvalue()


def render_a4_notice(data: ReceiptData, *, template: Template | None = None) -> bytes:
    """The notice as PDF bytes: one A4 page per rendered page, 200 dpi 1-bit images."""
    pages = [page_png(p) for p in render_a4_pages(data, template=template)]
    pdf = img2pdf.convert(pages, layout_fun=img2pdf.get_layout_fun(_A4_PAGE_PT))
    assert pdf is not None  # img2pdf returns None only when writing to an output file
    return bytes(pdf)
