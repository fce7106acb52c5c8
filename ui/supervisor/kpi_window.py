"""值班长 view: hall KPIs per day, category and window, a bar chart, exports and the bad-review ledger.

Filters (dates, category, window, wait target) load through one op; the table shows one line per
(day, category, window) plus a 合计 line; the chart shows issued / served / no-show per window for
one day, per day for a longer range. Exports write exactly the loaded rows. The 差评整改 tab lists
bad reviews with their rectification deadline; a 值班长 records the rectification there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.clock import LOCAL_TZ, local_date
from app.context import AppContext
from app.model import utcnow
from app.services import evaluations, kpis
from app.services.actor import Actor
from app.services.evaluations import BadReview
from app.services.kpis import FilterChoices, KpiRow
from ui.evaluator.labels import level_label, reason_label
from ui.ops import Op, OpRunner
from ui.supervisor.bar_chart import make_bar_chart

DEFAULT_DAYS = 7
OVERDUE_BRUSH = QBrush(QColor("#ffcdd2"))
DONE_BRUSH = QBrush(QColor("#e8f5e9"))
#: Column heads of the KPI table (app.services.kpis.HEADERS without the levels), marked for translation.
_HEADERS = (
    QT_TRANSLATE_NOOP("KpiHeaders", "日期"),
    QT_TRANSLATE_NOOP("KpiHeaders", "类别"),
    QT_TRANSLATE_NOOP("KpiHeaders", "类别名称"),
    QT_TRANSLATE_NOOP("KpiHeaders", "窗口"),
    QT_TRANSLATE_NOOP("KpiHeaders", "取号数"),
    QT_TRANSLATE_NOOP("KpiHeaders", "办结数"),
    QT_TRANSLATE_NOOP("KpiHeaders", "过号数"),
    QT_TRANSLATE_NOOP("KpiHeaders", "过号率(%)"),
    QT_TRANSLATE_NOOP("KpiHeaders", "平均等候(分钟)"),
    QT_TRANSLATE_NOOP("KpiHeaders", "最长等候(分钟)"),
    QT_TRANSLATE_NOOP("KpiHeaders", "平均办理(分钟)"),
    QT_TRANSLATE_NOOP("KpiHeaders", "超时等候数"),
    QT_TRANSLATE_NOOP("KpiHeaders", "超时等候占比(%)"),
)


def header_label(text: str) -> str:
    if text in evaluations.LEVEL_LABELS.values():
        level = next(k for k, v in evaluations.LEVEL_LABELS.items() if v == text)
        return level_label(level)
    return QCoreApplication.translate("KpiHeaders", text)


@dataclass(frozen=True)
class KpiData:
    choices: FilterChoices
    rows: list[KpiRow]
    reviews: list[BadReview]


@dataclass(frozen=True)
class Query:
    start: dt.date
    end: dt.date
    category: str | None
    window_number: int | None
    wait_target_min: int


class KpiWindow(QWidget):
    """The supervisor's KPI view; ``actor`` (a 值班长) may record rectifications, others only read."""

    data_did_load = Signal()

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        *,
        actor: Actor | None = None,
        rectify_days: int = evaluations.DEFAULT_RECTIFY_DAYS,
        wait_target_min: int = int(kpis.DEFAULT_WAIT_TARGET.total_seconds() // 60),
        today: dt.date | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.runner = runner
        self.actor = actor
        self.rectify_days = rectify_days
        self.today = today or local_date(utcnow())
        self.data: KpiData | None = None
        self.loaded = False
        self.setWindowTitle(self.tr("一窗 · 大厅运行指标"))

        root = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.start_edit = QDateEdit(self)
        self.end_edit = QDateEdit(self)
        for edit, day in (
            (self.start_edit, self.today - dt.timedelta(days=DEFAULT_DAYS - 1)),
            (self.end_edit, self.today),
        ):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate(day.year, day.month, day.day))
        self.category_box = QComboBox(self)
        self.category_box.addItem(self.tr("全部类别"), None)
        self.window_box = QComboBox(self)
        self.window_box.addItem(self.tr("全部窗口"), None)
        self.target_spin = QSpinBox(self)
        self.target_spin.setRange(1, 240)
        self.target_spin.setValue(wait_target_min)
        self.target_spin.setSuffix(self.tr(" 分钟"))
        self.query_button = QPushButton(self.tr("查询"), self)
        self.query_button.clicked.connect(self.reload)
        self.csv_button = QPushButton(self.tr("导出 CSV…"), self)
        self.csv_button.clicked.connect(lambda: self._ask_export("csv"))
        self.xlsx_button = QPushButton(self.tr("导出 Excel…"), self)
        self.xlsx_button.clicked.connect(lambda: self._ask_export("xlsx"))
        for text, widget in (
            (self.tr("从"), self.start_edit),
            (self.tr("至"), self.end_edit),
            (self.tr("类别"), self.category_box),
            (self.tr("窗口"), self.window_box),
            (self.tr("等候目标"), self.target_spin),
        ):
            filters.addWidget(QLabel(text, self))
            filters.addWidget(widget)
        filters.addWidget(self.query_button)
        filters.addStretch(1)
        filters.addWidget(self.csv_button)
        filters.addWidget(self.xlsx_button)
        root.addLayout(filters)

        self.tabs = QTabWidget(self)
        root.addWidget(self.tabs, 1)
        kpi_tab = QSplitter(Qt.Orientation.Vertical, self)
        self.table = QTableWidget(0, len(kpis.HEADERS), self)
        self.table.setHorizontalHeaderLabels([header_label(h) for h in kpis.HEADERS])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.chart = make_bar_chart(self)
        kpi_tab.addWidget(self.table)
        kpi_tab.addWidget(self.chart)
        kpi_tab.setSizes([300, 260])
        self.tabs.addTab(kpi_tab, self.tr("运行指标"))

        review_tab = QWidget(self)
        review_layout = QVBoxLayout(review_tab)
        self.review_table = QTableWidget(0, 9, review_tab)
        self.review_table.setHorizontalHeaderLabels(
            [
                self.tr("评价时间"),
                self.tr("满意度"),
                self.tr("原因"),
                self.tr("意见"),
                self.tr("窗口"),
                self.tr("工作人员"),
                self.tr("号码/办件"),
                self.tr("整改期限"),
                self.tr("状态"),
            ]
        )
        self.review_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.review_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.review_table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.review_table.verticalHeader().setVisible(False)
        self.review_table.horizontalHeader().setStretchLastSection(True)
        self.review_table.itemSelectionChanged.connect(self._review_selected)
        review_layout.addWidget(self.review_table)
        review_buttons = QHBoxLayout()
        self.rectify_hint = QLabel(
            self.tr("差评须在 {days} 个工作日内整改并回访；逾期未整改的标红。").format(days=rectify_days),
            review_tab,
        )
        self.rectify_button = QPushButton(self.tr("登记整改…"), review_tab)
        self.rectify_button.clicked.connect(self._ask_rectify)
        self.rectify_button.setEnabled(False)
        if not self._may_rectify():
            self.rectify_button.setToolTip(self.tr("需要值班长账号登录才能登记整改"))
        review_buttons.addWidget(self.rectify_hint)
        review_buttons.addStretch(1)
        review_buttons.addWidget(self.rectify_button)
        review_layout.addLayout(review_buttons)
        self.tabs.addTab(review_tab, self.tr("差评整改"))

        self.status_label = QLabel(self)
        root.addWidget(self.status_label)

    # --- loading --------------------------------------------------------------------------------

    def query(self) -> Query:
        def day(edit: QDateEdit) -> dt.date:
            d = edit.date()
            return dt.date(d.year(), d.month(), d.day())

        return Query(
            start=day(self.start_edit),
            end=day(self.end_edit),
            category=self.category_box.currentData(),
            window_number=self.window_box.currentData(),
            wait_target_min=self.target_spin.value(),
        )

    def reload(self) -> None:
        q = self.query()
        db, station, rectify_days, today = self.ctx.db, self.ctx.station_code, self.rectify_days, self.today

        def load() -> KpiData:
            with db.session() as session:
                return KpiData(
                    choices=kpis.filter_choices(session, station_code=station),
                    rows=kpis.kpi_rows(
                        session,
                        station_code=station,
                        start=q.start,
                        end=q.end,
                        category=q.category,
                        window_number=q.window_number,
                        wait_target=dt.timedelta(minutes=q.wait_target_min),
                    ),
                    reviews=evaluations.bad_reviews(session, rectify_days=rectify_days, today=today),
                )

        self.runner.start(
            Op(load, name="load_kpis").success(self._loaded).with_progress(self.tr("正在统计…"))
        )

    def _loaded(self, data: KpiData) -> None:
        self.data = data
        self.loaded = True
        self._fill_choices(data.choices)
        self._fill_table(data.rows)
        self._fill_chart(data.rows)
        self._fill_reviews(data.reviews)
        total = kpis.total(data.rows)
        open_overdue = sum(1 for r in data.reviews if r.overdue)
        self.status_label.setText(
            self.tr(
                "共取号 {issued} 个，办结 {served} 个；差评 {bad} 条，其中逾期未整改 {overdue} 条。"
            ).format(issued=total.issued, served=total.served, bad=len(data.reviews), overdue=open_overdue)
        )
        self.data_did_load.emit()

    def _fill_choices(self, choices: FilterChoices) -> None:
        for box, items in (
            (self.category_box, [(f"{code} {name}", code) for code, name in choices.categories]),
            (self.window_box, [(self.tr("{n}号窗口").format(n=n), n) for n in choices.windows]),
        ):
            current = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for text, value in items:
                box.addItem(text, value)
            index = box.findData(current)
            box.setCurrentIndex(max(index, 0))
            box.blockSignals(False)

    def _fill_table(self, rows: list[KpiRow]) -> None:
        cells = kpis.table(rows)
        if rows:
            total = kpis.table([kpis.total(rows)])[0]
            total[0] = self.tr("合计")
            cells.append(total)
        self.table.setRowCount(len(cells))
        for r, line in enumerate(cells):
            for c, value in enumerate(line):
                text = "" if value is None else str(value)
                if c == 3 and value is None and r < len(rows):
                    text = self.tr("未叫号") if rows[r].issued else ""
                self.table.setItem(r, c, QTableWidgetItem(text))

    def chart_groups(self, rows: list[KpiRow]) -> tuple[list[str], list[KpiRow]]:
        """Per window for one day, per day for a longer range."""
        days = {r.day for r in rows}
        if len(days) <= 1:
            merged = sorted(
                kpis.combine(rows, key=lambda r: r.window_number), key=lambda r: r.window_number or 0
            )
            labels = [
                self.tr("{n}号窗口").format(n=r.window_number)
                if r.window_number is not None
                else self.tr("未叫号")
                for r in merged
            ]
            return labels, merged
        merged = sorted(kpis.combine(rows, key=lambda r: r.day), key=lambda r: r.day or dt.date.min)
        return [f"{r.day:%m-%d}" if r.day else "" for r in merged], merged

    def _fill_chart(self, rows: list[KpiRow]) -> None:
        labels, merged = self.chart_groups(rows)
        self.chart.set_data(  # type: ignore[attr-defined]
            labels,
            [
                (self.tr("取号"), [r.issued for r in merged]),
                (self.tr("办结"), [r.served for r in merged]),
                (self.tr("过号"), [r.no_show for r in merged]),
            ],
            title=self.tr("取号、办结与过号"),
        )

    def _fill_reviews(self, reviews: list[BadReview]) -> None:
        self.review_table.setRowCount(len(reviews))
        for r, review in enumerate(reviews):
            if review.rectified_at is not None:
                status = self.tr("已整改（{who}）").format(who=review.rectified_by)
                brush = DONE_BRUSH
            elif review.overdue:
                status = self.tr("逾期 {n} 个工作日").format(n=-review.working_days_left)
                brush = OVERDUE_BRUSH
            else:
                status = self.tr("剩余 {n} 个工作日").format(n=review.working_days_left)
                brush = None
            deadline = review.deadline.isoformat() + (
                self.tr("（暂定）") if review.deadline_provisional else ""
            )
            values = [
                review.evaluated_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
                level_label(review.level),
                "、".join(reason_label(x) for x in review.reasons),
                review.comment,
                self.tr("{n}号窗口").format(n=review.window_number)
                if review.window_number is not None
                else "",
                review.clerk_name,
                " / ".join(x for x in (review.ticket_number, review.case_number) if x),
                deadline,
                status,
            ]
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                if brush is not None:
                    item.setBackground(brush)
                self.review_table.setItem(r, c, item)
        self._review_selected()

    # --- bad-review follow-up ----------------------------------------------------------------------

    def _may_rectify(self) -> bool:
        return self.actor is not None and self.actor.role in evaluations.SUPERVISOR_ROLES

    def selected_review(self) -> BadReview | None:
        rows = self.review_table.selectionModel().selectedRows()
        if not rows or self.data is None:
            return None
        return self.data.reviews[rows[0].row()]

    def _review_selected(self) -> None:
        review = self.selected_review()
        self.rectify_button.setEnabled(
            self._may_rectify() and review is not None and review.rectified_at is None
        )

    def _ask_rectify(self) -> None:
        review = self.selected_review()
        if review is None:
            return
        note, ok = QInputDialog.getMultiLineText(
            self, self.tr("登记整改"), self.tr("整改情况（回访结果、采取的措施）：")
        )
        if ok:
            self.rectify(review.evaluation_id, note)

    def rectify(self, evaluation_id: int, note: str) -> None:
        actor, db = self.actor, self.ctx.db
        if actor is None:
            return

        def record() -> None:
            with db.session() as session:
                evaluations.mark_rectified(session, actor, evaluation_id, note=note)

        self.runner.start(Op(record, name="mark_rectified").success(lambda _r: self.reload()))

    # --- export -------------------------------------------------------------------------------------

    def _ask_export(self, kind: str) -> None:
        q = self.query()
        suggested = self.tr("大厅运行指标") + f"_{q.start:%Y%m%d}-{q.end:%Y%m%d}.{kind}"
        pattern = self.tr("CSV 文件 (*.csv)") if kind == "csv" else self.tr("Excel 工作簿 (*.xlsx)")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出运行指标"), suggested, pattern)
        if path:
            self.export(Path(path), kind)

    def export(self, path: Path, kind: str) -> None:
        """Write the loaded rows to ``path`` as ``kind`` ("csv" or "xlsx")."""
        rows = list(self.data.rows) if self.data is not None else []
        writer = kpis.export_csv if kind == "csv" else kpis.export_xlsx

        def write() -> int:
            return writer(rows, path)

        self.runner.start(
            Op(write, name=f"export_{kind}")
            .success(
                lambda n: self.status_label.setText(self.tr("已导出 {n} 行到 {path}").format(n=n, path=path))
            )
            .on_network()  # a slow network share must not hold up the database lane
        )
