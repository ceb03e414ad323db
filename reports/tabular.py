"""The discrepancy report as data: JSON and CSV (DESIGN.md §6).

Both are byte-identical for the same run: rows sorted by their date,
province, category and key; JSON keys sorted; no time in the file but the
run's own ``started_at``/``finished_at``. Amounts are integers, absent values
``null`` (JSON) or empty (CSV). CSV text cells that a spreadsheet would read
as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) are prefixed
with ``'``; amounts are numbers and are left alone.

A report may carry a diff against another run (``recon report --diff``): in
JSON as ``diff`` beside the rows, in CSV as the diff's rows instead of the
report's, each with ``change`` (``new``, ``gone``, ``changed``) and
``changes`` (what differs).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

from reconcile.discrepancies import DISCREPANCIES, KEY_OF, Category
from reports.safe import safe_text

#: Who holds the item now (the live workflow, ``usecases.reports.with_live_state``); empty for nobody.
ASSIGNEE: Final = "assignee"
COLUMNS: Final = (*DISCREPANCIES.names, ASSIGNEE)
DIFF_COLUMNS: Final = ("change", "changes", *COLUMNS)
_INTEGER_COLUMNS: Final = frozenset(f.name for f in DISCREPANCIES if pa.types.is_integer(f.type))


@dataclass(frozen=True, slots=True)
class DiscrepancyReport:
    """A run and its rows, ready to write.

    Attributes:
        run: the ``run`` object (``RunRecord.as_dict()``).
        discrepancies: rows of :data:`~reconcile.discrepancies.DISCREPANCIES`.
        diff_against: the id of the run compared with, if any.
        diff: the diff's rows (``RunDiff.rows()``), if any.
    """

    run: Mapping[str, Any]
    discrepancies: pa.Table
    diff_against: str | None = None
    diff: Sequence[Mapping[str, Any]] | None = None

    def rows(self) -> list[dict[str, Any]]:
        """The rows as plain values, in report order."""
        return sorted((_plain(row) for row in self.discrepancies.to_pylist()), key=sort_key)


def sort_key(row: Mapping[str, Any]) -> tuple[str, ...]:
    """Date, province, category, key: a total order, since (category, key) is unique in a report."""
    category = Category(row["category"])
    return (
        str(row.get("business_date") or ""),
        str(row.get("province_code") or ""),
        category.value,
        str(row.get(KEY_OF[category]) or ""),
        str(row.get("change") or ""),
    )


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _value(value) for name, value in row.items()}


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def to_json_document(report: DiscrepancyReport) -> dict[str, Any]:
    document: dict[str, Any] = {
        "run": {key: _value(value) for key, value in report.run.items()},
        "discrepancies": [{name: row.get(name) for name in COLUMNS} for row in report.rows()],
    }
    if report.diff is not None:
        document["diff"] = {
            "against": report.diff_against,
            "items": [_plain(row) for row in sorted(report.diff, key=sort_key)],
        }
    return document


def json_bytes(report: DiscrepancyReport) -> bytes:
    text = json.dumps(to_json_document(report), ensure_ascii=False, sort_keys=True, indent=2)
    return (text + "\n").encode("utf-8")


def write_json(report: DiscrepancyReport, path: Path) -> Path:
    """Write the JSON report: ``{"run": {...}, "discrepancies": [...]}`` (plus ``diff``)."""
    path = Path(path)
    path.write_bytes(json_bytes(report))
    return path


def csv_bytes(report: DiscrepancyReport) -> bytes:
    columns = DIFF_COLUMNS if report.diff is not None else COLUMNS
    rows = (
        [_plain(r) for r in sorted(report.diff, key=sort_key)] if report.diff is not None else report.rows()
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(name, row.get(name)) for name in columns])
    return buffer.getvalue().encode("utf-8")


def write_csv(report: DiscrepancyReport, path: Path) -> Path:
    """Write the CSV report: a header and one line per row (UTF-8, LF)."""
    path = Path(path)
    path.write_bytes(csv_bytes(report))
    return path


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in _INTEGER_COLUMNS:
        return str(int(value))
    return safe_text(str(value))
