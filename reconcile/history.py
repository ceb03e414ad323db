"""How far back and ahead a run of a business date reads: the core's rule, the store's query.

A store (:class:`reconcile.ports.RunStore`) asks :func:`history_range` which
dates to read once it knows the calendar, the gateways' terms and the items
carried into the run; it decides nothing about the window itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from reconcile.calendar import BusinessCalendar
from reconcile.gateways import DEFAULT_TERMS, GatewayTerms

#: At most this many calendar days of transactions before the run's date (a window over Tết is ~9).
LOOKBACK_DAYS: Final = 10
#: Calendar days of bank entries after the run's date a store loads: late credits included.
LOOKAHEAD_DAYS: Final = 31
#: Carried items older than this many calendar days are no longer judged again, only carried.
MAX_CARRY_DAYS: Final = 120


@dataclass(frozen=True, slots=True)
class HistoryRange:
    """The dates a run of ``day`` reads.

    Attributes:
        start: the first ``paid_date`` of the transactions read: the earliest day whose
            settlement window reaches ``day`` (credits booked from ``day`` on may settle its
            batches), or the oldest carried item's date.
        end: the last ``paid_date`` read: the end of ``day``'s own window.
        entries_end: the last booking date of the bank entries read (late credits included).
    """

    day: dt.date
    start: dt.date
    end: dt.date
    entries_end: dt.date


def history_range(
    day: dt.date, carried: pa.Table, calendar: BusinessCalendar, gateways: Mapping[str, GatewayTerms]
) -> HistoryRange:
    """The range a run of ``day`` reads (see :class:`HistoryRange`)."""
    days = max([DEFAULT_TERMS.settlement_days, *(terms.settlement_days for terms in gateways.values())])
    start = day
    while (
        start > day - dt.timedelta(days=LOOKBACK_DAYS)
        and calendar.add(start - dt.timedelta(days=1), days) >= day
    ):
        start -= dt.timedelta(days=1)
    oldest = pc.min(carried.column("business_date")).as_py() if carried.num_rows else None
    if oldest is not None:
        start = max(min(start, oldest), day - dt.timedelta(days=MAX_CARRY_DAYS))
    return HistoryRange(day, start, calendar.add(day, days), day + dt.timedelta(days=LOOKAHEAD_DAYS))
