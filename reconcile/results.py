"""The latest result of a date: per payee (a province or a central agency), its latest version.

A run limited to some payees (``recon rerun --province 79``, ``--agency BCA``)
is a new version of those payees only. The result of a date is therefore
composed: going from the newest run back, each payee's rows come from the
newest run that covered it, down to the newest run of every payee, which
supplies the rest (the payees no later run covered, and rows of no payee,
such as a credit on an account nobody owns). Older runs add nothing. A row's
payee is its ``province_code``, else its ``agency_code`` (a ministry's rows
have no province, :mod:`reconcile.matching`); province codes are 2 digits and
agency codes letters, so one list of codes names both. A one-payee rerun thus
never hides the others, and the report, the dashboard and the statements of
a date all show the same composed result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from reconcile.money import difference_totals
from reconcile.ports import RunRecord
from reconcile.runs import RunDiff, diff_runs


@dataclass(frozen=True, slots=True)
class ResultPart:
    """The rows one run contributes: those of the payees ``provinces``, or (``None``) all but ``excluded``."""

    run_id: str
    provinces: tuple[str, ...] | None
    excluded: tuple[str, ...] = ()

    def take(self, rows: pa.Table) -> pa.Table:
        """This part's rows of the run's table (by :func:`payee_codes`)."""
        codes = payee_codes(rows)
        if self.provinces is not None:
            return rows.filter(pc.is_in(codes, value_set=pa.array(self.provinces, pa.string())))
        mask = pc.invert(pc.is_in(codes, value_set=pa.array(self.excluded, pa.string())))
        return rows.filter(pc.fill_null(mask, True))


def payee_codes(rows: pa.Table) -> pa.ChunkedArray:
    """Each row's payee: its ``province_code``, else its ``agency_code`` (if the table has one)."""
    codes = rows.column("province_code")
    if "agency_code" not in rows.column_names:
        return codes
    return pc.coalesce(codes, rows.column("agency_code"))


def latest_parts(runs: Sequence[RunRecord]) -> tuple[ResultPart, ...]:
    """Which run supplies which payees in the latest result of the runs' date, newest first."""
    ordered = sorted(runs, key=lambda run: (run.finished_at, run.version, run.id), reverse=True)
    claimed: set[str] = set()
    parts = []
    for run in ordered:
        if not run.provinces:
            parts.append(ResultPart(run.id, None, tuple(sorted(claimed))))
            break
        fresh = set(run.provinces) - claimed
        if fresh:
            parts.append(ResultPart(run.id, tuple(sorted(fresh))))
            claimed |= fresh
    return tuple(parts)


def compose(parts: Sequence[ResultPart], rows_of: Callable[[str], pa.Table]) -> pa.Table:
    """The rows of the latest result: each part's rows of its run."""
    tables = [part.take(rows_of(part.run_id)) for part in parts]
    return pa.concat_tables(tables) if tables else pa.table({})


def composed_run(runs: Sequence[RunRecord], parts: Sequence[ResultPart], rows: pa.Table) -> dict[str, Any]:
    """The ``run`` object of a composed report: the base run, the parts, and the rows' own counts.

    With one part it is that run's own object. Otherwise the base is the run of
    every province (or the newest run); ``results`` names which run gave which
    provinces, and the counts that follow from the rows are recounted.
    """
    by_id = {run.id: run for run in runs}
    if len(parts) == 1:
        return by_id[parts[0].run_id].as_dict()
    base = by_id[parts[-1].run_id]
    document = base.as_dict()
    document["results"] = [
        {"run": part.run_id, "provinces": list(part.provinces) if part.provinces is not None else None}
        for part in parts
    ]
    categories = rows.column("category").to_pylist()
    statuses = rows.column("status").to_pylist()
    document["counts"] = {
        **document["counts"],
        "discrepancies": rows.num_rows,
        "by_category": {name: categories.count(name) for name in sorted(set(categories))},
        "by_status": {name: statuses.count(name) for name in sorted(set(statuses))},
        **difference_totals(rows.column("difference_vnd").to_pylist()).as_dict(),
    }
    return document


def replaced_parts(runs: Sequence[RunRecord], run: RunRecord) -> tuple[ResultPart, ...]:
    """What ``run`` replaced: the date's latest result just before it, limited to its payees."""
    order = (run.finished_at, run.version, run.id)
    parts = latest_parts([r for r in runs if (r.finished_at, r.version, r.id) < order])
    if not run.provinces:
        return parts
    limited = (_restrict(part, run.provinces) for part in parts)
    return tuple(part for part in limited if part is not None)


def _restrict(part: ResultPart, provinces: Sequence[str]) -> ResultPart | None:
    if part.provinces is not None:
        keep = set(part.provinces) & set(provinces)
    else:
        keep = set(provinces) - set(part.excluded)
    return ResultPart(part.run_id, tuple(sorted(keep))) if keep else None


def diff_with_replaced(
    runs: Sequence[RunRecord], run: RunRecord, rows_of: Callable[[str], pa.Table]
) -> tuple[tuple[str, ...], RunDiff] | None:
    """The runs ``run`` replaced and what changed since them; ``None`` for a date's first result."""
    parts = replaced_parts(runs, run)
    if not parts:
        return None
    mine = rows_of(run.id)
    return tuple(part.run_id for part in parts), diff_runs(compose(parts, rows_of).cast(mine.schema), mine)
