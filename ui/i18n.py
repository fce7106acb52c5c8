"""Interface language (界面语言): Chinese is the source text, English the first translation.

Every user-visible string in ``ui/`` goes through ``self.tr()`` or ``QCoreApplication.translate``
with the Chinese text as the source, so the Chinese interface needs no catalogue of ours; only Qt's
own strings (the 确定/取消 of standard dialogs) need ``qtbase_zh_CN``. English comes from
``ui/translations/yichuang_en.qm``, compiled from ``yichuang_en.ts`` with ``pyside6-lrelease``.

Widgets read their texts when they are built, so the language is chosen before the first window.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLibraryInfo, QTranslator
from PySide6.QtGui import QGuiApplication

from app.model import Role
from app.services.actor import ROLE_LABELS
from ui.application import APP_DISPLAY_NAME

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).with_name("translations")
CATALOG_NAME = "yichuang"
LANGUAGES = ("zh_CN", "en")

# Installed translators must stay referenced: Qt does not own them and would read freed memory.
_installed: list[QTranslator] = []


def _load(path: Path) -> QTranslator | None:
    translator = QTranslator()
    if translator.load(str(path)):
        return translator
    log.warning("translation file %s could not be loaded", path)
    return None


def catalog_path(language: str) -> Path:
    """Where the compiled catalogue of ``language`` lives (Chinese has none: it is the source)."""
    return TRANSLATIONS_DIR / f"{CATALOG_NAME}_{language}.qm"


def use_language(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Replace the translators installed by an earlier call with those for ``language``.

    ``zh_CN`` installs Qt's own Chinese strings when the Qt build ships them; ``en`` installs ours.
    A missing file is logged and the interface stays in Chinese rather than failing to start.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown interface language {language!r}; expected one of {LANGUAGES}")
    while _installed:
        app.removeTranslator(_installed.pop())
    if language == "zh_CN":
        qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
        paths = [qt_dir / "qtbase_zh_CN.qm"]
    else:
        paths = [catalog_path(language)]
    for path in paths:
        if not path.is_file():
            log.warning("no translation file %s; the interface stays in Chinese", path)
            continue
        translator = _load(path)
        if translator is not None and app.installTranslator(translator):
            _installed.append(translator)
    if isinstance(app, QGuiApplication):
        app.setApplicationDisplayName(QCoreApplication.translate("Application", APP_DISPLAY_NAME))
    return list(_installed)


# Role names as the core spells them, marked for translation (context "Roles").
_ROLE_TEXTS = (
    QT_TRANSLATE_NOOP("Roles", "窗口人员"),
    QT_TRANSLATE_NOOP("Roles", "代办员"),
    QT_TRANSLATE_NOOP("Roles", "值班长"),
    QT_TRANSLATE_NOOP("Roles", "实施人员"),
)


def role_label(role: Role) -> str:
    """The role's name in the interface language ("窗口人员" / "Window clerk")."""
    return QCoreApplication.translate("Roles", ROLE_LABELS[role])


def roles_text(roles: frozenset[Role]) -> str:
    """ "窗口人员、代办员或值班长" — who may do something, for tooltips."""
    names = [role_label(r) for r in sorted(roles)]
    if len(names) == 1:
        return names[0]
    joiner = QCoreApplication.translate("Roles", "、")
    last = QCoreApplication.translate("Roles", "或")
    return joiner.join(names[:-1]) + last + names[-1]
