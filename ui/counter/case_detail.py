"""CaseDetailDialog (办件详情): a case's header and its full timeline from the audit trail.

From here the clerk records 补正收件 when an applicant brings what a 一次性告知 asked for, takes
the case back to the counter to capture pages and decide (继续办理), and hands over the result
(出件, see :mod:`ui.counter.delivery_dialog`). Buttons are enabled only in the states that allow them.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.case_states import CaseState
from app.clock import LOCAL_TZ
from app.context import AppContext
from app.services.case_views import CaseView
from devices.manager import DeviceManager
from ui import core_labels
from ui.counter.case_operations import CaseDetail, CaseResult, load_case_detail, receive_correction
from ui.counter.delivery_dialog import DeliveryDialog
from ui.counter.print_preview import close_button
from ui.counter.visit import Visit
from ui.ops import OpRunner

# Chinese source strings of the "CaseDetailDialog" translation context.
TIMELINE_COLUMNS = (
    str(QT_TRANSLATE_NOOP("CaseDetailDialog", "时间")),
    str(QT_TRANSLATE_NOOP("CaseDetailDialog", "操作")),
    str(QT_TRANSLATE_NOOP("CaseDetailDialog", "经办人")),
    str(QT_TRANSLATE_NOOP("CaseDetailDialog", "状态变化")),
    str(QT_TRANSLATE_NOOP("CaseDetailDialog", "说明")),
)
HEADER_FIELDS = (
    ("number", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "办件编号"))),
    ("items", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "办理事项"))),
    ("applicant", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "申请人"))),
    ("agent", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "代办人"))),
    ("department", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "承办部门"))),
    ("state", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "当前状态"))),
    ("received", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "收件时间"))),
    ("accepted", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "受理时间"))),
    ("promised", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "承诺办结日"))),
    ("correction", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "补正告知"))),
    ("reason", str(QT_TRANSLATE_NOOP("CaseDetailDialog", "最近理由"))),
)
BUSY_CASE_MESSAGE = str(
    QT_TRANSLATE_NOOP(
        "CaseDetailDialog", "窗口正在办理另一个办件（{number}），请先办完或重新开始，再继续办理此件。"
    )
)


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def header_values(case: CaseView) -> dict[str, str]:
    """What each header field shows; only the masked ID number is ever on screen."""
    promised = ""
    if case.promised_date is not None:
        promised = case.promised_date.isoformat()
        if case.promised_provisional:
            promised += QCoreApplication.translate("CaseDetailDialog", "（暂定）")
    correction = ""
    if case.correction_items:
        lines = "；".join(
            f"{c.material}：{c.requirement}" if c.requirement else c.material for c in case.correction_items
        )
        deadline = ""
        if case.correction_deadline is not None:
            deadline = QCoreApplication.translate("CaseDetailDialog", "（{date} 前补正）").format(
                date=case.correction_deadline.isoformat()
            )
        correction = lines + deadline
    return {
        "number": case.local_number,
        "items": "、".join(case.item_names) or case.title,
        "applicant": f"{case.applicant_name}  {case.applicant_id_masked}".strip(),
        "agent": (
            QCoreApplication.translate("CaseDetailDialog", "{name}（受申请人委托）").format(
                name=case.agent_name
            )
            if case.is_agent_case
            else "—"
        ),
        "department": case.department,
        "state": core_labels.case_state(case.state_label),
        "received": _when(case.received_at),
        "accepted": _when(case.accepted_at),
        "promised": promised or "—",
        "correction": correction or "—",
        "reason": case.last_reason or "—",
    }


class CaseDetailDialog(QDialog):
    """Header, timeline and the actions an existing case allows at the window."""

    case_did_change = Signal(object)  # CaseView after 补正收件 or 出件

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        visit: Visit,
        devices: DeviceManager | None,
        case_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("case_detail")
        self.setWindowTitle(self.tr("办件详情"))
        self._ctx = ctx
        self._runner = runner
        self._visit = visit
        self._devices = devices
        self.case_id = case_id
        self.case: CaseView | None = None
        self.delivery: DeliveryDialog | None = None

        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for key, label in HEADER_FIELDS:
            value = QLabel()
            value.setObjectName(f"detail_{key}")
            value.setWordWrap(True)
            form.addRow(self.tr("{label}：").format(label=self.tr(label)), value)
            self.fields[key] = value
        self.timeline = QTreeWidget()
        self.timeline.setObjectName("case_timeline")
        self.timeline.setHeaderLabels([self.tr(c) for c in TIMELINE_COLUMNS])
        self.timeline.setRootIsDecorated(False)
        header = self.timeline.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.message = QLabel()
        self.message.setObjectName("detail_message")
        self.message.setWordWrap(True)

        self.correction_button = QPushButton(self.tr("补正收件"))
        self.correction_button.setObjectName("receive_correction")
        self.correction_button.setToolTip(
            self.tr("申请人已按一次性告知补齐材料：办件回到“已收件”，可继续受理")
        )
        self.correction_button.clicked.connect(self.receive_correction)
        self.continue_button = QPushButton(self.tr("继续办理"))
        self.continue_button.setObjectName("continue_case")
        self.continue_button.setToolTip(self.tr("在窗口打开此办件，拍摄材料并作出受理决定"))
        self.continue_button.clicked.connect(self.continue_at_window)
        self.deliver_button = QPushButton(self.tr("出件"))
        self.deliver_button.setObjectName("deliver")
        self.deliver_button.clicked.connect(self.open_delivery)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_button(buttons)
        for button in (self.correction_button, self.continue_button, self.deliver_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.setEnabled(False)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("办理过程：")))
        layout.addWidget(self.timeline, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(900, 640)
        self.reload()

    def reload(self) -> None:
        self._runner.start(load_case_detail(self._ctx, self.case_id).success(self._show))

    def timeline_rows(self) -> list[tuple[str, ...]]:
        rows = []
        for i in range(self.timeline.topLevelItemCount()):
            item = self.timeline.topLevelItem(i)
            if item is not None:
                rows.append(tuple(item.text(c) for c in range(len(TIMELINE_COLUMNS))))
        return rows

    def receive_correction(self) -> None:
        op = receive_correction(self._ctx, self._visit.actor, self.case_id)
        self._runner.start(op.success(self._changed).with_progress(self.tr("正在登记补正收件…")))

    def continue_at_window(self) -> None:
        """Make this case the visit's case, so the materials panel and the decision bar work on it."""
        if self.case is None:
            return
        current = self._visit.case
        if current is not None and current.id != self.case.id:
            self.message.setText(self.tr(BUSY_CASE_MESSAGE).format(number=current.local_number))
            return
        self._visit.case = self.case
        self.message.setText(self.tr("已在窗口打开此办件。"))

    def open_delivery(self) -> DeliveryDialog | None:
        if self.case is None:
            return None
        self.delivery = DeliveryDialog(
            self._ctx, self._runner, self._devices, self._visit.actor, self.case, self
        )
        self.delivery.case_did_deliver.connect(self._changed_view)
        self.delivery.show()
        return self.delivery

    def _changed(self, result: CaseResult) -> None:
        self._changed_view(result.case)

    def _changed_view(self, case: CaseView) -> None:
        self.case_did_change.emit(case)
        if self._visit.case is not None and self._visit.case.id == case.id:
            self._visit.case = case
        self.reload()

    def _show(self, detail: CaseDetail) -> None:
        self.case = detail.case
        self.setWindowTitle(self.tr("办件详情 · {number}").format(number=detail.case.local_number))
        for key, text in header_values(detail.case).items():
            self.fields[key].setText(text)
        self.timeline.clear()
        for entry in detail.timeline:
            before, after = (core_labels.case_state(s) for s in (entry.before_state, entry.after_state))
            change = f"{before} → {after}" if entry.before_state else after
            action = core_labels.case_action(entry.action_label)
            self.timeline.addTopLevelItem(
                QTreeWidgetItem([_when(entry.at), action, entry.actor, change, entry.reason])
            )
        state = detail.case.state
        self.correction_button.setEnabled(state == CaseState.CORRECTION_REQUESTED)
        self.continue_button.setEnabled(state in (CaseState.RECEIVED, CaseState.PRE_REGISTERED))
        self.deliver_button.setEnabled(state == CaseState.COMPLETED)
