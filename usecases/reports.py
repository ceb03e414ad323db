"""Use cases: a run's discrepancy report, built once and written in JSON, CSV or Excel.

The CLI (``recon report``), the web application (``/reports/{run}.{fmt}``),
the demo and the scheduler call these same functions, so the same request
gives the same file everywhere, province names in the Excel summary included
(:meth:`usecases.ports.ProvinceDirectory.names`). The rows are the run's stored
rows (:meth:`reconcile.ports.RunStore.discrepancies`); nothing here judges them again.
Given the workflow's record (:class:`usecases.ports.WorkItems`), each row's
``status`` is its live status and ``assignee`` who holds it now, as on the web
pages: an item resolved this morning is not ``open`` in the file written this
afternoon, whichever door the file was asked for through. A diff compares the
runs' stored rows, before the overlay.
"""

from __future__ import annotations

import datetime as dt
import importlib
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

import pyarrow as pa

from reconcile.discrepancies import KEY_OF, Category
from reconcile.errors import ConfigError, NoRunError
from reconcile.ports import RunRecord, RunStore
from reconcile.results import ResultPart, compose, composed_run, latest_parts
from reconcile.runs import diff_runs
from reports.tabular import (
    ASSIGNEE,
    DiscrepancyReport,
    csv_bytes,
    json_bytes,
    sort_key,
    write_csv,
    write_json,
)
from usecases.ports import WorkItems

FORMATS = ("json", "csv", "xlsx")


def build_report(
    store: RunStore, run: RunRecord, diff_against: str | None = None, *, work: WorkItems | None = None
) -> DiscrepancyReport:
    """The run's report, with the diff against the run ``diff_against`` if given.

    A run limited to provinces is compared with the same provinces of the other run.
    With ``work``, the rows carry their live status and assignee (:func:`with_live_state`).
    """
    report = DiscrepancyReport(run.as_dict(), store.discrepancies(run.id))
    if diff_against is not None:
        report = with_diff(store, report, diff_against, run.provinces)
    return report if work is None else with_live_state(work, report, [run.id])


def with_diff(
    store: RunStore, report: DiscrepancyReport, other_id: str, provinces: Sequence[str] = ()
) -> DiscrepancyReport:
    """``report`` plus what changed since run ``other_id`` (limited to ``provinces`` if given)."""
    other = store.discrepancies(store.get_run(other_id).id)
    if provinces:
        other = ResultPart(other_id, tuple(provinces)).take(other)
    diff = diff_runs(other, report.discrepancies)
    return DiscrepancyReport(report.run, report.discrepancies, diff_against=other_id, diff=diff.rows())


def latest_report(
    store: RunStore,
    business_date: dt.date,
    diff_against: str | None = None,
    *,
    work: WorkItems | None = None,
) -> DiscrepancyReport:
    """The latest result of the date (each province's latest version), or :class:`NoRunError`.

    With ``diff_against``, plus what changed since that run; with ``work``, live (:func:`with_live_state`).
    """
    runs = store.runs_of_date(business_date)
    if not runs:
        raise NoRunError(business_date.isoformat())
    parts = latest_parts(runs)
    rows = compose(parts, store.discrepancies)
    report = DiscrepancyReport(composed_run(runs, parts, rows), rows)
    if diff_against is not None:
        report = with_diff(store, report, diff_against)
    return report if work is None else with_live_state(work, report, [part.run_id for part in parts])


def with_live_state(work: WorkItems, report: DiscrepancyReport, run_ids: Sequence[str]) -> DiscrepancyReport:
    """``report`` with each row's ``status`` its work item's, where one exists, and its ``assignee``.

    Rows nobody has touched keep the run's status and have no assignee; the
    diff, if any, is left as it was (it compares the runs' stored rows).
    """
    live = work.live(list(run_ids))
    table = report.discrepancies
    categories = table.column("category").to_pylist()
    keys = {name: table.column(name).to_pylist() for name in set(KEY_OF.values())}
    item_keys = [f"{c}:{keys[KEY_OF[Category(c)]][i]}" for i, c in enumerate(categories)]
    states = [live.get(key) for key in item_keys]
    statuses = table.column("status").to_pylist()
    overlaid = [state.status if state else status for state, status in zip(states, statuses, strict=True)]
    index = table.schema.get_field_index("status")
    table = table.set_column(index, "status", pa.array(overlaid, type=table.schema.field("status").type))
    assignees = pa.array([state.assignee if state else None for state in states], type=pa.string())
    if ASSIGNEE in table.column_names:
        table = table.set_column(table.schema.get_field_index(ASSIGNEE), ASSIGNEE, assignees)
    else:
        table = table.append_column(ASSIGNEE, assignees)
    return DiscrepancyReport(report.run, table, report.diff_against, report.diff)


def write_report(
    report: DiscrepancyReport, fmt: str, out: Path, province_names: Mapping[str, str] | None = None
) -> Path:
    """Write the report to ``out`` in ``fmt``; returns ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        return write_json(report, out)
    if fmt == "csv":
        return write_csv(report, out)
    _write_xlsx(report, out, province_names or {})
    return out


def report_bytes(
    report: DiscrepancyReport, fmt: str, province_names: Mapping[str, str] | None = None
) -> bytes:
    """The file :func:`write_report` writes, as bytes (for a download)."""
    if fmt == "json":
        return json_bytes(report)
    if fmt == "csv":
        return csv_bytes(report)
    with tempfile.TemporaryDirectory(prefix="recon-report-") as directory:
        path = Path(directory) / "report.xlsx"
        _write_xlsx(report, path, province_names or {})
        return path.read_bytes()


def _write_xlsx(report: DiscrepancyReport, out: Path, names: Mapping[str, str]) -> None:
    xlsx = _xlsx_module()
    if report.diff is not None:
        raise ConfigError("--diff is written in the json and csv formats, not xlsx")
    import pandas as pd  # only Excel needs it; keeps `recon` quick to start

    rows = sorted(report.discrepancies.to_pylist(), key=sort_key)
    frame = pd.DataFrame(rows, columns=list(report.discrepancies.column_names))
    xlsx.write_report_xlsx(report.run, frame, out, province_names=names)


def _xlsx_module() -> ModuleType:
    try:
        return importlib.import_module("reports.xlsx")
    except ModuleNotFoundError as exc:
        if exc.name != "reports.xlsx":
            raise
        raise ConfigError(
            "Excel reports are not available in this installation (reports.xlsx missing)"
        ) from exc
