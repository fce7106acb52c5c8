"""大厅运行指标: counts, waits, service times and ratings per day, category and window; exports."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from app.errors import UserFacingError, ValidationError
from app.model import Role, Station, Window
from app.services import evaluations as ev
from app.services import kpis
from app.services import queue as q
from app.services.actor import Actor
from app.storage.db import Database

ST = "H1"
CLERK = Actor(username="wang", role=Role.CLERK)
DAY = dt.date(2026, 11, 23)
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)  # 09:00 Beijing time


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def act(db: Database, fn: Any, window: int, minute: int) -> q.TicketView:
    with db.session() as s:
        view: q.TicketView = fn(s, CLERK, station_code=ST, window_number=window, now=at(minute))
    return view


@pytest.fixture
def day(db: Database) -> Database:
    """One morning: A001 过号 at window 2; A002 and A003 served at window 1; B001 never called.

    Waits: A001 5 min, A002 9 min, A003 39 min (over the 30-minute target). Service: 10 and 5 min.
    """
    with db.session() as s:
        station = Station(code=ST, name="测试大厅", mode="hall")
        station.windows.append(Window(number=1, categories=["A", "B"]))
        station.windows.append(Window(number=2, categories=["A"]))
        s.add(station)
        s.flush()
        q.ensure_default_categories(s, ST)
    for minute, cat in [(0, "A"), (1, "A"), (2, "A"), (3, "B")]:
        with db.session() as s:
            q.issue_ticket(s, station_code=ST, category=cat, now=at(minute))
    assert act(db, q.call_next, 2, 5).number == "A001"
    act(db, q.no_show, 2, 8)
    a002 = act(db, q.call_next, 1, 10)
    assert a002.number == "A002"
    act(db, q.start_service, 1, 11)
    act(db, q.finish, 1, 21)
    a003 = act(db, q.call_next, 1, 41)
    assert a003.number == "A003"
    act(db, q.start_service, 1, 42)
    act(db, q.finish, 1, 47)
    with db.session() as s:
        ev.record_evaluation(s, None, level=1, ticket_id=a002.id, now=at(22))
        ev.record_evaluation(s, None, level=4, reasons=["等候时间过长"], ticket_id=a003.id, now=at(48))
        ev.record_evaluation(s, None, level=3, station_code=ST, window_number=2, now=at(50))
        # The next day, which a one-day query must leave out.
        q.issue_ticket(s, station_code=ST, category="B", now=at(24 * 60))
    return db


def rows(db: Database, **kw: Any) -> list[kpis.KpiRow]:
    with db.session() as s:
        return kpis.kpi_rows(s, station_code=ST, start=kw.pop("start", DAY), end=kw.pop("end", DAY), **kw)


def test_one_row_per_day_category_and_window(day: Database) -> None:
    by_key = {(r.day, r.category, r.window_number): r for r in rows(day)}
    assert set(by_key) == {(DAY, "A", 1), (DAY, "A", 2), (DAY, "B", None), (DAY, "", 2)}
    served = by_key[(DAY, "A", 1)]
    assert served.category_name == "综合受理"
    assert (served.issued, served.served, served.no_show, served.no_show_pct) == (2, 2, 0, 0.0)
    assert served.avg_wait_s == 24 * 60 and served.max_wait_s == 39 * 60
    assert served.avg_service_s == 7.5 * 60
    assert (served.over_target, served.over_target_pct) == (1, 50.0)
    assert served.evaluations == {1: 1, 2: 0, 3: 0, 4: 1, 5: 0}
    missed = by_key[(DAY, "A", 2)]
    assert (missed.issued, missed.no_show, missed.no_show_pct, missed.avg_wait_s) == (1, 1, 100.0, 5 * 60)
    assert missed.avg_service_s is None
    never = by_key[(DAY, "B", None)]
    assert (never.issued, never.avg_wait_s, never.max_wait_s, never.over_target_pct) == (1, None, None, None)
    unlinked = by_key[(DAY, "", 2)]
    assert unlinked.issued == 0 and unlinked.evaluations[3] == 1


def test_the_wait_target_decides_what_counts_as_too_long(day: Database) -> None:
    total = kpis.total(rows(day, wait_target=dt.timedelta(minutes=40)))
    assert total.over_target == 0
    total = kpis.total(rows(day, wait_target=dt.timedelta(minutes=5)))
    assert total.over_target == 2  # 9 and 39 minutes; exactly 5 is not over


def test_a_day_total_merges_without_averaging_averages(day: Database) -> None:
    (merged,) = kpis.combine(rows(day), key=lambda r: r.day)
    assert merged.day == DAY and merged.category == "" and merged.window_number is None
    assert (merged.issued, merged.served, merged.no_show, merged.no_show_pct) == (4, 2, 1, 25.0)
    assert merged.avg_wait_s == pytest.approx((5 + 9 + 39) * 60 / 3)
    assert merged.rated == 3
    per_window = {r.window_number: r for r in kpis.combine(rows(day), key=lambda r: r.window_number)}
    assert per_window[1].served == 2 and per_window[2].no_show == 1 and per_window[None].issued == 1


def test_filters_by_category_window_and_dates(day: Database) -> None:
    assert {r.window_number for r in rows(day, category="A")} == {1, 2}
    assert {(r.category, r.window_number) for r in rows(day, window_number=2)} == {("A", 2), ("", 2)}
    two_days = rows(day, end=DAY + dt.timedelta(days=1))
    assert kpis.total(two_days).issued == 5
    assert rows(day, start=DAY - dt.timedelta(days=3), end=DAY - dt.timedelta(days=1)) == []


def test_bad_ranges_are_refused(day: Database) -> None:
    with pytest.raises(ValidationError, match="结束日期早于开始日期"):
        rows(day, end=DAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="最长 366 天"):
        rows(day, start=DAY - dt.timedelta(days=400))


def test_csv_export_opens_in_excel_with_chinese_headers(day: Database, tmp_path: Path) -> None:
    path = tmp_path / "kpi.csv"
    assert kpis.export_csv(rows(day), path) == 4
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0][:5] == ["日期", "类别", "类别名称", "窗口", "取号数"] and lines[0][-1] == "非常不满意"
    served = next(line for line in lines[1:] if line[1] == "A" and line[3] == "1")
    assert served[:9] == ["2026-11-23", "A", "综合受理", "1", "2", "2", "0", "0.0", "24.0"]
    never = next(line for line in lines[1:] if line[1] == "B")
    assert never[3] == "" and never[8] == ""  # no window, no wait: empty, not zero


def test_xlsx_export_has_the_same_table(day: Database, tmp_path: Path) -> None:
    path = tmp_path / "kpi.xlsx"
    assert kpis.export_xlsx(rows(day), path) == 4
    sheet = load_workbook(path).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == kpis.HEADERS
    served = next(v for v in values[1:] if v[1] == "A" and v[3] == 1)
    assert served[4:11] == (2, 2, 0, 0.0, 24.0, 39.0, 7.5)
    assert served[-5:] == (1, 0, 0, 1, 0)


def test_an_unwritable_export_path_says_what_to_do(day: Database, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "kpi.csv"
    with pytest.raises(UserFacingError, match="请换一个保存位置"):
        kpis.export_csv(rows(day), missing)
    with pytest.raises(UserFacingError, match="请换一个保存位置"):
        kpis.export_xlsx(rows(day), missing.with_suffix(".xlsx"))
