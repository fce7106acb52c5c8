"""The QApplication every GUI mode shares: created once, with a font that renders Chinese.

Qt picks a fallback font per glyph, but on a Linux install without a configured CJK default that
fallback can be a Japanese or Korean face (wrong glyph shapes for 简体) or nothing at all (boxes).
Naming a Simplified Chinese family first avoids both; sizes stay in points so high-DPI screens scale.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

#: The program's name as windows show it; a source string of the "Application" context, so
#: ``ui.i18n.use_language`` can rename the running application in the chosen language.
APP_DISPLAY_NAME = str(QT_TRANSLATE_NOOP("Application", "一窗"))

#: Simplified Chinese UI families, best first: Debian/UOS/Kylin, then Windows, then macOS.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "Microsoft YaHei UI",
    "PingFang SC",
    "WenQuanYi Micro Hei",
)


def ensure_application() -> QApplication:
    """The running QApplication, or a new one for this process (argv passes Qt's own options)."""
    existing = QApplication.instance()
    if existing is not None:
        assert isinstance(existing, QApplication), "a QCoreApplication without widgets is already running"
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("yichuang")
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    return app


def cjk_family() -> str | None:
    """The first installed family of :data:`CJK_FAMILIES`, or None when none is installed."""
    installed = set(QFontDatabase.families())
    return next((family for family in CJK_FAMILIES if family in installed), None)


def apply_ui_font(app: QApplication, scale: float = 1.0) -> QFont:
    """Make the CJK family the application font, scaled by ``ui.font_scale``; returns the font."""
    font = QFont(app.font())
    family = cjk_family()
    if family is not None:
        # Keep the platform's own family as a fallback for Latin text and symbols.
        font.setFamilies([family, *font.families()])
    if scale != 1.0 and font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    app.setFont(font)
    return font
