"""Working-day deadlines: national holidays, local overrides, platform days, unknown years."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.workdays import Deadline, WorkdayCalendar

D = datetime.date


def test_national_day_week_and_make_up_saturday() -> None:
    # Oct 1-7 off, Saturday Oct 10 is a make-up working day (State Council notice for 2026).
    deadline = WorkdayCalendar().add_working_days(D(2026, 9, 30), 5)
    assert deadline == Deadline(D(2026, 10, 13), provisional=False, source="chinese_calendar")


def test_make_up_saturday_is_a_workday_and_holiday_weekday_is_not() -> None:
    cal = WorkdayCalendar()
    assert cal.is_workday(D(2026, 10, 10))
    assert not cal.is_workday(D(2026, 10, 5))
    assert not cal.is_provisional(D(2026, 10, 5))


def test_deadline_crossing_into_an_unannounced_year_is_provisional_weekends_only() -> None:
    # Dec 28-31 count 1-4; 2027 is unknown, so Fri Jan 1 counts and Jan 4-8 finish the ten.
    deadline = WorkdayCalendar().add_working_days(D(2026, 12, 25), 10)
    assert deadline == Deadline(D(2027, 1, 8), provisional=True, source="weekends_only")


def test_deadline_inside_a_known_year_is_not_provisional_even_late_in_the_year() -> None:
    deadline = WorkdayCalendar().add_working_days(D(2026, 12, 25), 4)
    assert deadline == Deadline(D(2026, 12, 31), provisional=False, source="chinese_calendar")


def test_override_holiday_in_unknown_year_is_respected_but_year_stays_provisional() -> None:
    cal = WorkdayCalendar({D(2027, 1, 1): False})
    assert not cal.is_workday(D(2027, 1, 1))
    assert not cal.is_provisional(D(2027, 1, 1))
    assert cal.is_provisional(D(2027, 1, 4))
    assert cal.add_working_days(D(2026, 12, 25), 10) == Deadline(
        D(2027, 1, 11), provisional=True, source="weekends_only"
    )


def test_deadline_on_an_override_day_is_provisional_if_a_guessed_day_came_before() -> None:
    # Jan 1 2027 was only guessed to be a working day, so the count that ends on the
    # override-confirmed Saturday Jan 2 is still a guess.
    cal = WorkdayCalendar({D(2027, 1, 2): True})
    assert cal.add_working_days(D(2026, 12, 31), 2) == Deadline(
        D(2027, 1, 2), provisional=True, source="override"
    )


def test_announced_year_entered_by_the_hall_is_not_provisional() -> None:
    cal = WorkdayCalendar({D(2027, 1, 1): False}, announced_years=[2027])
    assert cal.add_working_days(D(2026, 12, 25), 10) == Deadline(
        D(2027, 1, 11), provisional=False, source="override"
    )


def test_local_festival_override_beats_chinese_calendar() -> None:
    # A hall closed on Thu Oct 8 for a local festival: the deadline moves one working day.
    cal = WorkdayCalendar({D(2026, 10, 8): False})
    assert cal.add_working_days(D(2026, 9, 30), 5) == Deadline(
        D(2026, 10, 14), provisional=False, source="chinese_calendar"
    )


def test_platform_days_beat_chinese_calendar() -> None:
    cal = WorkdayCalendar(platform_days={D(2026, 10, 9): False, D(2026, 10, 11): True})
    assert not cal.is_workday(D(2026, 10, 9))
    assert cal.is_workday(D(2026, 10, 11))
    # Oct 8, 10, 11, 12, 13.
    assert cal.add_working_days(D(2026, 9, 30), 5) == Deadline(
        D(2026, 10, 13), provisional=False, source="chinese_calendar"
    )
    assert cal.add_working_days(D(2026, 9, 30), 3).source == "platform"


def test_overrides_beat_platform_days() -> None:
    cal = WorkdayCalendar({D(2026, 10, 9): True}, platform_days={D(2026, 10, 9): False})
    assert cal.is_workday(D(2026, 10, 9))
    assert cal.day_status(D(2026, 10, 9)).source == "override"


def test_platform_calendar_for_next_year_makes_it_known() -> None:
    cal = WorkdayCalendar(platform_days={D(2027, 1, 1): False, D(2027, 2, 20): True})
    assert cal.covered_years() == range(2004, 2028)
    assert not cal.is_provisional(D(2027, 1, 4))
    assert cal.add_working_days(D(2026, 12, 25), 10) == Deadline(
        D(2027, 1, 11), provisional=False, source="platform"
    )


def test_covered_years_is_the_package_range_without_extra_data() -> None:
    assert WorkdayCalendar().covered_years() == range(2004, 2027)
    assert WorkdayCalendar({D(2027, 5, 1): False}).covered_years() == range(2004, 2027)


def test_zero_days_is_an_immediate_case_on_the_start_day() -> None:
    cal = WorkdayCalendar()
    assert cal.add_working_days(D(2026, 10, 3), 0).date == D(2026, 10, 3)
    assert cal.add_working_days(D(2027, 3, 3), 0) == Deadline(D(2027, 3, 3), False, "weekends_only")


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkdayCalendar().add_working_days(D(2026, 10, 3), -1)


def test_datetime_start_counts_from_its_date() -> None:
    start = datetime.datetime(2026, 9, 30, 16, 45)
    assert WorkdayCalendar().add_working_days(start, 5).date == D(2026, 10, 13)


def test_working_days_between() -> None:
    cal = WorkdayCalendar()
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert cal.working_days_between(D(2026, 10, 13), D(2026, 9, 30)) == -5
    assert cal.working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0
    assert cal.working_days_between(D(2026, 10, 1), D(2026, 10, 1)) == 0


def test_fallback_is_logged_once_per_year(caplog: pytest.LogCaptureFixture) -> None:
    cal = WorkdayCalendar()
    with caplog.at_level("WARNING", logger="app.workdays"):
        cal.add_working_days(D(2026, 12, 25), 30)
    assert [r.getMessage() for r in caplog.records].count(
        "no holiday data for 2027; counting Monday-Friday only (provisional)"
    ) == 1


_CALENDARS = [
    WorkdayCalendar(),
    WorkdayCalendar(
        {D(2025, 5, 6): False, D(2026, 3, 1): True, D(2027, 1, 1): False, D(2027, 2, 6): True},
        platform_days={D(2026, 10, 9): False, D(2026, 12, 31): False},
    ),
]
_starts = st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31))


@given(st.sampled_from(_CALENDARS), _starts, st.integers(1, 40))
def test_deadline_is_a_workday_after_start(cal: WorkdayCalendar, start: datetime.date, n: int) -> None:
    deadline = cal.add_working_days(start, n)
    assert deadline.date > start
    assert cal.is_workday(deadline.date)
    assert cal.working_days_between(start, deadline.date) == n
    days = [start + datetime.timedelta(days=i) for i in range(1, (deadline.date - start).days + 1)]
    assert deadline.provisional == any(cal.is_provisional(d) for d in days)


@given(st.sampled_from(_CALENDARS), _starts, st.integers(0, 40))
def test_deadline_grows_with_n(cal: WorkdayCalendar, start: datetime.date, n: int) -> None:
    assert cal.add_working_days(start, n).date < cal.add_working_days(start, n + 1).date
