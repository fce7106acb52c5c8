"""申请人 panel: who is being served, read-only, with the ID number masked on screen.

The evaluator screen and passers-by can see the clerk's monitor, so the full ID number is never
put into a widget; the clerk gets the first and last four characters, enough to compare with the
card in hand.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit, QWidget

from app.masking import mask_id_number

EMPTY_HINT = "读取身份证后显示"


class ApplicantPanel(QGroupBox):
    """Name, masked ID number and mobile of the current applicant; nothing is editable here."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("申请人", parent)
        self.setObjectName("applicant_panel")
        self.name_field = self._field("applicant_name")
        self.id_field = self._field("applicant_id_number")
        self.mobile_field = self._field("applicant_mobile")
        form = QFormLayout(self)
        form.addRow("姓名", self.name_field)
        form.addRow("证件号码", self.id_field)
        form.addRow("手机号", self.mobile_field)

    @staticmethod
    def _field(name: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setReadOnly(True)
        field.setPlaceholderText(EMPTY_HINT)
        return field

    def show_applicant(self, name: str, id_number: str, mobile: str = "") -> None:
        self.name_field.setText(name)
        self.id_field.setText(mask_id_number(id_number) if id_number else "")
        self.mobile_field.setText(mobile)

    def clear(self) -> None:
        for field in (self.name_field, self.id_field, self.mobile_field):
            field.clear()
