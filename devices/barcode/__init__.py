"""Barcode/QR scanners (扫码枪): the role in ``base``, the keyboard-wedge driver in ``wedge``."""

from devices.barcode.base import BarcodeScanner, CodeCallback

__all__ = ["BarcodeScanner", "CodeCallback"]
