"""Use cases: reconcile a business date, rerun it, and compare two runs.

A run is all or nothing: the store saves it in one transaction after the
matching has finished, so a failure at any step leaves no trace and the
previous version stays the latest. A rerun of the same date and provinces is
version n+1 with a reason; the older versions stay readable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa

from reconcile.discrepancies import KEY_OF, Category
from reconcile.matching import reconcile_inputs
from reconcile.money import ABSOLUTE_DIFFERENCE, DIFFERENCE_LABELS, NET_DIFFERENCE, format_vnd
from reconcile.ports import RunRecord, RunStore

#: Columns whose change makes an item "changed" between two runs (age grows on its own).
_COMPARED: Final = (
    "severity",
    "status",
    "province_code",
    "business_date",
    "expected_vnd",
    "actual_vnd",
    "difference_vnd",
    "detail",
)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A finished run and what it had to say besides its rows."""

    run: RunRecord
    warnings: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.run.id

    def lines(self) -> list[str]:
        """A short summary for a terminal."""
        count = self.run.counts.get
        by_category = count("by_category", {})
        lines = [
            f"run {self.run.id}: {self.run.business_date} version {self.run.version}",
            f"  transactions {count('txns_examined', 0)} examined, {count('txns_matched', 0)} matched;"
            f" batches {count('batches_examined', 0)} examined, {count('batches_credited', 0)} credited",
            f"  collected {count('amount_collected_vnd', 0)} VND,"
            f" settled {count('amount_settled_vnd', 0)} VND",
            f"  discrepancies {count('discrepancies', 0)}",
        ]
        lines += [f"    {name}: {number}" for name, number in sorted(by_category.items())]
        lines += [
            f"  {DIFFERENCE_LABELS[name]}: {format_vnd(int(count(name, 0)))}"
            for name in (NET_DIFFERENCE, ABSOLUTE_DIFFERENCE)
        ]
        lines += [f"  warning: {warning}" for warning in self.warnings]
        return lines


def run_id(business_date: dt.date, provinces: Sequence[str], version: int) -> str:
    """``2026-11-25-v1``, or ``2026-11-25-01-79-v2`` for a run limited to provinces 01 and 79
    (``2026-11-25-BCA-v1`` for one limited to the central agency BCA)."""
    scope = "".join(f"-{code}" for code in sorted(set(provinces)))
    return f"{business_date.isoformat()}{scope}-v{version}"


def reconcile_day(
    store: RunStore,
    business_date: dt.date,
    provinces: Sequence[str] = (),
    *,
    reason: str | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> RunSummary:
    """Reconcile ``business_date`` (all payees, or only ``provinces``) and store the run.

    ``provinces`` may name central agencies beside provinces (``("01", "BCA")``): a run
    limited to payees reads the day as a national run does and keeps their rows only.

    Each call is a new version; the first is 1. The number is settled when the
    run is saved, so two runs of one date at once become consecutive versions,
    each with its own reason. Nothing is stored unless all of it succeeds.
    ``on_step`` hears the name of each step as it starts (``loading inputs``,
    ``matching``, ``saving``), for progress on a terminal.
    """
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    step = on_step or (lambda _name: None)
    scope = tuple(sorted(set(provinces)))
    started = now()
    version = store.next_version(business_date, scope)
    step("loading inputs")
    inputs = store.load_inputs(business_date, scope)
    step("matching")
    result = reconcile_inputs(inputs, scope)
    run = RunRecord(
        id=run_id(business_date, scope, version),
        business_date=business_date,
        provinces=scope,
        version=version,
        status="completed",
        reason=reason,
        started_at=started,
        finished_at=now(),
        counts={**result.counts, "warnings": list(result.warnings)},
        fingerprint=inputs.fingerprint,
    )
    step("saving")
    stored = store.save_run(run, result.discrepancies, result.verdict)
    return RunSummary(stored, result.warnings)


def item_key(row: Mapping[str, Any]) -> str:
    """The stable identity of a reported item: its category and its key (``UNDERPAID:T42``)."""
    category = Category(row["category"])
    return f"{category}:{row[KEY_OF[category]]}"


@dataclass(frozen=True, slots=True)
class RunDiff:
    """What changed from run ``a`` to run ``b``: items new in b, gone from a, and changed.

    ``changed`` holds b's rows with ``changes`` describing each difference
    (``status: pending → open``).
    """

    new: tuple[dict[str, Any], ...]
    gone: tuple[dict[str, Any], ...]
    changed: tuple[dict[str, Any], ...]

    def rows(self) -> list[dict[str, Any]]:
        """One list, each row with ``change`` = ``new``, ``gone`` or ``changed``, ordered by key."""
        tagged = [
            *({**row, "change": "new"} for row in self.new),
            *({**row, "change": "gone"} for row in self.gone),
            *({**row, "change": "changed"} for row in self.changed),
        ]
        return sorted(tagged, key=lambda row: (item_key(row), row["change"]))


def diff_runs(a: pa.Table, b: pa.Table) -> RunDiff:
    """Compare two runs' rows item by item (exceptions only, so Python dictionaries suffice)."""
    before = {item_key(row): row for row in a.to_pylist()}
    after = {item_key(row): row for row in b.to_pylist()}
    changed = []
    for key in sorted(before.keys() & after.keys()):
        notes = [
            f"{column}: {before[key][column]} → {after[key][column]}"
            for column in _COMPARED
            if before[key][column] != after[key][column]
        ]
        if notes:
            changed.append({**after[key], "changes": "; ".join(notes)})
    return RunDiff(
        new=tuple(after[key] for key in sorted(after.keys() - before.keys())),
        gone=tuple(before[key] for key in sorted(before.keys() - after.keys())),
        changed=tuple(changed),
    )
