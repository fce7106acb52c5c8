"""值班长 KPI view: the table, the chart, filters, exports and the bad-review follow-up list."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.context import AppContext
from app.model import Clerk, Role
from app.services import evaluations, kpis, queue
from app.services.actor import Actor
from ui.i18n import use_language
from ui.ops import OpRunner
from ui.supervisor.bar_chart import SERIES_COLOURS, PainterBarChart, make_bar_chart, qtcharts_available
from ui.supervisor.kpi_window import KpiWindow
from ui.supervisor.launch import run_supervisor

DAY = dt.date(2026, 11, 23)  # a Monday
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)  # 09:00 Beijing time
SUPERVISOR = Actor(username="zhiban", role=Role.SUPERVISOR, display_name="赵值班")
CJK = re.compile(r"[\u3400-\u9fff]")


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def hall_day(demo_ctx: AppContext) -> AppContext:
    """A001 served at window 1 (wait 10 min, 20 min service, rated 非常不满意), A002 过号 at window 2."""
    st = demo_ctx.station_code
    with demo_ctx.db.session() as s:
        clerk = s.execute(select(Clerk).where(Clerk.role == Role.CLERK.value)).scalars().first()
        assert clerk is not None
        actor = Actor(username=clerk.username, role=Role.CLERK, clerk_id=clerk.id)
    steps: list[tuple[Any, int, int]] = [
        (queue.call_next, 1, 10),
        (queue.start_service, 1, 11),
        (queue.finish, 1, 31),
        (queue.call_next, 2, 40),
        (queue.no_show, 2, 45),
    ]
    for minute in (0, 1):
        with demo_ctx.db.session() as s:
            queue.issue_ticket(s, station_code=st, category="A", now=at(minute))
    done = None
    for fn, window, minute in steps:
        with demo_ctx.db.session() as s:
            view = fn(s, actor, station_code=st, window_number=window, now=at(minute))
            done = view if view.number == "A001" and view.state == "done" else done
    assert done is not None
    with demo_ctx.db.session() as s:
        evaluations.record_evaluation(s, None, level=5, reasons=["多次跑动"], ticket_id=done.id, now=at(32))
    return demo_ctx


def open_view(qtbot: QtBot, ctx: AppContext, actor: Actor | None = SUPERVISOR, **kw: Any) -> KpiWindow:
    w = KpiWindow(ctx, OpRunner(inline=True), actor=actor, today=kw.pop("today", DAY), **kw)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.reload()
    assert w.loaded
    return w


def table_texts(w: KpiWindow) -> list[list[str]]:
    out = []
    for r in range(w.table.rowCount()):
        out.append(
            [(w.table.item(r, c).text() if w.table.item(r, c) else "") for c in range(w.table.columnCount())]
        )
    return out


def test_the_table_lists_each_window_and_a_total(qtbot: QtBot, hall_day: AppContext) -> None:
    w = open_view(qtbot, hall_day)
    rows = table_texts(w)
    by_window = {row[3]: row for row in rows[:-1]}
    assert set(by_window) == {"1", "2"}
    assert by_window["1"][4:6] == ["1", "1"] and by_window["1"][8] == "10.0" and by_window["1"][10] == "20.0"
    assert by_window["1"][-1] == "1"  # one 非常不满意
    assert by_window["2"][6:8] == ["1", "100.0"] and by_window["2"][8] == "39.0"
    assert rows[-1][0] == "合计" and rows[-1][4:7] == ["2", "1", "1"] and rows[-1][12] == "50.0"
    assert "共取号 2 个，办结 1 个" in w.status_label.text()
    # The filter lists come from the station.
    assert w.window_box.count() == 1 + 3 and w.category_box.count() == 1 + 6


def test_one_day_is_charted_per_window_and_a_range_per_day(qtbot: QtBot, hall_day: AppContext) -> None:
    w = open_view(qtbot, hall_day)
    chart: Any = w.chart
    assert chart.labels == ["1号窗口", "2号窗口"]
    assert [name for name, _ in chart.series] == ["取号", "办结", "过号"]
    assert chart.series[2][1] == [0.0, 1.0]
    assert w.data is not None
    labels, merged = w.chart_groups(
        [*w.data.rows, kpis.KpiRow(DAY + dt.timedelta(days=1), "A", "", 1, issued=3)]
    )
    assert labels == ["11-23", "11-24"] and [r.issued for r in merged] == [2, 3]


def test_filters_narrow_the_rows(qtbot: QtBot, hall_day: AppContext) -> None:
    w = open_view(qtbot, hall_day)
    w.window_box.setCurrentIndex(w.window_box.findData(2))
    w.reload()
    rows = table_texts(w)
    assert [row[3] for row in rows[:-1]] == ["2"]
    w.window_box.setCurrentIndex(0)
    w.category_box.setCurrentIndex(w.category_box.findData("B"))
    w.reload()
    assert w.table.rowCount() == 0
    w.category_box.setCurrentIndex(0)
    w.start_edit.setDate(w.start_edit.date().addDays(-30))
    w.end_edit.setDate(w.end_edit.date().addDays(-20))
    w.reload()
    assert w.table.rowCount() == 0 and "共取号 0 个" in w.status_label.text()


def test_exports_write_the_loaded_rows(qtbot: QtBot, hall_day: AppContext, tmp_path: Path) -> None:
    w = open_view(qtbot, hall_day)
    w.export(tmp_path / "k.csv", "csv")
    assert "已导出 2 行" in w.status_label.text()
    with (tmp_path / "k.csv").open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0][0] == "日期" and {line[3] for line in lines[1:]} == {"1", "2"}
    w.export(tmp_path / "k.xlsx", "xlsx")
    sheet = load_workbook(tmp_path / "k.xlsx").active
    assert sheet.max_row == 3 and sheet["E1"].value == "取号数"


def test_bad_reviews_show_their_deadline_and_only_a_supervisor_records_rectification(
    qtbot: QtBot, hall_day: AppContext
) -> None:
    reader = open_view(
        qtbot, hall_day, actor=Actor(username="wang", role=Role.CLERK), today=DAY + dt.timedelta(days=30)
    )
    assert reader.review_table.rowCount() == 1
    cells = [reader.review_table.item(0, c).text() for c in range(reader.review_table.columnCount())]
    assert cells[1] == "非常不满意" and cells[2] == "多次跑动" and cells[4] == "1号窗口"
    assert cells[7] == "2026-11-30" and cells[8].startswith("逾期")
    assert reader.review_table.item(0, 0).background().color() == QColor("#ffcdd2")
    reader.review_table.selectRow(0)
    assert not reader.rectify_button.isEnabled() and "值班长" in reader.rectify_button.toolTip()
    assert "逾期未整改 1 条" in reader.status_label.text()

    w = open_view(qtbot, hall_day, today=DAY + dt.timedelta(days=2))
    assert w.review_table.item(0, 8).text() == "剩余 3 个工作日"
    w.review_table.selectRow(0)
    assert w.rectify_button.isEnabled()
    review = w.selected_review()
    assert review is not None
    w.rectify(review.evaluation_id, "已电话回访，致歉并说明材料清单")
    assert w.review_table.item(0, 8).text() == "已整改（zhiban）"
    w.review_table.selectRow(0)
    assert not w.rectify_button.isEnabled()


def test_the_painter_chart_draws_bars_to_scale(qtbot: QtBot) -> None:
    chart = make_bar_chart(prefer_qtcharts=False)
    assert isinstance(chart, PainterBarChart)
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.set_data(["1号窗口", "2号窗口"], [("取号", [4, 2]), ("办结", [3, 0])], title="测试")
    rects = chart.bar_rects()
    assert rects[0][0].height() == pytest.approx(2 * rects[0][1].height())
    assert rects[1][1].height() == 0
    image = chart.grab().toImage()
    centre = rects[0][0].center().toPoint()
    assert image.pixelColor(centre) == QColor(SERIES_COLOURS[0])


@pytest.mark.skipif(not qtcharts_available(), reason="this PySide6 build has no QtCharts")
def test_the_qtcharts_chart_takes_the_same_data(qtbot: QtBot) -> None:
    chart: Any = make_bar_chart()
    qtbot.addWidget(chart)
    chart.set_data(["a", "b"], [("x", [1, 5])])
    chart.set_data(["a"], [("x", [2])])  # replacing the data replaces the chart
    assert chart.max_value() == 2.0 and chart.chart().series()[0].count() == 1


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    translators = use_language(qapp, "en")
    yield
    for translator in translators:
        qapp.removeTranslator(translator)


def test_the_view_speaks_english(english: None, qtbot: QtBot, hall_day: AppContext) -> None:
    w = open_view(qtbot, hall_day)
    heads = [w.table.horizontalHeaderItem(c).text() for c in range(w.table.columnCount())]
    assert heads[4] == "Issued" and heads[-1] == "Very dissatisfied"
    assert [h for h in heads if CJK.search(h)] == []
    assert w.windowTitle() == "YiChuang · Hall KPIs"


def test_smoke_run_saves_a_screenshot(hall_day: AppContext, tmp_path: Path) -> None:
    target = tmp_path / "supervisor.png"
    assert run_supervisor(hall_day, screenshot=target) == 0
    assert QImage(str(target)).width() == 1366
