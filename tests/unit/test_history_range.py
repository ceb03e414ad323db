"""Which dates a run reads: the core's rule (``reconcile.history``), whatever store asks."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from reconcile.calendar import BusinessCalendar
from reconcile.discrepancies import DISCREPANCIES
from reconcile.gateways import GatewayTerms
from reconcile.history import LOOKAHEAD_DAYS, MAX_CARRY_DAYS, history_range

WEDNESDAY = dt.date(2026, 11, 25)
MONDAY = dt.date(2026, 11, 30)
PLAIN = BusinessCalendar.of(())
NONE = DISCREPANCIES.empty_table()


def carried_from(day: dt.date) -> pa.Table:
    row = dict.fromkeys(DISCREPANCIES.names)
    row |= {"category": "ORPHAN_PAYMENT", "severity": "high", "status": "open", "txn_id": "T0"}
    row["business_date"] = day
    return pa.Table.from_pylist([row], DISCREPANCIES)


def test_a_midweek_day_reads_back_to_the_day_before_and_ahead_to_the_end_of_its_window() -> None:
    dates = history_range(WEDNESDAY, NONE, PLAIN, {})
    assert (dates.start, dates.end) == (dt.date(2026, 11, 24), dt.date(2026, 11, 26))
    assert dates.entries_end == WEDNESDAY + dt.timedelta(days=LOOKAHEAD_DAYS)


def test_a_monday_reads_back_over_the_weekend_whose_window_reaches_it() -> None:
    assert history_range(MONDAY, NONE, PLAIN, {}).start == dt.date(2026, 11, 27)


def test_a_longer_configured_window_reads_further_back_and_ahead() -> None:
    dates = history_range(WEDNESDAY, NONE, PLAIN, {"vnpay": GatewayTerms(settlement_days=3)})
    assert (dates.start, dates.end) == (dt.date(2026, 11, 20), dt.date(2026, 11, 30))


def test_carried_items_pull_the_start_back_but_never_beyond_the_carry_horizon() -> None:
    assert history_range(WEDNESDAY, carried_from(dt.date(2026, 11, 2)), PLAIN, {}).start == dt.date(
        2026, 11, 2
    )
    ancient = history_range(WEDNESDAY, carried_from(dt.date(2025, 1, 1)), PLAIN, {})
    assert ancient.start == WEDNESDAY - dt.timedelta(days=MAX_CARRY_DAYS)
