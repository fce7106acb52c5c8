"""A line edit that checks what is typed as it is typed (ID number, USCC, mobile).

Red border and the core's Chinese message under the field when the text is wrong; green with
what the number says when it is right; neutral while it is still too short to judge, so the clerk
is not shouted at after the first digit. The checks are ``app.validation``'s, the same ones the
services apply on save.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from app.errors import ValidationError
from app.validation import check_id_number, check_mobile, check_uscc

State = Literal["empty", "partial", "valid", "invalid"]

BORDER_STYLES: dict[State, str] = {
    "empty": "",
    "partial": "",
    "valid": "QLineEdit { border: 2px solid #1b7f3b; border-radius: 3px; padding: 1px; }",
    "invalid": "QLineEdit { border: 2px solid #b00020; border-radius: 3px; padding: 1px; }",
}
MESSAGE_STYLES: dict[State, str] = {
    "empty": "color: palette(mid)",
    "partial": "color: palette(mid)",
    "valid": "color: #1b7f3b",
    "invalid": "color: #b00020",
}
ID_LENGTH = 18
MOBILE_LENGTH = 11


@dataclass(frozen=True)
class Verdict:
    state: State
    message: str


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def id_number_verdict(text: str) -> Verdict:
    """Live verdict on a typed ID number (居民身份证 / 居住证 / 永久居留证 numbers)."""
    number = _compact(text)
    if not number:
        return Verdict("empty", "")
    if len(number) < ID_LENGTH:
        if not number.isdigit():
            # Pad to full length so the core names the wrong character, in its own words.
            try:
                check_id_number(number + "0" * (ID_LENGTH - len(number)))
            except ValidationError as error:
                return Verdict("invalid", str(error))
        return Verdict(
            "partial", QCoreApplication.translate("CheckedField", "已输入 {n}/18 位").format(n=len(number))
        )
    try:
        info = check_id_number(number)
    except ValidationError as error:
        return Verdict("invalid", str(error))
    return Verdict(
        "valid",
        QCoreApplication.translate(
            "CheckedField", "号码有效：{kind}，{gender}，{birth} 出生，{province}"
        ).format(
            kind=info.kind_label,
            gender=info.gender,
            birth=info.birth_date.isoformat(),
            province=info.province,
        ),
    )


def uscc_verdict(text: str) -> Verdict:
    """Live verdict on a unified social credit code (统一社会信用代码)."""
    code = _compact(text)
    if not code:
        return Verdict("empty", "")
    if len(code) < ID_LENGTH:
        return Verdict(
            "partial", QCoreApplication.translate("CheckedField", "已输入 {n}/18 位").format(n=len(code))
        )
    try:
        check_uscc(code)
    except ValidationError as error:
        return Verdict("invalid", str(error))
    return Verdict("valid", QCoreApplication.translate("CheckedField", "代码有效"))


def mobile_verdict(text: str) -> Verdict:
    """Live verdict on a mainland mobile number."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
    if not text.strip():
        return Verdict("empty", "")
    if len(digits) < MOBILE_LENGTH and all(ch.isdigit() or ch in " -+()" for ch in text):
        return Verdict(
            "partial", QCoreApplication.translate("CheckedField", "已输入 {n}/11 位").format(n=len(digits))
        )
    try:
        check_mobile(text)
    except ValidationError as error:
        return Verdict("invalid", str(error))
    return Verdict("valid", QCoreApplication.translate("CheckedField", "号码有效"))


class CheckedField(QWidget):
    """A QLineEdit (:attr:`edit`) with its verdict (:attr:`message`) underneath."""

    def __init__(
        self, check: Callable[[str], Verdict], object_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._check = check
        self.edit = QLineEdit()
        self.edit.setObjectName(object_name)
        self.message = QLabel()
        self.message.setObjectName(f"{object_name}_message")
        self.message.setWordWrap(True)
        self.verdict = Verdict("empty", "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        self.message.hide()
        self.edit.textChanged.connect(self._recheck)

    @property
    def state(self) -> State:
        return self.verdict.state

    def text(self) -> str:
        return self.edit.text()

    def is_valid(self) -> bool:
        return self.verdict.state == "valid"

    def set_read_only_text(self, text: str) -> None:
        """Show a value that is not checked here (a masked number from a card read)."""
        self.edit.blockSignals(True)
        self.edit.setText(text)
        self.edit.blockSignals(False)
        self.edit.setReadOnly(True)
        self._show(Verdict("empty", ""))

    def reset(self) -> None:
        self.edit.setReadOnly(False)
        self.edit.clear()
        self._show(Verdict("empty", ""))

    def _recheck(self, text: str) -> None:
        if not self.edit.isReadOnly():
            self._show(self._check(text))

    def _show(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self.edit.setStyleSheet(BORDER_STYLES[verdict.state])
        self.message.setStyleSheet(MESSAGE_STYLES[verdict.state])
        self.message.setText(verdict.message)
        self.message.setVisible(bool(verdict.message))
