"""大厅运行指标 (KPIs): per service day, queue category and window, from tickets and evaluations.

Definitions (Qmatic's BI reports, shared/reference/queue.md §3.1):

- issued (取号数): tickets of the day; a ticket counts for the window that last held it, or for no
  window (``None``) when it was never called.
- served (办结数): tickets that ended 办结; no-shows (过号数) those that ended 过号; no-show % is of issued.
- wait (等候时长): issued → last call; a ticket called again after 过号 counts its last call.
- service time (办理时长): started → finished, for tickets that were served.
- over target (超时等候): called tickets whose wait exceeded ``wait_target`` (Qmatic's "% above KPI").
- evaluations by level: ratings linked to a ticket count for that ticket's row; others for the day of
  the rating, their window and no category.

Rows keep sums and counts rather than averages, so :func:`combine` can merge them (by day, by
window …) without averaging averages.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.clock import local_date
from app.errors import DomainError, UserFacingError, ValidationError
from app.model import Evaluation, QueueCategory, Station, Ticket, Window
from app.services.evaluations import LEVEL_LABELS

DEFAULT_WAIT_TARGET = dt.timedelta(minutes=30)
MAX_RANGE_DAYS = 366

Key = tuple[dt.date, str, int | None]  # service day, category code ("" = none), window number


@dataclass
class KpiRow:
    day: dt.date | None  # None once combined across days
    category: str  # "" when none or combined
    category_name: str
    window_number: int | None
    issued: int = 0
    served: int = 0
    no_show: int = 0
    called: int = 0  # tickets with a wait (issued → called)
    wait_total_s: float = 0.0
    wait_max_s: float = 0.0
    service_n: int = 0
    service_total_s: float = 0.0
    over_target: int = 0
    evaluations: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVEL_LABELS, 0))

    @property
    def no_show_pct(self) -> float | None:
        return 100.0 * self.no_show / self.issued if self.issued else None

    @property
    def avg_wait_s(self) -> float | None:
        return self.wait_total_s / self.called if self.called else None

    @property
    def max_wait_s(self) -> float | None:
        return self.wait_max_s if self.called else None

    @property
    def avg_service_s(self) -> float | None:
        return self.service_total_s / self.service_n if self.service_n else None

    @property
    def over_target_pct(self) -> float | None:
        return 100.0 * self.over_target / self.called if self.called else None

    @property
    def rated(self) -> int:
        return sum(self.evaluations.values())

    def add(self, other: KpiRow) -> None:
        self.issued += other.issued
        self.served += other.served
        self.no_show += other.no_show
        self.called += other.called
        self.wait_total_s += other.wait_total_s
        self.wait_max_s = max(self.wait_max_s, other.wait_max_s)
        self.service_n += other.service_n
        self.service_total_s += other.service_total_s
        self.over_target += other.over_target
        for level, n in other.evaluations.items():
            self.evaluations[level] = self.evaluations.get(level, 0) + n


def _station_id(session: Session, station_code: str) -> int:
    station = session.execute(select(Station).where(Station.code == station_code)).scalar_one_or_none()
    if station is None:
        raise DomainError(f"找不到站点 {station_code}，请检查本机的站点设置。")
    return station.id


@dataclass(frozen=True)
class FilterChoices:
    """What the KPI view can filter on: the station's categories (code, name) and window numbers."""

    categories: list[tuple[str, str]]
    windows: list[int]


def filter_choices(session: Session, *, station_code: str) -> FilterChoices:
    station_id = _station_id(session, station_code)
    cats = session.execute(
        select(QueueCategory.code, QueueCategory.name)
        .where(QueueCategory.station_id == station_id)
        .order_by(QueueCategory.position, QueueCategory.code)
    ).all()
    windows = session.execute(
        select(Window.number).where(Window.station_id == station_id).order_by(Window.number)
    ).scalars()
    return FilterChoices(categories=[(c, n) for c, n in cats], windows=list(windows))


