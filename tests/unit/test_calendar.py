"""Business days skip weekends and the holidays handed in as data."""

from __future__ import annotations

import datetime as dt

import pytest
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


NATIONAL_DAY_2026 = BusinessCalendar.from_kinds(
    [
        (dt.date(2026, 8, 22), "swap_work"),
        (dt.date(2026, 8, 31), "swap_off"),
        (dt.date(2026, 9, 1), "holiday"),
        (dt.date(2026, 9, 2), "holiday"),
    ]
)


def test_a_saturday_worked_in_exchange_for_a_swapped_day_is_a_business_day() -> None:
    assert NATIONAL_DAY_2026.is_business_day(dt.date(2026, 8, 22))
    assert NATIONAL_DAY_2026.add(dt.date(2026, 8, 21), 1) == dt.date(2026, 8, 22)
    assert NATIONAL_DAY_2026.previous(dt.date(2026, 8, 24)) == dt.date(2026, 8, 22)


def test_a_batch_due_across_the_swapped_monday_waits_until_after_national_day() -> None:
    assert not NATIONAL_DAY_2026.is_business_day(dt.date(2026, 8, 31))
    assert NATIONAL_DAY_2026.add(dt.date(2026, 8, 28), 1) == dt.date(2026, 9, 3)
    assert NATIONAL_DAY_2026.between(dt.date(2026, 8, 28), dt.date(2026, 9, 3)) == 1


def test_an_unknown_holiday_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="bridge"):
        BusinessCalendar.from_kinds([(dt.date(2026, 8, 31), "bridge")])
