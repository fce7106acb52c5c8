"""DeliveryDialog (出件): hand a finished case's result over in person, or mail it by EMS.

In person, the collector's ID card is read from the reader (or its number typed) and the core
checks it against the applicant and the authorized agent; a mismatch shows the core's Chinese
message in the dialog and records nothing. By EMS, the address and the tracking number are
required. After the hand-over the 领取回执 is printed and the applicant is invited to rate the
service. The full ID number stays in this dialog's memory only: the field shows it masked.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.documents.data import ReceiptData
from app.errors import DeviceUnavailable, UserFacingError
from app.masking import mask_id_number
from app.services import card_reads
from app.services.actor import Actor
from app.services.case_views import CaseView
from devices.idcard.base import IdCardData, IdCardReader
from devices.manager import DeviceManager
from ui.counter.case_operations import CaseResult, build_receipt, clerk_name, deliver_case
from ui.counter.print_preview import PrintOutcome, PrintPreviewDialog, close_button, print_receipt
from ui.ops import Op, OpRunner

CARD_TIMEOUT_S = 3.0
# Chinese source strings of the "DeliveryDialog" translation context.
EVALUATION_PROMPT = str(QT_TRANSLATE_NOOP("DeliveryDialog", "请对本次服务进行评价"))
DONE_MESSAGE = str(QT_TRANSLATE_NOOP("DeliveryDialog", "出件已登记，领取回执正在打印。"))
RECEIPT_KIND = "领取回执"  # a template key


@dataclass(frozen=True)
class CollectorCard:
    """Name and number read from the collector's card; never logged, shown only masked."""

    name: str
    id_number: str

    def __repr__(self) -> str:
        return f"CollectorCard(id_number={mask_id_number(self.id_number)!r})"


def _read(reader: IdCardReader) -> IdCardData:
    return reader.read_card(CARD_TIMEOUT_S)


def read_collector_card(
    devices: DeviceManager | None,
    ctx: AppContext | None = None,
    actor: Actor | None = None,
    case_id: int | None = None,
) -> Op[CollectorCard]:
    """Read the card lying on the ID reader (network lane: the reader may wait seconds).

    With ``ctx`` and ``actor`` the read is audited against ``case_id`` (出件核验领取人).
    """

    def run() -> CollectorCard:
        if devices is None:
            message = QCoreApplication.translate(
                "DeliveryDialog", "本机未配置身份证阅读器，请手工输入领取人证件号码。"
            )
            raise DeviceUnavailable(message, device="idcard")
        card = devices.submit("idcard", _read).result(timeout=CARD_TIMEOUT_S + 10)
        if ctx is not None and actor is not None:
            with ctx.db.session() as session:
                card_reads.record_card_read(
                    session,
                    actor,
                    id_number=card.id_number,
                    card_type=card.card_type,
                    purpose="delivery",
                    case_id=case_id,
                )
        return CollectorCard(name=card.name, id_number=card.id_number)

    return (
        Op(run=run, name="read_collector_card")
        .on_network()
        .with_progress(QCoreApplication.translate("DeliveryDialog", "正在读取领取人身份证…"))
    )