def kpi_rows(
    session: Session,
    *,
    station_code: str,
    start: dt.date,
    end: dt.date,
    category: str | None = None,
    window_number: int | None = None,
    wait_target: dt.timedelta = DEFAULT_WAIT_TARGET,
) -> list[KpiRow]:
    """One row per (day, category, window) from ``start`` to ``end`` inclusive, sorted by those keys."""
    if end < start:
        raise ValidationError("结束日期早于开始日期，请重新选择统计区间。", field="end")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationError(f"统计区间最长 {MAX_RANGE_DAYS} 天，请缩短后再查询。", field="start")
    if wait_target <= dt.timedelta(0):
        raise ValidationError("等候时长目标必须大于 0 分钟。", field="wait_target")
    station_id = _station_id(session, station_code)
    windows = {
        wid: number
        for wid, number in session.execute(
            select(Window.id, Window.number).where(Window.station_id == station_id)
        )
    }
    names = {
        code: name
        for code, name in session.execute(
            select(QueueCategory.code, QueueCategory.name).where(QueueCategory.station_id == station_id)
        )
    }
    rows: dict[Key, KpiRow] = {}

    def row(key: Key) -> KpiRow:
        if key not in rows:
            rows[key] = KpiRow(key[0], key[1], names.get(key[1], ""), key[2])
        return rows[key]

    tickets = session.execute(
        select(
            Ticket.id, Ticket.service_day, Ticket.category, Ticket.window_id, Ticket.state,
            Ticket.issued_at, Ticket.called_at, Ticket.started_at, Ticket.finished_at,
        ).where(Ticket.station_id == station_id, Ticket.service_day >= start, Ticket.service_day <= end)
    ).all()  # fmt: skip
    ticket_keys: dict[int, Key] = {}
    target_s = wait_target.total_seconds()
    for tid, day, cat, wid, state, issued, called, started, finished in tickets:
        key: Key = (day, cat, windows.get(wid) if wid is not None else None)
        ticket_keys[tid] = key
        r = row(key)
        r.issued += 1
        r.served += state == "done"
        r.no_show += state == "no_show"
        if called is not None:
            wait = max((called - issued).total_seconds(), 0.0)
            r.called += 1
            r.wait_total_s += wait
            r.wait_max_s = max(r.wait_max_s, wait)
            r.over_target += wait > target_s
        if state == "done" and started is not None and finished is not None:
            r.service_n += 1
            r.service_total_s += max((finished - started).total_seconds(), 0.0)

    # Ratings of these tickets, plus unlinked ratings given at this station's windows in the range.
    evals = session.execute(
        select(Evaluation.ticket_id, Evaluation.window_id, Evaluation.level, Evaluation.evaluated_at).where(
            or_(
                Evaluation.ticket_id.in_(list(ticket_keys)),
                and_(Evaluation.ticket_id.is_(None), Evaluation.window_id.in_(list(windows))),
            )
        )
    ).all()
    for rated_ticket, rated_window, level, at in evals:
        if rated_ticket is not None and rated_ticket in ticket_keys:
            key = ticket_keys[rated_ticket]
        else:
            day = local_date(at)
            if not start <= day <= end:
                continue
            key = (day, "", windows.get(rated_window) if rated_window is not None else None)
        r = row(key)
        r.evaluations[level] = r.evaluations.get(level, 0) + 1

    out = [
        r
        for r in rows.values()
        if (category is None or r.category == category)
        and (window_number is None or r.window_number == window_number)
    ]
    out.sort(key=lambda r: (r.day or dt.date.min, r.category, r.window_number or 0))
    return out


def combine(rows: Iterable[KpiRow], key: Callable[[KpiRow], Hashable]) -> list[KpiRow]:
    """Merge rows with the same ``key`` (e.g. ``lambda r: r.day`` for a per-day total).

    A merged row keeps day, category and window only where all its rows agree.
    """
    merged: dict[Hashable, KpiRow] = {}
    for r in rows:
        k = key(r)
        if k not in merged:
            merged[k] = replace(r, evaluations=dict(r.evaluations))
            continue
        m = merged[k]
        m.add(r)
        if m.day != r.day:
            m.day = None
        if m.category != r.category:
            m.category, m.category_name = "", ""
        if m.window_number != r.window_number:
            m.window_number = None
    return list(merged.values())


def total(rows: Iterable[KpiRow]) -> KpiRow:
    """All rows merged into one (the 合计 line)."""
    out = KpiRow(None, "", "", None)
    for r in rows:
        out.add(r)
    return out


# --- Export ----------------------------------------------------------------------------------------

HEADERS: tuple[str, ...] = (
    "日期", "类别", "类别名称", "窗口", "取号数", "办结数", "过号数", "过号率(%)",
    "平均等候(分钟)", "最长等候(分钟)", "平均办理(分钟)", "超时等候数", "超时等候占比(%)",
    *LEVEL_LABELS.values(),
)  # fmt: skip

Cell = str | int | float | None


def _minutes(seconds: float | None) -> float | None:
    return round(seconds / 60.0, 1) if seconds is not None else None


def _pct(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def table(rows: Iterable[KpiRow]) -> list[list[Cell]]:
    """The rows as export cells under :data:`HEADERS` (minutes and percentages to one decimal)."""
    return [
        [
            r.day.isoformat() if r.day is not None else "",
            r.category,
            r.category_name,
            r.window_number,
            r.issued,
            r.served,
            r.no_show,
            _pct(r.no_show_pct),
            _minutes(r.avg_wait_s),
            _minutes(r.max_wait_s),
            _minutes(r.avg_service_s),
            r.over_target,
            _pct(r.over_target_pct),
            *(r.evaluations.get(level, 0) for level in LEVEL_LABELS),
        ]
        for r in rows
    ]


def _cannot_write(path: Path, error: OSError) -> UserFacingError:
    return UserFacingError(
        f"无法写入文件 {path}（{error.strerror or error}），请换一个保存位置或关闭占用该文件的程序后重试。"
    )


def export_csv(rows: Iterable[KpiRow], path: Path) -> int:
    """Write the rows as CSV (UTF-8 with BOM, so Excel on Windows shows the Chinese); returns row count."""
    cells = table(rows)
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADERS)
            writer.writerows(["" if c is None else c for c in line] for line in cells)
    except OSError as error:
        raise _cannot_write(path, error) from error
    return len(cells)


def export_xlsx(rows: Iterable[KpiRow], path: Path) -> int:
    """Write the rows as an Excel workbook (one sheet, frozen header); returns row count."""
    from openpyxl import Workbook  # imported here: only exports need it
    from openpyxl.styles import Font

    cells = table(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = "大厅运行指标"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in cells:
        sheet.append(line)
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = max(8, 2 * len(str(column[0].value)) + 2)
    try:
        book.save(path)
    except OSError as error:
        raise _cannot_write(path, error) from error
    return len(cells)
