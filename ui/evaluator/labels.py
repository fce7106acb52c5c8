"""好差评 labels from the core (levels and bad-review reasons) in the interface language.

The core names them in Chinese (``app.services.evaluations.LEVEL_LABELS`` and ``REASONS``); they
are marked here in the "Evaluation" context. A label not marked here shows in Chinese.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.services.evaluations import LEVEL_LABELS

CONTEXT = "Evaluation"

_LEVELS = (
    QT_TRANSLATE_NOOP("Evaluation", "非常满意"),
    QT_TRANSLATE_NOOP("Evaluation", "满意"),
    QT_TRANSLATE_NOOP("Evaluation", "基本满意"),
    QT_TRANSLATE_NOOP("Evaluation", "不满意"),
    QT_TRANSLATE_NOOP("Evaluation", "非常不满意"),
)
_REASONS = (
    QT_TRANSLATE_NOOP("Evaluation", "办事效率低"),
    QT_TRANSLATE_NOOP("Evaluation", "服务态度差"),
    QT_TRANSLATE_NOOP("Evaluation", "一次性告知不清"),
    QT_TRANSLATE_NOOP("Evaluation", "多次跑动"),
    QT_TRANSLATE_NOOP("Evaluation", "材料要求不合理"),
    QT_TRANSLATE_NOOP("Evaluation", "等候时间过长"),
    QT_TRANSLATE_NOOP("Evaluation", "办事指南不准确"),
    QT_TRANSLATE_NOOP("Evaluation", "其他"),
)


def level_label(level: int) -> str:
    """ "非常满意" / "Very satisfied" for GB/T 39046 A.8 code 1."""
    return QCoreApplication.translate(CONTEXT, LEVEL_LABELS[level])


def reason_label(reason: str) -> str:
    """ "多次跑动" / "Had to come back several times"."""
    return QCoreApplication.translate(CONTEXT, reason)
