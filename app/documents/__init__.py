"""Counter documents (窗口文书): receipts for thermal printers and A4 notices.

Templates are data (:mod:`app.documents.templates`); one layout engine draws them, so the
on-screen preview and the printout are the same pixels. Build what to print with
:func:`receipt_data_for` from a case view: it carries the masked ID number only.
"""

from app.documents.data import (
    CorrectionLine,
    MaterialLine,
    ReceiptData,
    format_date,
    format_datetime,
    material_line,
    material_lines,
    receipt_data_for,
)
from app.documents.fonts import NO_FONT_MESSAGE, clear_font_cache
from app.documents.notices import A4_DPI, A4_HEIGHT_PX, A4_WIDTH_PX, render_a4_notice, render_a4_pages
from app.documents.receipts import raster_to_png, render_receipt
from app.documents.samples import sample_data, write_samples
from app.documents.templates import A4_KINDS, TEMPLATES, THERMAL_KINDS, Template, template_for

__all__ = [
    "A4_DPI",
    "A4_HEIGHT_PX",
    "A4_KINDS",
    "A4_WIDTH_PX",
    "NO_FONT_MESSAGE",
    "TEMPLATES",
    "THERMAL_KINDS",
    "CorrectionLine",
    "MaterialLine",
    "ReceiptData",
    "Template",
    "clear_font_cache",
    "format_date",
    "format_datetime",
    "material_line",
    "material_lines",
    "raster_to_png",
    "receipt_data_for",
    "render_a4_notice",
    "render_a4_pages",
    "render_receipt",
    "sample_data",
    "template_for",
    "write_samples",
]
