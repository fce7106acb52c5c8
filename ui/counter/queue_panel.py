"""叫号 panel: the number at this window, who is waiting, and the queue keys F1 F3 F4 F5 F6.

F1 叫号 (办结 the ticket being served first), F3 重呼, F4 过号, F5 转移 (to a category or a window),
F6 暂停/恢复服务. Every action is an op on ``app.services.queue``; the ticket lives on the shared
:class:`~ui.counter.visit.Visit`, and calling a new number starts a new visit. Roles without
counter rights (实施人员) see the keys disabled, with the role needed in the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QInputDialog,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.services.queue import COUNTER_ROLES, STATE_LABELS, CategoryView, TicketView
from ui.counter.operations import (
    QueueSnapshot,
    TicketResult,
    call_next_ticket,
    call_ticket_number,
    load_queue,
    set_window_paused,
    ticket_action,
    window_number,
)
from ui.counter.visit import Visit, gate_by_role
from ui.ops import Changes, OpRunner

NO_NUMBER = "—"
NUMBER_FONT_SCALE = 3.0
PAUSED_STYLE = "color:#b00020;font-weight:bold"
MAX_WINDOW_NUMBER = 999

# (object name, text, key) of every queue button, in screen order. Texts are translated on use.
QUEUE_ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("call_next", str(QT_TRANSLATE_NOOP("QueuePanel", "叫号")), "F1"),
    ("recall", str(QT_TRANSLATE_NOOP("QueuePanel", "重呼")), "F3"),
    ("no_show", str(QT_TRANSLATE_NOOP("QueuePanel", "过号")), "F4"),
    ("transfer", str(QT_TRANSLATE_NOOP("QueuePanel", "转移")), "F5"),
    ("pause", str(QT_TRANSLATE_NOOP("QueuePanel", "暂停")), "F6"),
    ("call_number", str(QT_TRANSLATE_NOOP("QueuePanel", "指定叫号")), "Ctrl+F1"),
    ("park", str(QT_TRANSLATE_NOOP("QueuePanel", "挂起")), "Ctrl+F3"),
    ("cancel", str(QT_TRANSLATE_NOOP("QueuePanel", "取消号")), "Ctrl+F4"),
)
RESUME_TEXT = str(QT_TRANSLATE_NOOP("QueuePanel", "恢复"))
# Ticket states as the service spells them, marked for translation.
_STATE_TEXTS = (
    str(QT_TRANSLATE_NOOP("QueueStates", "等候中")),
    str(QT_TRANSLATE_NOOP("QueueStates", "已叫号")),
    str(QT_TRANSLATE_NOOP("QueueStates", "办理中")),
    str(QT_TRANSLATE_NOOP("QueueStates", "已办结")),
    str(QT_TRANSLATE_NOOP("QueueStates", "过号")),
    str(QT_TRANSLATE_NOOP("QueueStates", "挂起")),
    str(QT_TRANSLATE_NOOP("QueueStates", "已取消")),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("QueuePanel", text)


def state_label(state: str) -> str:
    return QCoreApplication.translate("QueueStates", STATE_LABELS.get(state, state))


def action_text(name: str) -> str:
    """The translated label of one queue action ("叫号" / "Call next")."""
    return next(_tr(text) for action, text, _key in QUEUE_ACTIONS if action == name)


class TransferDialog(QDialog):
    """转移: send the current ticket to another category's queue or to one window."""

    def __init__(
        self, categories: tuple[CategoryView, ...], own_window: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("transfer_dialog")
        self.setWindowTitle(self.tr("转移号码"))
        self.to_category = QRadioButton(self.tr("转到类别"))
        self.to_window = QRadioButton(self.tr("转到窗口"))
        group = QButtonGroup(self)
        group.addButton(self.to_category)
        group.addButton(self.to_window)
        self.category_box = QComboBox()
        self.category_box.setObjectName("transfer_category")
        for category in categories:
            self.category_box.addItem(f"{category.code} {category.name}", category.code)
        self.window_box = QSpinBox()
        self.window_box.setObjectName("transfer_window")
        self.window_box.setRange(1, MAX_WINDOW_NUMBER)
        self.window_box.setValue(own_window + 1 if own_window < MAX_WINDOW_NUMBER else 1)
        self.window_box.setSuffix(self.tr(" 号窗口"))
        self.to_category.setChecked(True)
        self.to_category.toggled.connect(self._sync_enabled)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        grid = QGridLayout(self)
        grid.addWidget(self.to_category, 0, 0)
        grid.addWidget(self.category_box, 0, 1)
        grid.addWidget(self.to_window, 1, 0)
        grid.addWidget(self.window_box, 1, 1)
        grid.addWidget(buttons, 2, 0, 1, 2)
        self._sync_enabled()

    def _sync_enabled(self) -> None:
        self.category_box.setEnabled(self.to_category.isChecked())
        self.window_box.setEnabled(self.to_window.isChecked())

    def target(self) -> dict[str, str | int]:
        """Keyword arguments for ``queue.transfer``: ``to_category`` or ``to_window``."""
        if self.to_category.isChecked():
            return {"to_category": str(self.category_box.currentData())}
        return {"to_window": self.window_box.value()}


class QueuePanel(QGroupBox):
    """Shows this window's ticket and the waiting counts; its buttons carry the queue keys."""

    def __init__(
        self, ctx: AppContext, runner: OpRunner, visit: Visit, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("叫号", "panel title"))
        self.setObjectName("queue_panel")
        self._ctx = ctx
        self._runner = runner
        self._visit = visit
        self._window_number = window_number(ctx)
        self._snapshot: QueueSnapshot | None = None
        self.available = False  # False until the queue has loaded (or when the station has no queue)
        self.paused = False

        self.number_label = QLabel(NO_NUMBER)
        self.number_label.setObjectName("current_number")
        self.number_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * NUMBER_FONT_SCALE)
        big.setBold(True)
        self.number_label.setFont(big)
        caption = QLabel(self.tr("当前号码"))
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_label = QLabel()
        self.detail_label.setObjectName("queue_detail")
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_label.setWordWrap(True)
        self.paused_label = QLabel(self.tr("本窗口已暂停服务"))
        self.paused_label.setObjectName("queue_paused")
        self.paused_label.setStyleSheet(PAUSED_STYLE)
        self.paused_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.paused_label.hide()

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for index, (name, text, key) in enumerate(QUEUE_ACTIONS):
            button = QPushButton(f"{_tr(text)} {key}")
            button.setObjectName(name)
            button.setEnabled(False)
            # A QShortcut, not button.setShortcut: that one clicks 100 ms later (animateClick), and
            # a held key must not call three numbers.
            shortcut = QShortcut(QKeySequence(key), self, button.click)
            shortcut.setAutoRepeat(False)
            self.buttons[name] = button
            grid.addWidget(button, index // 2, index % 2)
        self.buttons["call_next"].clicked.connect(self.call_next)
        self.buttons["recall"].clicked.connect(self.recall)
        self.buttons["no_show"].clicked.connect(self.mark_no_show)
        self.buttons["transfer"].clicked.connect(self.transfer)
        self.buttons["pause"].clicked.connect(self.toggle_pause)
        self.buttons["call_number"].clicked.connect(self.ask_number)
        self.buttons["park"].clicked.connect(self.park)
        self.buttons["cancel"].clicked.connect(self.cancel_ticket)

        self.waiting_label = QLabel()
        self.waiting_label.setObjectName("queue_waiting")
        self.waiting_label.setTextFormat(Qt.TextFormat.RichText)
        self.waiting_label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(caption)
        layout.addWidget(self.number_label)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.paused_label)
        layout.addLayout(grid)
        layout.addWidget(self.waiting_label)
        layout.addStretch(1)

        visit.visit_did_change.connect(self._show_ticket)
        runner.operation_did_execute.connect(self._operation_executed)
        self._sync_buttons()

    # --- loading ---------------------------------------------------------------------------

    def start(self) -> None:
        """Create the default categories when the station has none, then load the queue (once)."""
        self._load(ensure_categories=True)

    def refresh(self) -> None:
        """Reload waiting counts, the window's ticket and the pause state."""
        self._load(ensure_categories=False)

    def _load(self, *, ensure_categories: bool) -> None:
        op = load_queue(self._ctx, self._window_number, ensure_categories=ensure_categories)
        self._runner.start(op.success(self._loaded).failure(self._unavailable))

    def _loaded(self, snapshot: QueueSnapshot) -> None:
        self._snapshot = snapshot
        self.available = True
        self.paused = snapshot.paused
        if self._visit.ticket != snapshot.current:
            # The database is the truth: after a restart, or when another PC acted on this window.
            self._visit.ticket = snapshot.current
        self._show_waiting(snapshot)
        self._show_ticket()
        self._sync_buttons()

    def _unavailable(self, error: BaseException) -> None:
        """No queue at this station (e.g. the station is not set up): say so here, not in a dialog."""
        self.available = False
        self.detail_label.setText(self.tr("排队叫号不可用：{reason}").format(reason=str(error)))
        self._sync_buttons()

    def _operation_executed(self, changes: Changes) -> None:
        if changes.queue:
            self.refresh()

    # --- display ---------------------------------------------------------------------------

    def current_number(self) -> str:
        return self.number_label.text()

    def _show_ticket(self) -> None:
        ticket = self._visit.ticket
        if ticket is None:
            self.number_label.setText(NO_NUMBER)
            if self.available:
                self.detail_label.setText(self.tr("按 F1 叫下一位"))
        else:
            self.number_label.setText(ticket.number)
            self.detail_label.setText(self._ticket_detail(ticket))
        self.paused_label.setVisible(self.paused)
        self._sync_buttons()

    def _ticket_detail(self, ticket: TicketView) -> str:
        parts = [ticket.category_name or ticket.category, state_label(ticket.state)]
        if ticket.recall_count:
            parts.append(self.tr("已重呼 {n} 次").format(n=ticket.recall_count))
        return " · ".join(parts)

    def _show_waiting(self, snapshot: QueueSnapshot) -> None:
        own = set(snapshot.window_categories)
        lines = []
        for category in snapshot.categories:
            text = self.tr("{code} {name}：{n} 人").format(
                code=category.code, name=category.name, n=category.waiting
            )
            lines.append(f"<b>{text}</b>" if category.code in own else text)
        title = self.tr("等候人数（粗体为本窗口类别）")
        self.waiting_label.setText(f"{title}<br>" + "<br>".join(lines))

    def waiting_counts(self) -> dict[str, int]:
        """Waiting people per category code, as last loaded."""
        if self._snapshot is None:
            return {}
        return {c.code: c.waiting for c in self._snapshot.categories}

    def _sync_buttons(self) -> None:
        actor = self._visit.actor
        ticket = self._visit.ticket
        held = ticket is not None and ticket.state in ("called", "serving")
        called = ticket is not None and ticket.state == "called"
        pause = self.buttons["pause"]
        pause.setText(f"{_tr(RESUME_TEXT) if self.paused else action_text('pause')} F6")
        wanted = {
            "call_next": self.available and not self.paused,
            "recall": self.available and called,
            "no_show": self.available and called,
            "transfer": self.available and held,
            "pause": self.available,
            "call_number": self.available and not self.paused and not held,
            "park": self.available and held,
            "cancel": self.available and held,
        }
        tips = {
            "call_next": self.tr("办结当前号（如在办理中）并叫下一位")
            if not self.paused
            else self.tr("本窗口已暂停服务，先按 F6 恢复"),
            "recall": self.tr("再呼叫一次当前号"),
            "no_show": self.tr("当前号未到窗口，标记过号"),
            "transfer": self.tr("把当前号转到其他类别或窗口"),
            "pause": self.tr("暂停或恢复本窗口的叫号"),
            "call_number": self.tr("输入号码，叫指定的号（含过号、挂起的号）"),
            "park": self.tr("当前号暂时挂起，稍后可指定叫回"),
            "cancel": self.tr("取消当前号（申请人放弃办理）"),
        }
        for name, button in self.buttons.items():
            if gate_by_role(button, actor, COUNTER_ROLES, tips[name]):
                button.setEnabled(wanted[name])

    # --- actions ---------------------------------------------------------------------------

    def _allowed(self, name: str) -> bool:
        # The shortcut of a disabled button never fires, but a direct call (tests, menus) might.
        return self.buttons[name].isEnabled()

    def call_next(self) -> None:
        if not self._allowed("call_next"):
            return
        op = call_next_ticket(self._ctx, self._visit.actor, self._window_number)
        self._runner.start(op.success(self._called))

    def _called(self, result: TicketResult) -> None:
        self._visit.reset()
        self._visit.ticket = result.ticket
        if result.ticket is None:
            self.detail_label.setText(self.tr("目前没有人等候"))

    def recall(self) -> None:
        if self._allowed("recall"):
            self._act("recall")

    def mark_no_show(self) -> None:
        if self._allowed("no_show"):
            self._act("no_show")

    def start_service(self) -> None:
        """开始办理: the called applicant is at the window (the window calls this on the first read)."""
        ticket = self._visit.ticket
        if ticket is not None and ticket.state == "called" and self._visit.actor.role in COUNTER_ROLES:
            self._act("start_service")

    def transfer(self) -> None:
        if not self._allowed("transfer") or self._snapshot is None:
            return
        dialog = TransferDialog(self._snapshot.categories, self._window_number, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            target = dialog.target()
            category, window = target.get("to_category"), target.get("to_window")
            self.transfer_to(
                to_category=category if isinstance(category, str) else None,
                to_window=window if isinstance(window, int) else None,
            )

    def transfer_to(self, *, to_category: str | None = None, to_window: int | None = None) -> None:
        if self._allowed("transfer"):
            self._act("transfer", to_category=to_category, to_window=to_window)

    def _act(self, action: str, **kwargs: object) -> None:
        op = ticket_action(self._ctx, self._visit.actor, self._window_number, action, **kwargs)
        self._runner.start(op.success(self._acted))

    def _acted(self, result: TicketResult) -> None:
        if result.ticket is None:
            self._visit.reset()  # 过号 / 转移: this applicant's visit is over
        else:
            self._visit.ticket = result.ticket

    def ask_number(self) -> None:
        """Ctrl+F1: call a number the clerk types (a 过号 or parked applicant came back)."""
        if not self._allowed("call_number"):
            return
        text, ok = QInputDialog.getText(self, self.tr("指定叫号"), self.tr("号码（如 A005）："))
        if ok and text.strip():
            self.call_number(text.strip().upper())

    def call_number(self, number: str) -> None:
        if self._allowed("call_number"):
            op = call_ticket_number(self._ctx, self._visit.actor, self._window_number, number)
            self._runner.start(op.success(self._called))

    def park(self) -> None:
        if self._allowed("park"):
            self._act("park")

    def cancel_ticket(self) -> None:
        if self._allowed("cancel"):
            self._act("cancel")

    def toggle_pause(self) -> None:
        if not self._allowed("pause"):
            return
        paused = not self.paused
        op = set_window_paused(self._ctx, self._visit.actor, self._window_number, paused)
        self._runner.start(op.success(lambda _changes: self._set_paused(paused)))

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._show_ticket()
