"""Working-day (工作日) calendar for statutory and promised deadlines.

A day's status comes from the first source that knows it:

1. the hall's override table (local minority-festival holidays, 调休 make-up days, or the next
   year's national schedule typed in from the State Council notice);
2. the provincial platform's calendar;
3. ``chinese_calendar`` (national holidays and make-up days, one package release per year);
4. otherwise Monday–Friday, flagged *provisional*: the next year's holidays are announced around
   November, so a deadline computed now may cross into a year nobody can know yet.

Counting follows 民法典 Art. 201: the start day is not counted. See shared/reference/gov-domain.md §4.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import chinese_calendar

log = logging.getLogger(__name__)

SOURCE_CHINESE_CALENDAR = "chinese_calendar"
SOURCE_OVERRIDE = "override"
SOURCE_PLATFORM = "platform"
SOURCE_WEEKENDS_ONLY = "weekends_only"

_ONE_DAY = datetime.timedelta(days=1)

# The package raises NotImplementedError outside its data; knowing the range up front avoids
# using exceptions for control flow on every day of a deadline computation.
_CHINESE_CALENDAR_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


@functools.lru_cache(maxsize=16384)
def _chinese_calendar_is_workday(day: datetime.date) -> bool:
    return bool(chinese_calendar.is_workday(day))


@dataclass(frozen=True)
class Deadline:
    """承诺办结日: a computed deadline.

    ``provisional`` is True when a day on the way fell in a year whose holidays are not known yet
    (weekends-only guess); such deadlines must be recomputed once the schedule arrives.
    ``source`` names the calendar that decided the final day: "chinese_calendar", "override",
    "platform" or "weekends_only".
    """

    date: datetime.date
    provisional: bool
    source: str


@dataclass(frozen=True)
class DayStatus:
    """Whether one day is a working day, who said so, and whether that is only a guess."""

    workday: bool
    provisional: bool
    source: str


def _as_date(day: datetime.date) -> datetime.date:
    # datetime is a subclass of date but hashes differently; table keys are plain dates.
    return day.date() if isinstance(day, datetime.datetime) else day


class WorkdayCalendar:
    """Working days for one hall: overrides beat the platform, which beats ``chinese_calendar``.

    ``overrides`` and ``platform_days`` map a date to True (working day) or False (day off).
    A year mentioned anywhere in ``platform_days`` counts as covered by the platform: its other
    days follow ``chinese_calendar`` when the package knows the year, Monday–Friday otherwise,
    without being provisional. ``announced_years`` lists years whose full national schedule the
    hall has entered into ``overrides``; those years are not provisional either. A single override
    (e.g. a local festival) does not make its year known.
    """

    def __init__(
        self,
        overrides: Mapping[datetime.date, bool] | None = None,
        platform_days: Mapping[datetime.date, bool] | None = None,
        *,
        announced_years: Iterable[int] = (),
    ) -> None:
        self._overrides = {_as_date(d): bool(v) for d, v in (overrides or {}).items()}
        self._platform = {_as_date(d): bool(v) for d, v in (platform_days or {}).items()}
        self._platform_years = frozenset(d.year for d in self._platform)
        self._announced_years = frozenset(announced_years)
        self._warned_years: set[int] = set()

    def day_status(self, day: datetime.date) -> DayStatus:
        """Status of ``day`` and the source that decided it."""
        day = _as_date(day)
        if day in self._overrides:
            return DayStatus(self._overrides[day], False, SOURCE_OVERRIDE)
        if day in self._platform:
            return DayStatus(self._platform[day], False, SOURCE_PLATFORM)
        if day.year in _CHINESE_CALENDAR_YEARS:
            return DayStatus(_chinese_calendar_is_workday(day), False, SOURCE_CHINESE_CALENDAR)
        weekday = day.weekday() < 5
        if day.year in self._platform_years:
            return DayStatus(weekday, False, SOURCE_PLATFORM)
        if day.year in self._announced_years:
            return DayStatus(weekday, False, SOURCE_OVERRIDE)
        if day.year not in self._warned_years:
            self._warned_years.add(day.year)
            log.warning("no holiday data for %d; counting Monday-Friday only (provisional)", day.year)
        return DayStatus(weekday, True, SOURCE_WEEKENDS_ONLY)

    def is_workday(self, day: datetime.date) -> bool:
        """True if ``day`` is a working day (possibly only a weekends-only guess)."""
        return self.day_status(day).workday

    def is_provisional(self, day: datetime.date) -> bool:
        """True if no source knows ``day``'s year and the weekends-only guess was used."""
        return self.day_status(day).provisional

    def is_year_covered(self, year: int) -> bool:
        """True if days of ``year`` are known rather than guessed (except per-day overrides)."""
        return (
            year in _CHINESE_CALENDAR_YEARS or year in self._platform_years or year in self._announced_years
        )

    def covered_years(self) -> range:
        """The unbroken run of known years starting with ``chinese_calendar``'s first year."""
        end = _CHINESE_CALENDAR_YEARS.stop
        while self.is_year_covered(end):
            end += 1
        return range(_CHINESE_CALENDAR_YEARS.start, end)

    def add_working_days(self, start: datetime.date, n: int) -> Deadline:
        """The n-th working day after ``start`` (the start day itself is not counted).

        ``n == 0`` returns ``start`` itself (即办件, handled on the spot); that date depends on no
        calendar, so it is never provisional. Raises ValueError for negative ``n``.
        """
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        day = _as_date(start)
        if n == 0:
            return Deadline(day, False, self.day_status(day).source)
        counted = 0
        provisional = False
        status = DayStatus(False, False, SOURCE_CHINESE_CALENDAR)
        while counted < n:
            day += _ONE_DAY
            status = self.day_status(day)
            provisional = provisional or status.provisional
            if status.workday:
                counted += 1
        return Deadline(day, provisional, status.source)

    def working_days_between(self, a: datetime.date, b: datetime.date) -> int:
        """Working days d with a < d <= b; negative when ``b`` is before ``a``.

        Matches :meth:`add_working_days`: ``working_days_between(s, add_working_days(s, n).date) == n``.
        """
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        day = a
        while day < b:
            day += _ONE_DAY
            if self.day_status(day).workday:
                count += 1
        return count
