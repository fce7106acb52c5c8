"""申请人 panel: who is being served — from the ID card, typed in, or an organisation by USCC.

F2 reads the card on the reader; a card newly placed on the reader is read by itself (the reader
is polled once a second on its own thread). Typed numbers are checked live. Once the applicant is
saved the panel shows only the masked ID number (the monitor faces the hall) and the applicant's
earlier cases with their materials. 代办 mode records the agent and the authorization on the
Visit and shows a 代办 badge. What is typed is saved as a draft 500 ms after the last keystroke,
restored when the counter starts again, and dropped when the visit ends.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import UserFacingError
from app.services.applicants import ApplicantView
from app.services.queue import COUNTER_ROLES
from devices.idcard.base import IdCardData
from devices.manager import DeviceManager
from devices.registry import NO_DRIVER
from ui import core_labels
from ui.counter import operations as ops
from ui.counter.checked_field import CheckedField, id_number_verdict, mobile_verdict, uscc_verdict
from ui.counter.visit import Visit, gate_by_role
from ui.ops import OpRunner

log = logging.getLogger(__name__)

READ_KEY = "F2"
PHOTO_WIDTH, PHOTO_HEIGHT = 102, 126  # chip photo size (idcard.md §2.6)
# Shown at 3/4 size: at 1366 px the full size left the ID number field too narrow to read.
PHOTO_SHOWN_WIDTH, PHOTO_SHOWN_HEIGHT = 77, 95
PHOTO_STYLE = (
    "QLabel#applicant_photo { border: 1px solid #999; color: #666; qproperty-alignment: AlignCenter; }"
)
CARD_POLL_MS = 300  # a chip "find card" is cheap; 1 s felt slow at the window (bench/idcard_fill.py)
DRAFT_DELAY_MS = 500
BADGE_STYLE = "background:#e8710a;color:white;font-weight:bold;padding:2px 8px;border-radius:4px"
SAVED_STYLE = "font-weight:bold"
# Fields kept in the draft (object names); the card-read applicant is in the DB already.
DRAFT_FIELDS = (
    "applicant_name", "applicant_id_number", "applicant_mobile", "applicant_address",
    "org_name", "org_uscc", "org_legal_representative", "org_mobile",
    "agent_name", "agent_id_number", "agent_mobile",
)  # fmt: skip
PERSON, ORGANISATION = "person", "organisation"


class ApplicantPanel(QGroupBox):
    """The applicant of the current :class:`Visit`; see the module docstring for the flow."""

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        visit: Visit,
        devices: DeviceManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("申请人"))
        self.setObjectName("applicant_panel")
        self._ctx = ctx
        self._runner = runner
        self._visit = visit
        self._devices = devices
        self._draft_key = ops.draft_key(ops.window_number(ctx))
        self._reading = False
        self.card_read_timeout_s = ops.CARD_READ_TIMEOUT_S
        self._polling = False
        self._card_was_present: bool | None = None  # None: not polled yet (a card lying there is not "new")
        self._agent_card_number: str | None = None  # full number from the agent's card; never shown
        self._restoring = False
        self.previous: list[ops.PreviousCase] = []
        self._shown: ApplicantView | None = None  # the applicant the fields show

        self.read_button = QPushButton(self.tr("读身份证 {key}").format(key=READ_KEY))
        self.read_button.setObjectName("read_id_card")
        read_shortcut = QShortcut(QKeySequence(READ_KEY), self, self.read_button.click)
        read_shortcut.setAutoRepeat(False)
        self.person_mode = QRadioButton(self.tr("个人"))
        self.org_mode = QRadioButton(self.tr("单位"))
        self.person_mode.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.person_mode)
        modes.addButton(self.org_mode)
        self.agent_check = QCheckBox(self.tr("代办"))
        self.agent_check.setObjectName("agent_mode")
        self.agent_badge = QLabel(self.tr("代办"))
        self.agent_badge.setObjectName("agent_badge")
        self.agent_badge.setStyleSheet(BADGE_STYLE)
        self.agent_badge.hide()
        top = QHBoxLayout()
        for widget in (self.read_button, self.person_mode, self.org_mode, self.agent_check):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.agent_badge)

        # Person (个人)
        self.name_field = self._line("applicant_name")
        self.id_field = CheckedField(id_number_verdict, "applicant_id_number")
        self.mobile_field = CheckedField(mobile_verdict, "applicant_mobile")
        self.address_field = self._line("applicant_address")
        person = QWidget()
        person_form = QFormLayout(person)
        person_form.setContentsMargins(0, 0, 0, 0)
        person_form.addRow(QCoreApplication.translate("ApplicantPanel", "姓名"), self.name_field)
        person_form.addRow(QCoreApplication.translate("ApplicantPanel", "证件号码"), self.id_field)
        person_form.addRow(QCoreApplication.translate("ApplicantPanel", "手机号"), self.mobile_field)
        person_form.addRow(QCoreApplication.translate("ApplicantPanel", "地址"), self.address_field)
        # The chip photo (102×126): decoded only through a licensed vendor library; otherwise a
        # placeholder says so, and the raw photo is still kept (encrypted) with the applicant.
        self.photo_label = QLabel()
        self.photo_label.setObjectName("applicant_photo")
        self.photo_label.setFixedSize(PHOTO_SHOWN_WIDTH, PHOTO_SHOWN_HEIGHT)
        self.photo_label.setStyleSheet(PHOTO_STYLE)
        self.photo_label.setWordWrap(True)
        self.photo_label.hide()
        person_row = QHBoxLayout()
        person_row.setContentsMargins(0, 0, 0, 0)
        person_row.addWidget(person, 1)
        person_row.addWidget(self.photo_label)
        person_page = QWidget()
        person_page.setLayout(person_row)

        # Organisation (单位)
        self.org_name_field = self._line("org_name")
        self.uscc_field = CheckedField(uscc_verdict, "org_uscc")
        self.legal_rep_field = self._line("org_legal_representative")
        self.org_mobile_field = CheckedField(mobile_verdict, "org_mobile")
        organisation = QWidget()
        org_form = QFormLayout(organisation)
        org_form.setContentsMargins(0, 0, 0, 0)
        org_form.addRow(QCoreApplication.translate("ApplicantPanel", "单位名称"), self.org_name_field)
        org_form.addRow(QCoreApplication.translate("ApplicantPanel", "统一社会信用代码"), self.uscc_field)
        org_form.addRow(QCoreApplication.translate("ApplicantPanel", "法定代表人"), self.legal_rep_field)
        org_form.addRow(QCoreApplication.translate("ApplicantPanel", "手机号"), self.org_mobile_field)
        self.forms = QStackedWidget()
        self.forms.addWidget(person_page)
        self.forms.addWidget(organisation)

        self.confirm_button = QPushButton(self.tr("确认申请人"))
        self.confirm_button.setObjectName("confirm_applicant")
        self.clear_button = QPushButton(self.tr("重新录入"))
        self.clear_button.setObjectName("clear_applicant")
        actions = QHBoxLayout()
        actions.addWidget(self.confirm_button)
        actions.addWidget(self.clear_button)
        self.message = QLabel()
        self.message.setObjectName("applicant_message")
        self.message.setWordWrap(True)

        # Agent (代办人)
        self.agent_box = QGroupBox(self.tr("代办人（受申请人委托）"))
        self.agent_box.setObjectName("agent_box")
        self.agent_name_field = self._line("agent_name")
        self.agent_id_field = CheckedField(id_number_verdict, "agent_id_number")
        self.agent_mobile_field = CheckedField(mobile_verdict, "agent_mobile")
        self.agent_read_button = QPushButton(self.tr("读代办人身份证"))
        self.agent_read_button.setObjectName("read_agent_card")
        self.agent_button = QPushButton(self.tr("登记代办"))
        self.agent_button.setObjectName("register_agent")
        agent_form = QFormLayout(self.agent_box)
        agent_form.addRow(QCoreApplication.translate("ApplicantPanel", "代办人姓名"), self.agent_name_field)
        agent_form.addRow(QCoreApplication.translate("ApplicantPanel", "代办人证件号码"), self.agent_id_field)
        agent_form.addRow(
            QCoreApplication.translate("ApplicantPanel", "代办人手机号"), self.agent_mobile_field
        )
        agent_buttons = QHBoxLayout()
        agent_buttons.addWidget(self.agent_read_button)
        agent_buttons.addWidget(self.agent_button)
        agent_form.addRow(agent_buttons)
        self.agent_box.hide()

        self.previous_tree = QTreeWidget()
        self.previous_tree.setObjectName("previous_cases")
        self.previous_tree.setHeaderLabels([self.tr("以往办件"), self.tr("状态"), self.tr("收件日期")])
        self.previous_tree.setRootIsDecorated(True)
        self.previous_tree.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.forms)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(self.agent_box)
        layout.addWidget(self.previous_tree, 10)
        layout.addStretch(1)  # keeps the form at the top while there are no earlier cases

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(CARD_POLL_MS)
        self.poll_timer.timeout.connect(self._poll_card)

        self.read_button.clicked.connect(self.read_card)
        self.agent_read_button.clicked.connect(self.read_agent_card)
        self.confirm_button.clicked.connect(self.confirm)
        self.clear_button.clicked.connect(self.start_over)
        self.agent_button.clicked.connect(self.register_agent)
        self.org_mode.toggled.connect(self._mode_changed)
        self.agent_check.toggled.connect(self._agent_mode_changed)
        for edit in self._draft_edits():
            edit.textChanged.connect(self._typed)
            edit.returnPressed.connect(self._enter_pressed)
        visit.visit_did_change.connect(self._visit_changed)
        visit.visit_did_reset.connect(self._visit_reset)
        self._visit_changed()

    @staticmethod
    def _line(name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        return edit

    def _draft_edits(self) -> list[QLineEdit]:
        return [
            self.name_field, self.id_field.edit, self.mobile_field.edit, self.address_field,
            self.org_name_field, self.uscc_field.edit, self.legal_rep_field, self.org_mobile_field.edit,
            self.agent_name_field, self.agent_id_field.edit, self.agent_mobile_field.edit,
        ]  # fmt: skip

    # --- state shown -------------------------------------------------------------------------

    @property
    def reader_configured(self) -> bool:
        return self._devices is not None and self._devices.drivers.get("idcard", NO_DRIVER) != NO_DRIVER

    def _visit_changed(self) -> None:
        visit = self._visit
        applicant = visit.applicant
        allowed = gate_by_role(
            self.read_button, visit.actor, COUNTER_ROLES, self.tr("读取放在阅读器上的身份证")
        )
        if allowed and not self.reader_configured:
            self.read_button.setEnabled(False)
            self.read_button.setToolTip(self.tr("本机未配置身份证阅读器，请手工录入"))
        for widget in (self.confirm_button, self.agent_check, self.agent_button, self.agent_read_button):
            gate_by_role(widget, visit.actor, COUNTER_ROLES)
        if not self.reader_configured:
            self.agent_read_button.setEnabled(False)
        if applicant is not None and applicant != self._shown:
            self._show_applicant(applicant)
        elif applicant is None and self._shown is not None:
            self._make_editable()
        registered = visit.agent_id is not None
        self.agent_badge.setVisible(registered or self.agent_check.isChecked())
        self.agent_badge.setText(
            self.tr("代办：{name}").format(name=self.agent_name_field.text())
            if registered
            else self.tr("代办")
        )
        self.agent_button.setEnabled(
            self.agent_button.isEnabled() and applicant is not None and not registered
        )

    def _show_applicant(self, applicant: ApplicantView) -> None:
        """Saved applicant: masked number only, fields locked; the mobile may still be added."""
        self._shown = applicant
        organisation = applicant.kind == ORGANISATION
        (self.org_mode if organisation else self.person_mode).setChecked(True)
        if organisation:
            self._set_locked(self.org_name_field, applicant.name)
            self.uscc_field.set_read_only_text(applicant.uscc)
            self.legal_rep_field.setReadOnly(True)
            mobile = self.org_mobile_field
        else:
            self._set_locked(self.name_field, applicant.name)
            self.id_field.set_read_only_text(applicant.id_number_masked)
            self._set_locked(self.address_field, applicant.address_masked)
            mobile = self.mobile_field
        if not mobile.edit.text():
            mobile.edit.setPlaceholderText(applicant.mobile_masked or self.tr("可补充手机号后按“保存手机号”"))
        self.confirm_button.setText(self.tr("保存手机号"))
        summary = " · ".join(p for p in (applicant.name, applicant.id_number_masked or applicant.uscc,
                                         applicant.gender, applicant.nation) if p)  # fmt: skip
        self.message.setStyleSheet(SAVED_STYLE)
        self.message.setText(self.tr("已确认：{who}").format(who=summary))

    def _set_locked(self, edit: QLineEdit, text: str) -> None:
        edit.blockSignals(True)
        edit.setText(text)
        edit.blockSignals(False)
        edit.setReadOnly(True)

    def _make_editable(self) -> None:
        self._shown = None
        for edit in (self.name_field, self.address_field, self.org_name_field, self.legal_rep_field):
            edit.setReadOnly(False)
            edit.clear()
        for field in (self.id_field, self.uscc_field, self.mobile_field, self.org_mobile_field):
            field.reset()
            field.edit.setPlaceholderText("")
        self.confirm_button.setText(self.tr("确认申请人"))
        self.message.clear()
        self.message.setStyleSheet("")
        self.previous = []
        self.previous_tree.clear()
        self.previous_tree.hide()

    def masked_id_text(self) -> str:
        """What the ID field shows (the masked number once an applicant is saved)."""
        return self.id_field.text()

    def _mode_changed(self) -> None:
        self.forms.setCurrentIndex(1 if self.org_mode.isChecked() else 0)
        self._typed()

    def _agent_mode_changed(self, checked: bool) -> None:
        self.agent_box.setVisible(checked)
        if not checked and self._visit.agent_id is not None:
            self._visit.agent_id = None
            self._visit.authorization_id = None
        self._visit_changed()
        self._typed()

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet("color:#b00020")
        self.message.setText(text)

    # --- ID card -----------------------------------------------------------------------------

    def read_card(self) -> None:
        """F2: read the card on the reader into the applicant, or into the agent in 代办 mode."""
        if not self.read_button.isEnabled() or self._reading or self._devices is None:
            return
        self._reading = True
        op = ops.read_id_card(self._devices, self.card_read_timeout_s).with_progress(
            self.tr("正在读取身份证…")
        )
        self._runner.start(op.success(self._card_read).failure(self._read_failed))

    def read_agent_card(self) -> None:
        if not self.agent_read_button.isEnabled() or self._reading or self._devices is None:
            return
        self._reading = True
        op = ops.read_id_card(self._devices, self.card_read_timeout_s).with_progress(
            self.tr("正在读取代办人身份证…")
        )
        self._runner.start(op.success(self._fill_agent).failure(self._read_failed))

    def _card_read(self, card: IdCardData) -> None:
        self._reading = False
        visit = self._visit
        if visit.applicant is not None and self.agent_check.isChecked() and visit.agent_id is None:
            self._fill_agent(card)  # the applicant is known: this card is the agent's
            return
        if visit.applicant is not None:
            # Someone else's card: this is a new applicant at the same ticket.
            visit.agent_id = None
            visit.authorization_id = None
        self.show_photo(card)
        op = ops.applicant_from_card(self._ctx, visit.actor, card)
        self._runner.start(op.success(self._applicant_saved).failure(self._save_failed))

    def show_photo(self, card: IdCardData | None) -> None:
        """The card's photo, the "not decoded" placeholder, or nothing (typed applicant)."""
        if card is None:
            self.photo_label.clear()
            self.photo_label.hide()
            return
        pixmap = QPixmap()
        if card.photo and pixmap.loadFromData(card.photo):
            self.photo_label.setPixmap(pixmap.scaled(PHOTO_SHOWN_WIDTH, PHOTO_SHOWN_HEIGHT))
        else:
            self.photo_label.clear()
            self.photo_label.setText(self.tr("照片未解码"))
            self.photo_label.setToolTip(
                self.tr(
                    "未配置证件照片解码库，照片原始数据已加密保存。可在设置中填写 devices.idcard_photo_library。"
                )
            )
        self.photo_label.show()

    def _fill_agent(self, card: IdCardData) -> None:
        self._reading = False
        self._runner.start(ops.record_card_read(self._ctx, self._visit.actor, card, purpose="agent"))
        self._agent_card_number = card.id_number
        self.agent_name_field.setText(card.name)
        self.agent_id_field.set_read_only_text(card.masked_id_number)
        self.agent_mobile_field.edit.setFocus()

    def _read_failed(self, error: BaseException) -> None:
        self._reading = False
        self._show_error(self._error_text(error))

    def _error_text(self, error: BaseException) -> str:
        if isinstance(error, UserFacingError):
            return str(error)
        log.error("applicant op failed", exc_info=(type(error), error, error.__traceback__))
        return self._runner.apology()

    def start_auto_read(self) -> None:
        """Poll the reader once a second and read a card as soon as one is placed."""
        if self.reader_configured:
            self.poll_timer.start()

    def stop(self) -> None:
        """Stop polling; save a draft still waiting for its delay."""
        self.poll_timer.stop()
        if self._draft_timer.isActive():
            self._draft_timer.stop()
            self.save_draft()

    def _poll_card(self) -> None:
        if self._polling or self._reading or self._devices is None or not self.isEnabled():
            return
        self._polling = True
        self._runner.start(ops.card_present(self._devices).success(self._polled).failure(self._poll_failed))

    def _polled(self, present: bool) -> None:
        self._polling = False
        newly_placed = present and self._card_was_present is False
        self._card_was_present = present
        if newly_placed:
            self.read_card()

    def _poll_failed(self, _error: BaseException) -> None:
        # An unplugged reader shows in the status bar; the panel just waits for it to come back.
        self._polling = False
        self._card_was_present = None

    # --- typed entry -------------------------------------------------------------------------

    def _enter_pressed(self) -> None:
        sender = self.sender()
        if sender in (self.agent_name_field, self.agent_id_field.edit, self.agent_mobile_field.edit):
            self.register_agent()
        else:
            self.confirm()

    def confirm(self) -> None:
        """Save the typed applicant (or the mobile added to a saved one)."""
        if not self.confirm_button.isEnabled():
            return
        visit = self._visit
        applicant = visit.applicant
        if applicant is not None:
            mobile = self.org_mobile_field if applicant.kind == ORGANISATION else self.mobile_field
            if not mobile.text().strip():
                return
            if not mobile.is_valid():
                self._show_error(mobile.verdict.message or self.tr("请核对手机号。"))
                return
            op = ops.update_mobile(self._ctx, visit.actor, applicant.id, mobile.text())
        elif self.org_mode.isChecked():
            problem = self._first_problem(
                (self.org_name_field.text().strip() != "", self.tr("请输入单位名称。")),
                (
                    self.uscc_field.is_valid(),
                    self.uscc_field.verdict.message or self.tr("请输入统一社会信用代码。"),
                ),
                (self.legal_rep_field.text().strip() != "", self.tr("请输入法定代表人姓名。")),
                self._mobile_ok(self.org_mobile_field),
            )
            if problem:
                self._show_error(problem)
                return
            op = ops.organisation_applicant(
                self._ctx, visit.actor, name=self.org_name_field.text(), uscc=self.uscc_field.text(),
                legal_representative=self.legal_rep_field.text(), mobile=self.org_mobile_field.text(),
            )  # fmt: skip
        else:
            problem = self._first_problem(
                (self.name_field.text().strip() != "", self.tr("请输入申请人姓名。")),
                (self.id_field.is_valid(), self.id_field.verdict.message or self.tr("请输入身份证号码。")),
                self._mobile_ok(self.mobile_field),
            )
            if problem:
                self._show_error(problem)
                return
            op = ops.applicant_typed(
                self._ctx, visit.actor, name=self.name_field.text(), id_number=self.id_field.text(),
                mobile=self.mobile_field.text(), address=self.address_field.text(),
            )  # fmt: skip
        self._runner.start(op.success(self._applicant_saved).failure(self._save_failed))

    def _mobile_ok(self, field: CheckedField) -> tuple[bool, str]:
        return (field.state in ("empty", "valid"), field.verdict.message or self.tr("请核对手机号。"))

    @staticmethod
    def _first_problem(*checks: tuple[bool, str]) -> str:
        return next((message for ok, message in checks if not ok), "")

    def _applicant_saved(self, applicant: ApplicantView) -> None:
        for field in (self.mobile_field, self.org_mobile_field):
            if field.is_valid():
                field.edit.blockSignals(True)
                field.edit.clear()
                field.edit.blockSignals(False)
                field.reset()
        same = self._visit.applicant is not None and self._visit.applicant.id == applicant.id
        self._visit.applicant = applicant
        self._show_applicant(applicant)
        if not same:
            self._runner.start(ops.load_previous_cases(self._ctx, applicant.id).success(self._show_previous))
        self.save_draft()

    def _save_failed(self, error: BaseException) -> None:
        self._show_error(self._error_text(error))

    def start_over(self) -> None:
        """重新录入: forget the applicant and agent of this visit (the ticket stays)."""
        self._visit.applicant = None
        self._visit.agent_id = None
        self._visit.authorization_id = None
        self._clear_agent()
        self._make_editable()
        self.show_photo(None)
        self.name_field.setFocus()

    # --- previous cases ----------------------------------------------------------------------

    def _show_previous(self, previous: list[ops.PreviousCase]) -> None:
        self.previous = previous
        self.previous_tree.clear()
        for case in previous:
            row = case.row
            received = row.received_at.date().isoformat() if row.received_at else ""
            state = core_labels.case_state(row.state_label)
            top = QTreeWidgetItem([f"{row.local_number} {row.title}", state, received])
            for material in case.materials:
                pages = self.tr("{n} 页").format(n=len(material.pages))
                status = core_labels.material_status(material.status_label)
                top.addChild(QTreeWidgetItem([material.name, status, pages]))
            self.previous_tree.addTopLevelItem(top)
        self.previous_tree.setVisible(bool(previous))
        if previous:
            self.previous_tree.headerItem().setText(0, self.tr("以往办件（{n} 件）").format(n=len(previous)))

    def previous_case_texts(self) -> list[str]:
        tree = self.previous_tree
        items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
        return [item.text(0) for item in items if item is not None]

    # --- agent (代办) --------------------------------------------------------------------------

    def register_agent(self) -> None:
        visit = self._visit
        if not self.agent_button.isEnabled() or visit.applicant is None:
            return
        id_number = self._agent_card_number or self.agent_id_field.text()
        id_ok = self._agent_card_number is not None or self.agent_id_field.is_valid()
        problem = self._first_problem(
            (self.agent_name_field.text().strip() != "", self.tr("请输入代办人姓名。")),
            (id_ok, self.agent_id_field.verdict.message or self.tr("请输入代办人身份证号码。")),
            (
                self.agent_mobile_field.is_valid(),
                self.agent_mobile_field.verdict.message or self.tr("请输入代办人手机号。"),
            ),
        )
        if problem:
            self._show_error(problem)
            return
        op = ops.register_agent(
            self._ctx, visit.actor, name=self.agent_name_field.text(), id_number=id_number,
            mobile=self.agent_mobile_field.text(), applicant_id=visit.applicant.id,
        )  # fmt: skip
        self._runner.start(op.success(self._agent_registered).failure(self._save_failed))

    def _agent_registered(self, ids: tuple[int, int]) -> None:
        agent_id, authorization_id = ids
        for edit in (self.agent_name_field, self.agent_mobile_field.edit):
            edit.setReadOnly(True)
        self.agent_id_field.edit.setReadOnly(True)
        self._visit.authorization_id = authorization_id
        self._visit.agent_id = agent_id
        self.message.setStyleSheet(SAVED_STYLE)
        self.message.setText(
            self.tr("已登记代办：{name}（受申请人委托）。请扫描委托书作为材料。").format(
                name=self.agent_name_field.text()
            )
        )

    def _clear_agent(self) -> None:
        self._agent_card_number = None
        for edit in (self.agent_name_field,):
            edit.setReadOnly(False)
            edit.clear()
        self.agent_id_field.reset()
        self.agent_mobile_field.reset()
        self.agent_check.setChecked(False)

    # --- drafts (草稿) -------------------------------------------------------------------------

    def _typed(self) -> None:
        if not self._restoring:
            self._draft_timer.start()

    def draft_payload(self) -> dict[str, Any]:
        """The typed fields (only editable ones: a saved applicant lives in the database)."""
        values = {
            edit.objectName(): edit.text()
            for edit in self._draft_edits()
            if not edit.isReadOnly() and edit.text()
        }
        return {"mode": ORGANISATION if self.org_mode.isChecked() else PERSON,
                "agent": self.agent_check.isChecked(), "fields": values}  # fmt: skip

    def save_draft(self) -> None:
        self._draft_timer.stop()
        payload = self.draft_payload()
        if not payload["fields"] and not payload["agent"]:
            op = ops.clear_draft(self._ctx, self._draft_key)
        else:
            op = ops.save_draft(self._ctx, self._draft_key, self._visit.actor.username, payload)
        self._runner.start(op)

    def restore_draft(self) -> None:
        """Load the window's draft (typed before a crash or restart) into empty fields."""
        self._runner.start(ops.load_draft(self._ctx, self._draft_key).success(self._draft_loaded))

    def _draft_loaded(self, payload: dict[str, Any] | None) -> None:
        if not payload or self._visit.applicant is not None:
            return
        self._restoring = True
        try:
            (self.org_mode if payload.get("mode") == ORGANISATION else self.person_mode).setChecked(True)
            self.agent_check.setChecked(bool(payload.get("agent")))
            fields = payload.get("fields") or {}
            for edit in self._draft_edits():
                value = fields.get(edit.objectName())
                if isinstance(value, str) and not edit.text():
                    edit.setText(value)
        finally:
            self._restoring = False
        if fields:
            self.message.setStyleSheet("")
            self.message.setText(self.tr("已恢复上次未保存的录入内容。"))

    def _visit_reset(self) -> None:
        """A new visit: nothing typed for the last applicant may stay on screen or in the draft."""
        self._draft_timer.stop()
        self._restoring = True
        try:
            self._clear_agent()
            self._make_editable()
            self.show_photo(None)
            self.person_mode.setChecked(True)
        finally:
            self._restoring = False
        self._runner.start(ops.clear_draft(self._ctx, self._draft_key))
