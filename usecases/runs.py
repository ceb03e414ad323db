"""Use case: run a business date, first bringing earlier dates up to date when late files arrived.

The rule (docs/reconciliation.md, "Late files"): before reconciling a date,
every earlier date (at most :data:`~reconcile.history.MAX_CARRY_DAYS` back)
that has a run and was touched by gateway or bank files ingested after that
run started is run again, oldest first, as a new version whose reason names
those files. Its late discoveries are then reported under their own date,
and the items it leaves open are the ones the later runs carry. ``recon run``
and the scheduler's daily run both go through :func:`run_day`; ``recon rerun``
reruns only the date it is given.

A decision that changes what a run sees (an approved manual match, which the next run
honours: docs/reconciliation.md, "Manual matches") takes effect in the result people see
through :func:`rerun_after_decision`: each date of the items it touches is run again, for
the payees (provinces or central agencies) of those items, as a new version whose reason names
the decision and its approver.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reconcile.history import MAX_CARRY_DAYS
from reconcile.ports import RunRecord, RunStore
from reconcile.runs import RunSummary, reconcile_day
from usecases.ports import Arrivals, LateFiles

#: File names a catch-up reason lists before "and N more".
_NAMED_FILES = 10


@dataclass(frozen=True, slots=True)
class CatchUp:
    """An earlier date run again because files touching it arrived after its run."""

    late: LateFiles
    summary: RunSummary

    def line(self) -> str:
        """``late files: 2026-11-24 re-run as 2026-11-24-v2 (gw-late.csv)``."""
        files = ", ".join(self.late.files)
        return f"late files: {self.late.business_date} re-run as {self.summary.id} ({files})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "business_date": self.late.business_date.isoformat(),
            "run_id": self.summary.id,
            "files": list(self.late.files),
        }


@dataclass(frozen=True, slots=True)
class DayRun:
    """The run of the date asked for, and the earlier dates run again before it."""

    summary: RunSummary
    caught_up: tuple[CatchUp, ...] = ()

    @property
    def id(self) -> str:
        return self.summary.id

    def lines(self) -> list[str]:
        """The run's summary, then one line per earlier date run again."""
        return [*self.summary.lines(), *(c.line() for c in self.caught_up)]


def late_reason(files: Sequence[str]) -> str:
    """``late files: a.csv, b.xml`` (at most ten names, then ``and N more``)."""
    named = ", ".join(files[:_NAMED_FILES])
    more = len(files) - _NAMED_FILES
    return f"late files: {named}" + (f" and {more} more" if more > 0 else "")


def rerun_scope(runs: Sequence[RunRecord]) -> tuple[str, ...]:
    """The provinces a date's catch-up covers: all if any run of it did, else those its runs did."""
    if any(not run.provinces for run in runs):
        return ()
    return tuple(sorted({code for run in runs for code in run.provinces}))


def catch_up(
    store: RunStore,
    arrivals: Arrivals,
    before: dt.date,
    *,
    on_step: Callable[[str], None] | None = None,
) -> tuple[CatchUp, ...]:
    """Run again every earlier date late files touched (see the module docstring), oldest first."""
    done = []
    for late in arrivals.late_files(before, before - dt.timedelta(days=MAX_CARRY_DAYS)):
        scope = rerun_scope(store.runs_of_date(late.business_date))
        summary = reconcile_day(
            store, late.business_date, scope, reason=late_reason(late.files), on_step=on_step
        )
        done.append(CatchUp(late, summary))
    return tuple(done)


def decision_reason(decision: str, approver: str) -> str:
    """``manual match approved by vien``."""
    return f"{decision} approved by {approver}"


def rerun_after_decision(
    store: RunStore,
    items: Sequence[tuple[dt.date, str | None]],
    approver: str,
    *,
    decision: str = "manual match",
    on_step: Callable[[str], None] | None = None,
) -> tuple[RunSummary, ...]:
    """Run again the dates of the decided ``items`` (``(business_date, payee)`` each), oldest first.

    Each date becomes a new version for the payees of its items (a province's code, or a
    central agency's for a ministry's item); an item of no payee reruns every payee of its
    date. Both items of a manual match are
    given, so a credit booked on another day than its batch's date reruns both dates.
    """
    by_date: dict[dt.date, set[str | None]] = {}
    for business_date, province in items:
        by_date.setdefault(business_date, set()).add(province)
    reason = decision_reason(decision, approver)
    done = []
    for business_date in sorted(by_date):
        provinces = by_date[business_date]
        scope = () if None in provinces else tuple(sorted(p for p in provinces if p is not None))
        done.append(reconcile_day(store, business_date, scope, reason=reason, on_step=on_step))
    return tuple(done)


def run_day(
    store: RunStore,
    arrivals: Arrivals,
    business_date: dt.date,
    provinces: Sequence[str] = (),
    *,
    reason: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DayRun:
    """Bring earlier dates up to date (:func:`catch_up`), then reconcile ``business_date``."""
    caught_up = catch_up(store, arrivals, business_date, on_step=on_step)
    summary = reconcile_day(store, business_date, provinces, reason=reason, on_step=on_step)
    return DayRun(summary, caught_up)
