"""Printing A4 notices (A4 通知书打印): through the system print dialog, or straight to one printer.

``devices.a4_printer`` empty: the clerk picks the printer (and copies, pages) in the system print
dialog each time. Set to a printer's system name: the notice goes there without a dialog, and a
name the system does not know is an error naming it, so a renamed printer is found at once.

The notice PDF holds one 200 dpi bitmap per A4 page (app.documents.notices). Its pages are drawn
with QtPdf, as the on-screen preview is, at the printer's resolution but at most 300 dpi (more adds
nothing to a 200 dpi bitmap and costs 16x the memory at 1200 dpi), and painted onto the whole sheet
(full-page mode: the margins are already in the bitmap), scaled to fit when the paper is not A4.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QRectF, QSize
from PySide6.QtGui import QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog, QWidget

from app.errors import DeviceUnavailable

log = logging.getLogger(__name__)

#: The resolution pages are drawn at, at most (the PDF's bitmaps are 200 dpi).
MAX_RENDER_DPI = 300
DEVICE = "a4_printer"


def named_printer(name: str) -> QPrinter:
    """The system printer called ``name``; DeviceUnavailable (in Chinese, naming it) when unknown."""
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        known = "、".join(QPrinterInfo.availablePrinterNames()) or QCoreApplication.translate(
            "A4Printing", "（本机没有安装任何打印机）"
        )
        message = QCoreApplication.translate(
            "A4Printing",
            "找不到 A4 打印机“{name}”。请在 设置 中检查“A4 通知书打印机名称”（devices.a4_printer），"
            "改为本机已安装的打印机，或留空以便每次在对话框中选择。本机的打印机：{known}",
        ).format(name=name, known=known)
        raise DeviceUnavailable(message, device=DEVICE)
    return QPrinter(info, QPrinter.PrinterMode.HighResolution)


def _load(document: QPdfDocument, pdf: Path | bytes) -> QBuffer | None:
    """Load ``pdf`` into ``document``; the buffer returned must live as long as the document."""
    buffer: QBuffer | None = None
    if isinstance(pdf, Path):
        error = document.load(str(pdf))
    else:
        buffer = QBuffer()
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document.load(buffer)
        error = document.error()
    if error != QPdfDocument.Error.None_ or document.pageCount() == 0:
        unreadable = QCoreApplication.translate(
            "A4Printing", "通知书文件无法读取，请重新生成通知书后再打印。"
        )
        raise DeviceUnavailable(unreadable, device=DEVICE)
    return buffer


def _pages_to_print(printer: QPrinter, count: int) -> range:
    """The page indexes the print dialog asked for (all of them when no range was chosen)."""
    first, last = printer.fromPage(), printer.toPage()
    if first <= 0 or last <= 0:
        return range(count)
    return range(min(first, count) - 1, min(last, count))


def print_pdf(pdf: Path | bytes, printer: QPrinter, *, document_name: str = "") -> int:
    """Print every page of ``pdf`` (a file or its bytes) on ``printer``; returns the pages printed.

    Raises DeviceUnavailable when the PDF cannot be read or the printer cannot start the job.
    """
    document = QPdfDocument()
    try:
        _buffer = _load(document, pdf)  # kept until the document is closed
        printer.setFullPage(True)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setDocName(document_name or (pdf.stem if isinstance(pdf, Path) else "notice"))
        dpi = min(printer.resolution(), MAX_RENDER_DPI)
        painter = QPainter()
        if not painter.begin(printer):
            name = printer.printerName() or printer.outputFileName()
            message = QCoreApplication.translate(
                "A4Printing", "A4 打印机“{name}”无法开始打印，请检查打印机是否开机、联网，然后重试。"
            ).format(name=name)
            raise DeviceUnavailable(message, device=DEVICE)
        printed = 0
        try:
            sheet = printer.paperRect(QPrinter.Unit.DevicePixel)
            for index in _pages_to_print(printer, document.pageCount()):
                if printed:
                    printer.newPage()
                points = document.pagePointSize(index)
                size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
                image = document.render(index, size)
                scale = min(sheet.width() / size.width(), sheet.height() / size.height())
                target = QRectF(0, 0, size.width() * scale, size.height() * scale)
                painter.drawImage(target, image)
                printed += 1
        finally:
            painter.end()
        log.info(
            "printed %d page(s) of %s on %s", printed, printer.docName(), printer.printerName() or "file"
        )
        return printed
    finally:
        document.close()


def print_with_dialog(pdf: Path | bytes, parent: QWidget | None, *, printer: QPrinter | None = None) -> int:
    """Ask for printer, copies and pages in the system print dialog, then print; 0 when cancelled."""
    printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setObjectName("a4_print_dialog")
    dialog.setWindowTitle(QCoreApplication.translate("A4Printing", "打印通知书"))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return 0
    return print_pdf(pdf, printer)


def print_notice(pdf: Path | bytes, *, printer_name: str, parent: QWidget | None = None) -> int:
    """Print a notice the way the station is set up: silently to ``printer_name`` (the value of
    ``devices.a4_printer``) or, when that is empty, through the print dialog. Returns pages printed."""
    if printer_name.strip():
        return print_pdf(pdf, named_printer(printer_name.strip()))
    return print_with_dialog(pdf, parent)
