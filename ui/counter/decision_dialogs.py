"""The clerk's decisions on a case (预登记, 受理, 补正告知, 不予受理, 撤销决定) and on a material (容缺, 复用).

:class:`DecisionBar` holds the decision buttons (F8 受理, F9 补正告知, F10 不予受理, Ctrl+P 通知书).
Each decision opens the visit's case first when there is none yet (收件), then asks for
confirmation exactly once: a dialog that says what will happen — for 受理 the promised date, for
补正 every missing or defective material with what is required and the deadline, for 不予受理 the
reason (required) and the competent agency. After the core has recorded the decision the
thermal receipt is printed and shown (:mod:`ui.counter.print_preview`); A4 notices are made on
demand with Ctrl+P (the 不予受理通知书 at once, as it is the only paper the applicant gets).
Only a supervisor sees 撤销决定. Dialogs open window-modal with ``open()``, never ``exec()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.case_states import CaseState
from app.clock import local_now
from app.context import AppContext
from app.documents.data import ReceiptData, format_date
from app.model.catalog import Role
from app.services.case_views import CaseView, CorrectionItem
from app.services.materials import ReusableSet
from devices.manager import DeviceManager
from ui import core_labels
from ui.counter import case_operations as ops
from ui.counter.print_preview import (
    NoticePreviewDialog,
    PrintOutcome,
    PrintPreviewDialog,
    print_receipt,
    save_notice,
)
from ui.counter.visit import Visit
from ui.ops import OpRunner

ERROR_STYLE = "color: #b71c1c; font-weight: bold;"
# Button texts and tips: Chinese source strings of the "DecisionBar" translation context.
DECISIONS = (
    (
        "pre_register",
        str(QT_TRANSLATE_NOOP("DecisionBar", "预登记")),
        "",
        str(QT_TRANSLATE_NOOP("DecisionBar", "为办件编号并分送部门窗口，打印收件凭证")),
    ),
    (
        "accept",
        str(QT_TRANSLATE_NOOP("DecisionBar", "受理 (F8)")),
        "F8",
        str(QT_TRANSLATE_NOOP("DecisionBar", "材料齐全、符合法定形式：受理并打印受理回执")),
    ),
    (
        "correction",
        str(QT_TRANSLATE_NOOP("DecisionBar", "补正告知 (F9)")),
        "F9",
        str(QT_TRANSLATE_NOOP("DecisionBar", "材料不齐或不符合要求：一次性告知需补正的全部材料")),
    ),
    (
        "reject",
        str(QT_TRANSLATE_NOOP("DecisionBar", "不予受理 (F10)")),
        "F10",
        str(QT_TRANSLATE_NOOP("DecisionBar", "不属于受理范围或不符合条件：说明理由")),
    ),
    (
        "notice",
        str(QT_TRANSLATE_NOOP("DecisionBar", "打印通知书 (Ctrl+P)")),
        "Ctrl+P",
        str(
            QT_TRANSLATE_NOOP(
                "DecisionBar", "生成并预览 A4 通知书（受理通知书、一次性告知书、不予受理通知书）"
            )
        ),
    ),
    (
        "undo",
        str(QT_TRANSLATE_NOOP("DecisionBar", "撤销决定")),
        "",
        str(QT_TRANSLATE_NOOP("DecisionBar", "值班长：撤销受理、补正告知或不予受理，办件回到“已收件”")),
    ),
)
#: Which A4 notice (a template key, so Chinese) records the decision a case is in.
NOTICE_KINDS = {
    CaseState.ACCEPTED: "受理通知书",
    CaseState.CORRECTION_REQUESTED: "一次性告知书",
    CaseState.REJECTED: "不予受理通知书",
}
UNDOABLE = frozenset(NOTICE_KINDS)
REASON_REQUIRED = str(QT_TRANSLATE_NOOP("RejectDialog", "请填写不予受理的理由（必填），再确认。"))
NO_CORRECTION_LINES = str(QT_TRANSLATE_NOOP("CorrectionDialog", "请至少列出一项需要补正的材料及要求。"))
DATE_FORMAT = "yyyy-MM-dd"


def promised_text(date: dt.date | None, provisional: bool) -> str:
    """The promised date as the confirmation and the status line say it, marked when provisional."""
    if date is None:
        return QCoreApplication.translate("DecisionBar", "（无承诺办结日）")
    if not provisional:
        return format_date(date)
    note = QCoreApplication.translate("DecisionBar", "（暂定：节假日安排尚未公布，公布后重新计算）")
    return format_date(date) + note


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _today() -> QDate:
    """Today in Beijing time, as the core counts deadlines (the PC's own zone may differ)."""
    return _qdate(local_now().date())


def _python_date(edit: QDateEdit) -> dt.date:
    value = edit.date().toPython()
    assert isinstance(value, dt.date)
    return value


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    cancel.setText(QCoreApplication.translate("DecisionBar", "取消"))
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class ConfirmDialog(QDialog):
    """Says what a decision will do; with ``blocking`` lines the decision cannot be confirmed."""

    def __init__(
        self,
        title: str,
        summary: str,
        ok_text: str,
        blocking: tuple[str, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("confirm_decision")
        self.setWindowTitle(title)
        self.summary = QLabel(summary)
        self.summary.setObjectName("confirm_summary")
        self.summary.setWordWrap(True)
        self.blocking = QLabel("\n".join(f"· {line}" for line in blocking))
        self.blocking.setObjectName("confirm_blocking")
        self.blocking.setWordWrap(True)
        self.blocking.setStyleSheet(ERROR_STYLE)
        self.blocking.setVisible(bool(blocking))
        self.box = _buttons(self, ok_text)
        self.ok_button = self.box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(not blocking)
        self.alternative = QPushButton(self.tr("改为补正告知"))
        self.alternative.setObjectName("switch_to_correction")
        self.alternative.setVisible(bool(blocking))
        self.box.addButton(self.alternative, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        if blocking:
            layout.addWidget(QLabel(self.tr("材料不齐，不能受理：")))
        layout.addWidget(self.blocking)
        layout.addWidget(self.box)
        self.resize(520, 240)


class CorrectionDialog(QDialog):
    """补正告知 / 一次性告知: every material to add or fix, what is required, and the deadline."""

    def __init__(self, draft: ops.CorrectionDraft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("correction_dialog")
        self.setWindowTitle(self.tr("补正告知 · {number}").format(number=draft.case.local_number))
        intro = QLabel(
            self.tr(
                "一次性告知申请人需要补正的全部材料。请核对每一项的补正要求，可修改、增加或删除；"
                "确认后打印补正告知，办件等待补正收件。"
            )
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("correction_items")
        self.table.setHorizontalHeaderLabels([self.tr("材料"), self.tr("补正要求")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for item in draft.items:
            self.add_line(item.material, item.requirement)
        add = QPushButton(self.tr("增加一项"))
        add.setObjectName("add_correction_line")
        add.clicked.connect(lambda: self.add_line("", ""))
        remove = QPushButton(self.tr("删除选中项"))
        remove.setObjectName("remove_correction_line")
        remove.clicked.connect(self._remove_selected)
        edit_row = QHBoxLayout()
        edit_row.addWidget(add)
        edit_row.addWidget(remove)
        edit_row.addStretch(1)
        self.deadline = QDateEdit(_qdate(draft.deadline))
        self.deadline.setObjectName("correction_deadline")
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat(DATE_FORMAT)
        self.deadline.setMinimumDate(_today())
        form = QFormLayout()
        form.addRow(self.tr("补正期限："), self.deadline)
        self.error = QLabel()
        self.error.setObjectName("correction_error")
        self.error.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(edit_row)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, self.tr("确认告知并打印")))
        self.resize(760, 460)

    def add_line(self, material: str, requirement: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(material))
        self.table.setItem(row, 1, QTableWidgetItem(requirement))

    def _remove_selected(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def lines(self) -> list[CorrectionItem]:
        out = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, column) for column in (0, 1)]
            material, requirement = (c.text().strip() if c is not None else "" for c in cells)
            if material:
                out.append(CorrectionItem(material, requirement))
        return out

    def deadline_date(self) -> dt.date:
        return _python_date(self.deadline)

    def accept(self) -> None:
        if not self.lines():
            self.error.setText(self.tr(NO_CORRECTION_LINES))
            return
        super().accept()


class RejectDialog(QDialog):
    """不予受理: the reason is required; the competent agency is named when the matter is not ours."""

    def __init__(self, case: CaseView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reject_dialog")
        self.setWindowTitle(self.tr("不予受理 · {number}").format(number=case.local_number))
        intro = QLabel(
            self.tr(
                "对“{title}”作出不予受理决定。确认后生成不予受理通知书，告知申请人理由，"
                "以及申请行政复议（60 日内）或提起行政诉讼（6 个月内）的权利。"
            ).format(title=case.title)
        )
        intro.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("reject_reason")
        self.reason.setPlaceholderText(self.tr("必填：不予受理的具体理由及依据"))
        self.agency = QLineEdit()
        self.agency.setObjectName("competent_agency")
        self.agency.setPlaceholderText(self.tr("不属于本机关职权范围的，填写应向哪个机关申请"))
        form = QFormLayout()
        form.addRow(self.tr("理由（必填）："), self.reason)
        form.addRow(self.tr("有权机关："), self.agency)
        self.error = QLabel()
        self.error.setObjectName("reject_error")
        self.error.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, self.tr("确认不予受理")))
        self.resize(560, 340)

    def accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText(self.tr(REASON_REQUIRED))
            self.reason.setFocus()
            return
        super().accept()


class ReasonDialog(QDialog):
    """A required reason, e.g. for 撤销决定."""

    def __init__(self, title: str, prompt: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reason_dialog")
        self.setWindowTitle(title)
        label = QLabel(prompt)
        label.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("reason_text")
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, ok_text))

    def accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText(self.tr("请填写理由（必填）。"))
            return
        super().accept()


class DeferDialog(QDialog):
    """容缺: the applicant's written commitment to bring a 容缺后补 material by a date."""

    def __init__(self, material_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("defer_dialog")
        self.setWindowTitle(self.tr("容缺受理 · {name}").format(name=material_name))
        self.due = QDateEdit(_today().addDays(7))
        self.due.setObjectName("defer_due")
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat(DATE_FORMAT)
        self.due.setMinimumDate(_today().addDays(1))
        self.commitment = QPlainTextEdit()
        self.commitment.setObjectName("defer_commitment")
        # The applicant's own words on the record: Chinese whatever the interface language.
        self.commitment.setPlainText(
            f"本人承诺在补交期限前补交“{material_name}”，逾期未补交的，自愿承担相应责任。"
        )
        form = QFormLayout()
        form.addRow(self.tr("补交期限："), self.due)
        form.addRow(self.tr("承诺内容："), self.commitment)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, self.tr("登记容缺")))

    def values(self) -> tuple[dt.date, str]:
        return _python_date(self.due), self.commitment.toPlainText().strip()


class ReuseDialog(QDialog):
    """复用: choose one of the applicant's earlier page sets of the same material."""

    def __init__(self, material_name: str, sets: list[ReusableSet], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reuse_dialog")
        self.setWindowTitle(self.tr("复用材料 · {name}").format(name=material_name))
        self.sets = list(sets)
        self.choices = QListWidget()
        self.choices.setObjectName("reuse_choices")
        for s in self.sets:
            when = s.received_at.date().isoformat() if s.received_at else self.tr("日期不详")
            self.choices.addItem(
                self.tr("办件 {number} · {when} 收取 · {n} 页").format(
                    number=s.local_number, when=when, n=s.page_count
                )
            )
        self.choices.setCurrentRow(0)
        self.choices.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(self.tr("该申请人以前办件中的“{name}”（最新的在前）：").format(name=material_name))
        )
        layout.addWidget(self.choices)
        layout.addWidget(_buttons(self, self.tr("复用")))

    def chosen(self) -> ReusableSet | None:
        row = self.choices.currentRow()
        return self.sets[row] if 0 <= row < len(self.sets) else None


class DecisionBar(QWidget):
    """The decision buttons of the counter, working on ``visit.case`` (opened on demand)."""

    case_did_decide = Signal(object)  # CaseView after a decision or its undoing
    receipt_did_print = Signal(object)  # PrintOutcome, printed or not
    notice_did_save = Signal(object)  # Path of the A4 PDF

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        visit: Visit,
        devices: DeviceManager | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decision_bar")
        self._ctx = ctx
        self._runner = runner
        self._visit = visit
        self._devices = devices
        self.dialog: QDialog | None = None
        self.preview: PrintPreviewDialog | None = None
        self.notice_preview: NoticePreviewDialog | None = None
        self.buttons: dict[str, QPushButton] = {}
        self.shortcuts: dict[str, QShortcut] = {}
        row = QHBoxLayout()
        for name, text, key, tip in DECISIONS:
            button = QPushButton(self.tr(text))
            button.setObjectName(f"decide_{name}")
            button.setToolTip(self.tr(tip))
            if key:
                # QShortcut, not button.setShortcut (which clicks 100 ms later); no auto-repeat,
                # so a held F8 cannot confirm twice.
                shortcut = QShortcut(QKeySequence(key), self, button.click)
                shortcut.setAutoRepeat(False)
                self.shortcuts[name] = shortcut
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("decision_status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        handlers: dict[str, Callable[[], None]] = {
            "pre_register": self.pre_register,
            "accept": self.accept,
            "correction": self.request_correction,
            "reject": self.reject,
            "notice": self.show_notice,
            "undo": self.undo,
        }
        for name, handler in handlers.items():
            self.buttons[name].clicked.connect(lambda _checked=False, h=handler: h())
        visit.visit_did_change.connect(self._update)
        self._update()

    # --- state ------------------------------------------------------------------------------------

    def _update(self) -> None:
        case = self._visit.case
        chosen = bool(self._visit.item_impl_code or self._visit.bundle_code)
        state = CaseState(case.state) if case is not None else None
        deciding = (case is None and chosen) or state in (CaseState.RECEIVED, CaseState.PRE_REGISTERED)
        self.buttons["pre_register"].setEnabled(case is None and chosen)
        self.buttons["accept"].setEnabled(deciding)
        self.buttons["correction"].setEnabled(deciding)
        self.buttons["reject"].setEnabled(deciding or state is CaseState.CORRECTION_REQUESTED)
        self.buttons["notice"].setEnabled(state in NOTICE_KINDS)
        supervisor = self._visit.actor.role == Role.SUPERVISOR
        self.buttons["undo"].setVisible(supervisor)
        self.buttons["undo"].setEnabled(supervisor and state in UNDOABLE)
        if case is None:
            self.status.setText(self.tr("尚未建立办件。") if chosen else self.tr("请先选择事项。"))
            return
        state_text = core_labels.case_state(case.state_label)
        text = self.tr("办件 {number} · {state}").format(number=case.local_number, state=state_text)
        if case.promised_date is not None:
            promised = promised_text(case.promised_date, case.promised_provisional)
            text += self.tr(" · 承诺办结日 {date}").format(date=promised)
        if case.correction_deadline is not None and state is CaseState.CORRECTION_REQUESTED:
            text += self.tr(" · 补正期限 {date}").format(date=format_date(case.correction_deadline))
        self.status.setText(text)

    def _with_case(self, then: Callable[[CaseView], None]) -> None:
        """Run ``then`` with the visit's case in 已收件: opened (收件) first when there is none,
        received first when it was only pre-registered (预登记 at another window)."""
        case = self._visit.case

        def opened(result: ops.CaseResult) -> None:
            self._visit.case = result.case
            then(result.case)

        if case is None:
            op = ops.open_visit_case(self._ctx, ops.facts_of(self._visit))
            self._runner.start(op.success(opened).with_progress(self.tr("正在建立办件…")))
        elif case.state == CaseState.PRE_REGISTERED:
            op = ops.receive_case(self._ctx, self._visit.actor, case.id)
            self._runner.start(op.success(opened).with_progress(self.tr("正在收件…")))
        else:
            then(case)

    def _decided(self, result: ops.CaseResult, receipt_kind: str | None) -> None:
        self._visit.case = result.case
        self.case_did_decide.emit(result.case)
        if receipt_kind is not None:
            self.print_receipt(result.case.id, receipt_kind)

    # --- decisions --------------------------------------------------------------------------------

    def pre_register(self) -> None:
        if self._visit.case is not None:
            self.status.setText(self.tr("本次办事已建立办件，不能再预登记。"))
            return
        facts = ops.facts_of(self._visit)
        summary = self.tr("将为本次办事预登记：编号并分送承办部门窗口办理，打印收件凭证交申请人。")
        self.dialog = ConfirmDialog(self.tr("预登记"), summary, self.tr("确认预登记"), parent=self)

        def confirmed() -> None:
            op = ops.open_visit_case(self._ctx, facts, pre_register=True)
            self._runner.start(
                op.success(lambda r: self._decided(r, "收件凭证")).with_progress(self.tr("正在预登记…"))
            )

        self.dialog.accepted.connect(confirmed)
        self.dialog.open()

    def accept(self) -> None:
        """F8 受理: confirm with the promised date; refused while required materials are missing."""
        self._with_case(self._confirm_accept)

    def _confirm_accept(self, case: CaseView) -> None:
        self._runner.start(ops.preview_acceptance(self._ctx, case.id).success(self._show_accept_dialog))

    def _show_accept_dialog(self, preview: ops.AcceptancePreview) -> None:
        case = preview.case
        agent = self.tr("（代办：{agent}）").format(agent=case.agent_name) if case.is_agent_case else ""
        summary = self.tr(
            "受理办件 {number}：{title}\n申请人：{applicant}{agent}\n承诺办结日：{promised}\n"
            "确认后打印受理回执；受理通知书可按 Ctrl+P 打印。"
        ).format(
            number=case.local_number,
            title=case.title,
            applicant=case.applicant_name,
            agent=agent,
            promised=promised_text(preview.promised_date, preview.promised_provisional),
        )
        dialog = ConfirmDialog(self.tr("受理"), summary, self.tr("确认受理"), preview.blocking, self)
        self.dialog = dialog

        def switch_to_correction() -> None:
            dialog.reject()
            self.request_correction()

        dialog.alternative.clicked.connect(switch_to_correction)

        def confirmed() -> None:
            op = ops.accept_case(self._ctx, self._visit.actor, case.id)
            self._runner.start(
                op.success(lambda r: self._decided(r, "受理回执")).with_progress(self.tr("正在受理…"))
            )

        dialog.accepted.connect(confirmed)
        dialog.open()

    def request_correction(self) -> None:
        """F9 补正告知: the dialog lists every missing or defective material, deadline 5 working days."""
        self._with_case(
            lambda case: self._runner.start(
                ops.draft_correction(self._ctx, case.id).success(self._show_correction)
            )
        )

    def _show_correction(self, draft: ops.CorrectionDraft) -> None:
        dialog = CorrectionDialog(draft, self)
        self.dialog = dialog

        def confirmed() -> None:
            op = ops.request_correction(
                self._ctx, self._visit.actor, draft.case.id, dialog.lines(), dialog.deadline_date()
            )
            self._runner.start(
                op.success(lambda r: self._decided(r, "补正告知")).with_progress(self.tr("正在登记补正告知…"))
            )

        dialog.accepted.connect(confirmed)
        dialog.open()

    def reject(self) -> None:
        """F10 不予受理: a reason is required; the notice with the right to appeal follows at once."""
        self._with_case(self._show_reject)

    def _show_reject(self, case: CaseView) -> None:
        dialog = RejectDialog(case, self)
        self.dialog = dialog

        def confirmed() -> None:
            op = ops.reject_case(
                self._ctx,
                self._visit.actor,
                case.id,
                reason=dialog.reason.toPlainText().strip(),
                competent_agency=dialog.agency.text().strip(),
            )
            self._runner.start(op.success(self._rejected).with_progress(self.tr("正在登记不予受理…")))

        dialog.accepted.connect(confirmed)
        dialog.open()

    def _rejected(self, result: ops.CaseResult) -> None:
        # The applicant leaves with the slip in hand; the A4 notice follows for the file.
        self._decided(result, "不予受理告知")
        self.show_notice()

    def undo(self) -> None:
        """撤销决定 (supervisor): back to 已收件, with a reason for the audit trail."""
        case = self._visit.case
        if case is None:
            return
        dialog = ReasonDialog(
            self.tr("撤销决定"),
            self.tr("撤销办件 {number} 的“{state}”决定，办件回到“已收件”。").format(
                number=case.local_number, state=core_labels.case_state(case.state_label)
            ),
            self.tr("确认撤销"),
            self,
        )
        self.dialog = dialog

        def confirmed() -> None:
            reason = dialog.reason.toPlainText().strip()
            op = ops.undo_decision(self._ctx, self._visit.actor, case.id, reason=reason)
            self._runner.start(
                op.success(lambda r: self._decided(r, None)).with_progress(self.tr("正在撤销决定…"))
            )

        dialog.accepted.connect(confirmed)
        dialog.open()

    # --- paper ------------------------------------------------------------------------------------

    def print_receipt(self, case_id: int, kind: str) -> None:
        """Print a thermal receipt of ``kind`` for the case and show the same pixels on screen."""
        clerk = ops.clerk_name(self._visit.actor)
        build = ops.build_receipt(self._ctx, case_id, kind, clerk=clerk)
        self._runner.start(build.success(self._print))

    def _print(self, data: ReceiptData) -> None:
        self._runner.start(print_receipt(self._ctx, self._devices, data).success(self._show_receipt))

    def _show_receipt(self, outcome: PrintOutcome) -> None:
        if self.preview is not None:
            self.preview.close()
        self.preview = PrintPreviewDialog(self._runner, self._devices, outcome, self)
        self.preview.show()
        self.receipt_did_print.emit(outcome)

    def show_notice(self) -> None:
        """Ctrl+P: make the A4 notice of the case's current decision and preview it."""
        case = self._visit.case
        if case is None or CaseState(case.state) not in NOTICE_KINDS:
            self.status.setText(self.tr("当前办件没有可打印的通知书。"))
            return
        kind = NOTICE_KINDS[CaseState(case.state)]
        build = ops.build_receipt(self._ctx, case.id, kind, clerk=ops.clerk_name(self._visit.actor))
        self._runner.start(
            build.success(
                lambda data: self._runner.start(save_notice(self._ctx, data).success(self._notice_saved))
            )
        )

    def _notice_saved(self, path: Path) -> None:
        self.notice_did_save.emit(path)
        if self.notice_preview is not None:
            self.notice_preview.close()
        self.notice_preview = NoticePreviewDialog(self._runner, path, self)
        self.notice_preview.show()