class DeliveryDialog(QDialog):
    """出件 for one case in state 已办结."""

    case_did_deliver = Signal(object)  # CaseView

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager | None,
        actor: Actor,
        case: CaseView,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("delivery_dialog")
        self.setWindowTitle(self.tr("出件 · {number}").format(number=case.local_number))
        self._ctx = ctx
        self._runner = runner
        self._devices = devices
        self._actor = actor
        self.case = case
        self._card_number: str | None = None  # full number from the card, never shown
        self.preview: PrintPreviewDialog | None = None

        who = self.tr("申请人：{name} {id}").format(name=case.applicant_name, id=case.applicant_id_masked)
        if case.is_agent_case:
            who += self.tr("　代办人：{name}").format(name=case.agent_name)
        summary = QLabel(f"{case.local_number}　{'、'.join(case.item_names) or case.title}\n{who}")
        summary.setWordWrap(True)
        self.in_person = QRadioButton(self.tr("当面领取"))
        self.in_person.setObjectName("in_person")
        self.by_mail = QRadioButton(self.tr("EMS 邮寄"))
        self.by_mail.setObjectName("by_mail")
        self.in_person.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.in_person)
        group.addButton(self.by_mail)
        choice = QHBoxLayout()
        choice.addWidget(self.in_person)
        choice.addWidget(self.by_mail)
        choice.addStretch(1)

        self.collector_name = QLineEdit()
        self.collector_name.setObjectName("collector_name")
        self.collector_id = QLineEdit()
        self.collector_id.setObjectName("collector_id")
        self.collector_id.setPlaceholderText(self.tr("读身份证，或输入 18 位证件号码"))
        self.collector_id.textEdited.connect(self._id_typed)
        self.read_card_button = QPushButton(self.tr("读身份证 (F2)"))
        self.read_card_button.setObjectName("read_collector_card")
        read_key = QShortcut(QKeySequence("F2"), self, self.read_card_button.click)
        read_key.setAutoRepeat(False)
        self.read_card_button.clicked.connect(self.read_card)
        person = QWidget()
        person_form = QFormLayout(person)
        person_form.addRow(self.tr("领取人姓名："), self.collector_name)
        id_row = QHBoxLayout()
        id_row.addWidget(self.collector_id, 1)
        id_row.addWidget(self.read_card_button)
        person_form.addRow(self.tr("领取人证件："), id_row)

        self.recipient = QLineEdit()
        self.recipient.setObjectName("mail_recipient")
        self.recipient.setText(case.applicant_name)
        self.address = QLineEdit()
        self.address.setObjectName("mail_address")
        self.tracking = QLineEdit()
        self.tracking.setObjectName("tracking_number")
        mail = QWidget()
        mail_form = QFormLayout(mail)
        mail_form.addRow(self.tr("收件人："), self.recipient)
        mail_form.addRow(self.tr("收件地址："), self.address)
        mail_form.addRow(self.tr("EMS 单号："), self.tracking)

        self.pages = QStackedWidget()
        self.pages.addWidget(person)
        self.pages.addWidget(mail)
        self.in_person.toggled.connect(lambda on: self.pages.setCurrentIndex(0 if on else 1))

        self.error = QLabel()
        self.error.setObjectName("delivery_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.prompt = QLabel()
        self.prompt.setObjectName("evaluation_prompt")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt.setStyleSheet("font-size: 18pt; font-weight: bold; color: #0d47a1;")
        self.confirm_button = QPushButton(self.tr("确认出件"))
        self.confirm_button.setObjectName("confirm_delivery")
        self.confirm_button.setDefault(True)
        self.confirm_button.clicked.connect(self.confirm)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_button(buttons)
        buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(choice)
        layout.addWidget(self.pages)
        layout.addWidget(self.error)
        layout.addWidget(self.prompt)
        layout.addWidget(buttons)
        self.resize(560, 360)

    # --- collector's identity -------------------------------------------------------------------

    def read_card(self) -> None:
        self.error.clear()
        self.read_card_button.setEnabled(False)
        op = read_collector_card(self._devices, self._ctx, self._actor, self.case.id)
        op.success(self._card_read).failure(self._card_failed)
        self._runner.start(op)

    def _card_read(self, card: CollectorCard) -> None:
        self.read_card_button.setEnabled(True)
        self._card_number = card.id_number
        self.collector_name.setText(card.name)
        self.collector_id.setText(mask_id_number(card.id_number))

    def _card_failed(self, error: BaseException) -> None:
        self.read_card_button.setEnabled(True)
        if not isinstance(error, UserFacingError):
            raise error
        self.error.setText(str(error))

    def _id_typed(self, _text: str) -> None:
        self._card_number = None  # the clerk types over what the card gave

    def collector_id_number(self) -> str:
        """The full number to check: from the card, or as typed."""
        return self._card_number or self.collector_id.text().strip().upper()

    # --- hand-over ----------------------------------------------------------------------------

    def confirm(self) -> None:
        self.error.clear()
        if self.by_mail.isChecked():
            op = deliver_case(
                self._ctx,
                self._actor,
                self.case.id,
                collector_id_number=None,
                collector_name=self.recipient.text().strip(),
                mail_address=self.address.text(),
                tracking_number=self.tracking.text(),
            )
            note = f"EMS 邮寄，单号 {self.tracking.text().strip()}"  # printed on the Chinese 领取回执
            collector = self.recipient.text().strip()
        else:
            op = deliver_case(
                self._ctx,
                self._actor,
                self.case.id,
                collector_id_number=self.collector_id_number() or None,
                collector_name=self.collector_name.text().strip(),
            )
            note = "当面领取"
            collector = self.collector_name.text().strip()
        self.confirm_button.setEnabled(False)
        op.success(lambda result: self._delivered(result, collector, note)).failure(self._refused)
        self._runner.start(op.with_progress(self.tr("正在登记出件…")))

    def _refused(self, error: BaseException) -> None:
        self.confirm_button.setEnabled(True)
        if not isinstance(error, UserFacingError):
            raise error  # the runner logs it and shows its apology
        self.error.setText(str(error))

    def _delivered(self, result: CaseResult, collector: str, note: str) -> None:
        self.case = result.case
        self.pages.setEnabled(False)
        self.in_person.setEnabled(False)
        self.by_mail.setEnabled(False)
        self.error.clear()
        self.prompt.setText(self.tr(DONE_MESSAGE) + "\n" + self.tr(EVALUATION_PROMPT))
        self.case_did_deliver.emit(result.case)
        receipt = build_receipt(
            self._ctx,
            result.case.id,
            RECEIPT_KIND,
            clerk=clerk_name(self._actor),
            collector_name=collector,
            delivery_note=note,
        )
        self._runner.start(receipt.success(self._print))

    def _print(self, data: ReceiptData) -> None:
        self._runner.start(print_receipt(self._ctx, self._devices, data).success(self._show_preview))

    def _show_preview(self, outcome: PrintOutcome) -> None:
        self.preview = PrintPreviewDialog(self._runner, self._devices, outcome, self)
        self.preview.show()
