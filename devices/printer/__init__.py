"""Receipt printers (小票打印机): the role and status in ``base``, drivers beside it."""

from devices.printer.base import CoverOpen, PaperOut, PrinterOffline, PrinterStatus, ReceiptPrinter

__all__ = ["CoverOpen", "PaperOut", "PrinterOffline", "PrinterStatus", "ReceiptPrinter"]
