"""Scanners (扫描仪): the role in ``base``, drivers beside it."""

from devices.scanner.base import ColorMode, FeederEmpty, PaperJam, Scanner, ScanSource, SourceNotAvailable

__all__ = ["ColorMode", "FeederEmpty", "PaperJam", "ScanSource", "Scanner", "SourceNotAvailable"]
