"""Business days skip weekends and the holidays handed in as data."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from reconcile.calendar import BusinessCalendar

TET_2026 = [dt.date(2026, 2, day) for day in range(14, 23)]
CALENDAR = BusinessCalendar.of(TET_2026)


def test_friday_plus_one_business_day_is_monday() -> None:
    assert CALENDAR.add(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)


def test_a_window_across_tet_skips_the_whole_break() -> None:
    assert CALENDAR.add(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 23)


def test_business_days_between_count_only_working_days() -> None:
    assert CALENDAR.between(dt.date(2026, 2, 13), dt.date(2026, 2, 24)) == 2
    assert CALENDAR.between(dt.date(2026, 11, 30), dt.date(2026, 11, 30)) == 0


def test_the_previous_business_day_of_a_monday_is_the_friday() -> None:
    assert CALENDAR.previous(dt.date(2026, 11, 30)) == dt.date(2026, 11, 27)


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 12, 1)), st.integers(0, 20))
def test_adding_n_business_days_lands_n_business_days_later(day: dt.date, n: int) -> None:
    later = CALENDAR.add(day, n)
    assert CALENDAR.between(day, later) == n
    assert n == 0 or CALENDAR.is_business_day(later)
