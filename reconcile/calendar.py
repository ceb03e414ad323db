"""Business days in Vietnam: weekends and public holidays (ngày lễ, Tết) are not.

Holidays are data (``fixtures/holidays.csv``) handed in by the caller, so a
government-announced bridge day is a one-line data change, not a release.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Business-day arithmetic over a fixed set of holidays."""

    holidays: frozenset[dt.date]

    @classmethod
    def of(cls, holidays: Iterable[dt.date]) -> BusinessCalendar:
        return cls(frozenset(holidays))

    def is_business_day(self, day: dt.date) -> bool:
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
