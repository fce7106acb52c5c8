"""评价器 screen: five big buttons, the reasons page for a bad rating, and a thank-you page.

The screen shows which window and clerk the applicant is rating (the visit the window is serving
or has just finished, polled every :data:`POLL_MS`). 不满意 and 非常不满意 open the reason list; it
cannot be submitted before a reason is ticked. After the thank-you page, or when an applicant walks
away from the reason list, the screen resets by itself. Nothing here waits for a click on a message
box: errors show in a line on the page, because the applicant may not know what to do with a dialog.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.errors import UserFacingError
from app.services.evaluations import (
    BAD_LEVELS,
    LEVEL_LABELS,
    MAX_COMMENT_CHARS,
    REASONS,
    EvaluationView,
    RatingTarget,
    rating_target,
    record_evaluation,
)
from ui.evaluator.labels import level_label, reason_label
from ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

POLL_MS = 5000
THANKS_MS = 4000
REASONS_IDLE_MS = 60000  # an applicant who walks away from the reason list leaves no rating
#: Button colours from best to worst, like the hall evaluators applicants know (green … red).
LEVEL_COLOURS = {1: "#1b7f3b", 2: "#2e9d55", 3: "#5c8fd6", 4: "#e0892b", 5: "#c62828"}
BUTTON_STYLE = (
    "QPushButton{{background:{colour};color:white;border-radius:16px;font-size:26pt;font-weight:bold;"
    "padding:24px 8px}} QPushButton:disabled{{background:#bdbdbd}}"
)
ERROR_STYLE = "color:#b00020;font-size:14pt;font-weight:bold"


@dataclass(frozen=True)
class Submitted:
    """What the last submission recorded (for tests and the thank-you page)."""

    level: int
    reasons: tuple[str, ...]


class EvaluatorWindow(QWidget):
    """The applicant-facing rating screen of one window (``window_number``)."""

    target_did_load = Signal()
    target_did_fail = Signal()
    evaluation_did_record = Signal(object)  # EvaluationView

    def __init__(self, ctx: AppContext, runner: OpRunner, *, window_number: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.runner = runner
        self.window_number = window_number
        self.target: RatingTarget | None = None
        self.loaded = False
        self.last: Submitted | None = None
        self._pending_level: int | None = None
        self._busy = False
        self.setWindowTitle(self.tr("一窗 · 服务评价"))

        self.pages = QStackedWidget(self)
        root = QVBoxLayout(self)
        root.setContentsMargins(32, 24, 32, 24)
        self.target_label = QLabel(self)
        self.target_label.setStyleSheet("font-size:18pt;color:#37474f")
        root.addWidget(self.target_label)
        root.addWidget(self.pages, 1)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        root.addWidget(self.error_label)

        self.rate_page = self._build_rate_page()
        self.reason_page = self._build_reason_page()
        self.thanks_page = self._build_thanks_page()
        for page in (self.rate_page, self.reason_page, self.thanks_page):
            self.pages.addWidget(page)

        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.refresh)
        self._reset_timer = QTimer(self)
        self._reset_timer.setSingleShot(True)
        self._reset_timer.timeout.connect(self.reset)
        self._show_target()

    # --- pages ------------------------------------------------------------------------------------

    def _build_rate_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.prompt_label = QLabel(self.tr("请您对本次服务进行评价"), page)
        font = QFont(self.prompt_label.font())
        font.setPointSizeF(max(font.pointSizeF(), 9.0) * 2.6)
        font.setBold(True)
        self.prompt_label.setFont(font)
        self.prompt_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        layout.addWidget(self.prompt_label)
        row = QHBoxLayout()
        self.level_buttons: dict[int, QPushButton] = {}
        for level in LEVEL_LABELS:
            button = QPushButton(level_label(level), page)
            button.setObjectName(f"level_{level}")
            button.setStyleSheet(BUTTON_STYLE.format(colour=LEVEL_COLOURS[level]))
            button.setMinimumHeight(200)
            button.clicked.connect(lambda _checked=False, lv=level: self.choose(lv))
            row.addWidget(button)
            self.level_buttons[level] = button
        layout.addSpacing(24)
        layout.addLayout(row)
        layout.addStretch(2)
        return page

    def _build_reason_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.reason_title = QLabel(page)
        self.reason_title.setStyleSheet("font-size:22pt;font-weight:bold")
        layout.addWidget(self.reason_title)
        grid = QGridLayout()
        self.reason_boxes: dict[str, QCheckBox] = {}
        for i, reason in enumerate(REASONS):
            box = QCheckBox(reason_label(reason), page)
            box.setStyleSheet(
                "QCheckBox{font-size:18pt;padding:10px} QCheckBox::indicator{width:32px;height:32px}"
            )
            box.toggled.connect(self._reasons_changed)
            grid.addWidget(box, i // 2, i % 2)
            self.reason_boxes[reason] = box
        layout.addLayout(grid)
        self.comment_edit = QPlainTextEdit(page)
        self.comment_edit.setPlaceholderText(
            self.tr("其他意见或建议（选填，最多 {n} 字）").format(n=MAX_COMMENT_CHARS)
        )
        self.comment_edit.setStyleSheet("font-size:16pt")
        self.comment_edit.setMaximumHeight(140)
        self.comment_edit.textChanged.connect(self._restart_idle)
        layout.addWidget(self.comment_edit)
        buttons = QHBoxLayout()
        self.back_button = QPushButton(self.tr("返回"), page)
        self.back_button.setStyleSheet("font-size:20pt;padding:16px 40px")
        self.back_button.clicked.connect(self.reset)
        self.submit_button = QPushButton(self.tr("提交评价"), page)
        self.submit_button.setStyleSheet(
            "QPushButton{font-size:20pt;padding:16px 40px;background:#1565c0;color:white;border-radius:12px}"
            " QPushButton:disabled{background:#bdbdbd}"
        )
        self.submit_button.clicked.connect(self.submit_reasons)
        self.reason_hint = QLabel(self.tr("请至少勾选一项原因"), page)
        self.reason_hint.setStyleSheet("font-size:14pt;color:#6d4c41")
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reason_hint)
        buttons.addWidget(self.submit_button)
        layout.addLayout(buttons)
        return page

    def _build_thanks_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.thanks_label = QLabel(self.tr("感谢您的评价！"), page)
        self.thanks_label.setStyleSheet("font-size:40pt;font-weight:bold;color:#1b7f3b")
        self.thanks_note = QLabel(page)
        self.thanks_note.setStyleSheet("font-size:18pt;color:#37474f")
        self.thanks_note.setWordWrap(True)
        self.thanks_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        layout.addWidget(self.thanks_label)
        layout.addWidget(self.thanks_note)
        layout.addStretch(1)
        return page

    # --- state --------------------------------------------------------------------------------------

    def start(self) -> None:
        """Load the visit to rate and keep it current."""
        self.refresh()
        self._poll.start()

    def refresh(self) -> None:
        if self._busy or self.pages.currentWidget() is not self.rate_page:
            return  # never change who is being rated under the applicant's finger
        station, number = self.ctx.station_code, self.window_number
        db = self.ctx.db

        def load() -> RatingTarget:
            with db.session() as session:
                return rating_target(session, station_code=station, window_number=number)

        self.runner.start(
            Op(load, name="load_rating_target").success(self._target_loaded).failure(self._load_failed)
        )

    def _target_loaded(self, target: RatingTarget) -> None:
        self.target = target
        self.loaded = True
        self._show_target()
        self.target_did_load.emit()

    def _show_target(self) -> None:
        t = self.target
        if t is None:
            self.target_label.setText(self.tr("{n}号窗口").format(n=self.window_number))
            return
        parts = [t.window_name]
        if t.clerk_name:
            parts.append(self.tr("工作人员：{name}").format(name=t.clerk_name))
        if t.ticket_number:
            parts.append(self.tr("{number}号").format(number=t.ticket_number))
        self.target_label.setText(" · ".join(parts))
        rated = t.already_rated
        for button in self.level_buttons.values():
            button.setEnabled(not rated)
        self.prompt_label.setText(
            self.tr("本次服务已评价，欢迎您再次光临") if rated else self.tr("请您对本次服务进行评价")
        )

    def choose(self, level: int) -> None:
        """A level button: good levels are recorded at once, bad ones ask for a reason first."""
        self.error_label.clear()
        if level in BAD_LEVELS:
            self._pending_level = level
            for box in self.reason_boxes.values():
                box.setChecked(False)
            self.comment_edit.clear()
            self.reason_title.setText(
                self.tr("您选择了“{level}”，请告诉我们原因（可多选）").format(level=level_label(level))
            )
            self._reasons_changed()
            self.pages.setCurrentWidget(self.reason_page)
            self._reset_timer.start(REASONS_IDLE_MS)
            return
        self._submit(level, (), "")

    def chosen_reasons(self) -> tuple[str, ...]:
        return tuple(reason for reason, box in self.reason_boxes.items() if box.isChecked())

    def _reasons_changed(self) -> None:
        has_reason = bool(self.chosen_reasons())
        self.submit_button.setEnabled(has_reason and not self._busy)
        self.reason_hint.setVisible(not has_reason)
        self._restart_idle()

    def _restart_idle(self) -> None:
        if self.pages.currentWidget() is self.reason_page:
            self._reset_timer.start(REASONS_IDLE_MS)

    def submit_reasons(self) -> None:
        level = self._pending_level
        reasons = self.chosen_reasons()
        if level is None or not reasons:
            return  # the button is disabled then; a stray key press must not record a reasonless 差评
        self._submit(level, reasons, self.comment_edit.toPlainText())

    def _submit(self, level: int, reasons: tuple[str, ...], comment: str) -> None:
        if self._busy:
            return  # a second tap while the first is being saved must not rate twice
        self._busy = True
        self._set_enabled(False)
        t = self.target
        station, number, db = self.ctx.station_code, self.window_number, self.ctx.db

        def record() -> EvaluationView:
            with db.session() as session:
                return record_evaluation(
                    session,
                    None,
                    level=level,
                    reasons=reasons,
                    comment=comment,
                    ticket_id=t.ticket_id if t is not None else None,
                    case_id=t.case_id if t is not None else None,
                    station_code=station,
                    window_number=number,
                    clerk_id=t.clerk_id if t is not None else None,
                )

        self.runner.start(Op(record, name="record_evaluation").success(self._recorded).failure(self._failed))

    def _recorded(self, view: EvaluationView) -> None:
        self._busy = False
        self._set_enabled(True)
        self.last = Submitted(view.level, view.reasons)
        self.thanks_note.setText(
            self.tr("我们会认真核实您反映的问题，并尽快整改。")
            if view.is_bad
            else self.tr("欢迎您再次光临。")
        )
        self.pages.setCurrentWidget(self.thanks_page)
        self._reset_timer.start(THANKS_MS)
        self.evaluation_did_record.emit(view)

    def _load_failed(self, error: BaseException) -> None:
        self._failed(error)
        self.target_did_fail.emit()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self._set_enabled(True)
        if isinstance(error, UserFacingError):
            self.error_label.setText(str(error))
            return
        log.error("evaluator op failed", exc_info=(type(error), error, error.__traceback__))
        self.error_label.setText(self.runner.apology())

    def _set_enabled(self, enabled: bool) -> None:
        rated = self.target is not None and self.target.already_rated
        for button in self.level_buttons.values():
            button.setEnabled(enabled and not rated)
        self.submit_button.setEnabled(enabled and bool(self.chosen_reasons()))
        self.back_button.setEnabled(enabled)

    def reset(self) -> None:
        """Back to the five buttons for the next applicant."""
        self._reset_timer.stop()
        self._pending_level = None
        for box in self.reason_boxes.values():
            box.setChecked(False)
        self.comment_edit.clear()
        self.error_label.clear()
        self.pages.setCurrentWidget(self.rate_page)
        self.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._poll.stop()
        self._reset_timer.stop()
        super().closeEvent(event)
