"""Business days in Vietnam: weekends and public holidays (ngày lễ, Tết) are not.

Holidays are data (``fixtures/holidays.csv``) handed in by the caller, so a
government-announced bridge day is a one-line data change, not a release.
A swapped day off (nghỉ hoán đổi, ``swap_off``) is a holiday like any other;
the Saturday worked in its place (làm bù, ``swap_work``) is a business day
although it falls on a weekend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

#: The kinds of ``holidays.csv`` rows: a day off, a weekday swapped off, a Saturday worked instead.
HOLIDAY_KINDS: Final = ("holiday", "swap_off", "swap_work")


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Business-day arithmetic over a fixed set of days off and weekend days worked.

    Attributes:
        holidays: days off (public holidays, nghỉ bù, swapped days off), weekdays or not.
        working_days: weekend days worked in exchange for a swapped day off (làm bù).
    """

    holidays: frozenset[dt.date]
    working_days: frozenset[dt.date] = frozenset()

    @classmethod
    def of(cls, holidays: Iterable[dt.date], working_days: Iterable[dt.date] = ()) -> BusinessCalendar:
        return cls(frozenset(holidays), frozenset(working_days))

    @classmethod
    def from_kinds(cls, days: Iterable[tuple[dt.date, str]]) -> BusinessCalendar:
        """A calendar from ``(date, kind)`` rows of ``holidays.csv`` (kinds of :data:`HOLIDAY_KINDS`)."""
        off: set[dt.date] = set()
        worked: set[dt.date] = set()
        for day, kind in days:
            if kind not in HOLIDAY_KINDS:
                raise ValueError(f"holiday kind {kind!r} is not one of {', '.join(HOLIDAY_KINDS)}")
            (worked if kind == "swap_work" else off).add(day)
        return cls(frozenset(off), frozenset(worked))

    def is_business_day(self, day: dt.date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add(self, day: dt.date, business_days: int) -> dt.date:
        """The ``business_days``-th business day after ``day`` (``day`` itself if 0 and open)."""
        current = day
        remaining = business_days
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def previous(self, day: dt.date) -> dt.date:
        """The last business day strictly before ``day``."""
        current = day - dt.timedelta(days=1)
        while not self.is_business_day(current):
            current -= dt.timedelta(days=1)
        return current

    def between(self, start: dt.date, end: dt.date) -> int:
        """Business days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_business_day(current):
                count += 1
        return count
