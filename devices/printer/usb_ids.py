"""USB IDs of receipt printers (小票打印机 USB 标识) seen in public code and descriptor dumps, as data.

Cheap thermal printers rarely have a USB vendor ID of their own: they report the ID of the USB chip
inside (Winbond, STMicroelectronics, NXP …), so one VID:PID covers several brands and one brand
ships several IDs. The table lists the IDs seen for the brands halls buy — Xprinter (芯烨),
Gprinter (佳博), Zjiang (资江) and Epson (爱普生) — with the models they were reported for. The
installer turns it into udev rules (installer/build_deb.py) so the clerk's account can open these
printers without root; docs/hardware.md shows it. A printer whose ID is missing still works with
``usb://VID:PID`` once a udev rule for it is added (docs/hardware.md says how).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class UsbPrinterId:
    """One VID:PID pair: who owns the vendor ID (often the chip maker) and where it was seen."""

    vendor_id: int
    product_id: int
    vendor: str
    seen_as: str

    @property
    def text(self) -> str:
        """``0416:5011``, the form ``lsusb`` prints and ``usb://`` printer URIs take."""
        return f"{self.vendor_id:04x}:{self.product_id:04x}"


RECEIPT_PRINTER_USB_IDS: Final[tuple[UsbPrinterId, ...]] = (
    UsbPrinterId(
        0x0416, 0x5011, "Winbond (chip)", "POS-58/POS-80 printers made by Zjiang and sold under many labels"
    ),
    UsbPrinterId(
        0x0483, 0x5743, "STMicroelectronics (chip)", "Xprinter XP-T58H (manufacturer string Xprinter), POS80"
    ),
    UsbPrinterId(0x0456, 0x0808, "Analog Devices (chip)", "Xprinter XP-58III and other 58/80 mm printers"),
    UsbPrinterId(0x0FE6, 0x811E, "ICS Advent (USB bridge)", "POS58-class printers, Xprinter XP-T80A"),
    UsbPrinterId(
        0x1FC9, 0x2016, "NXP (chip)", "80 mm printers reporting 'USB Printer P' (Xprinter XP-365B and others)"
    ),
    UsbPrinterId(0x6868, 0x0200, "Gainscha (Gprinter)", "Gprinter GP-58 / 58MBIII+"),
    UsbPrinterId(0x6868, 0x0500, "Gainscha (Gprinter)", "Gprinter GP-R222C, ZH-380"),
    UsbPrinterId(
        0x04B8, 0x0202, "Seiko Epson", "TM-T88 series (UB-U0x USB interface), also reported for TM-T20"
    ),
    UsbPrinterId(0x04B8, 0x0E03, "Seiko Epson", "TM-T20, also reported for TM-T88V"),
    UsbPrinterId(0x04B8, 0x0E15, "Seiko Epson", "TM-T20II, also reported for TM-T20III"),
    UsbPrinterId(0x04B8, 0x0E28, "Seiko Epson", "TM-T20III, TM-m30III"),
)
