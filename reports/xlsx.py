"""The discrepancy report as an Excel workbook, for treasury accountants (DESIGN.md §6).

Sheets:

* ``Discrepancies``: every row of the report, with the columns of
  :data:`reconcile.discrepancies.DISCREPANCIES` in that order, amounts as
  integer đồng shown as ``1.234.567 ₫``, header frozen and filtered.
* ``By province`` and ``By category``: counts (all, by severity, by status)
  and VND totals per group, with a ``Tổng cộng`` (total) row that adds up to
  the detail sheet.
* ``Run``: the run's id, business date, version, status, times and counts.

Every text cell goes through :mod:`reports.safe`; the file's bytes depend on
the inputs only (see :mod:`reports.workbook`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from reconcile.discrepancies import DISCREPANCIES, KEY_OF, Category
from reconcile.money import ABSOLUTE_DIFFERENCE, NET_DIFFERENCE, difference_totals
from reports.workbook import TOTAL_FONT, fit_columns, new_workbook, save_workbook, write_table

COLUMNS: Final = tuple(DISCREPANCIES.names)
AMOUNTS: Final = ("expected_vnd", "actual_vnd", "difference_vnd")
_SUMMARY_COUNTS: Final = ("discrepancies", "high", "medium", "low", "open", "pending", "closed")
_SUMMARY_AMOUNTS: Final = ("expected_vnd", "actual_vnd", NET_DIFFERENCE, ABSOLUTE_DIFFERENCE)
_FALLBACK_TIMESTAMP: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def write_report_xlsx(
    run: Mapping[str, Any],
    discrepancies: pd.DataFrame,
    path: Path,
    *,
    province_names: Mapping[str, str] | None = None,
) -> None:
    """Write the discrepancy report of ``run`` to ``path`` (``.xlsx``).

    ``discrepancies`` has (at least) the report columns; missing ones are
    left empty. ``province_names`` (code → Vietnamese name) labels the
    province summary when given.
    """
    rows = report_rows(discrepancies)
    workbook = new_workbook()
    detail = workbook.create_sheet("Discrepancies")
    write_table(detail, COLUMNS, ([row[name] for name in COLUMNS] for row in rows), money=AMOUNTS)
    fit_columns(detail)
    names = province_names or {}
    _write_summary(
        workbook.create_sheet("By province"),
        ("province_code", "province_name"),
        rows,
        group=lambda row: (row["province_code"], names.get(row["province_code"] or "", None)),
    )
    _write_summary(
        workbook.create_sheet("By category"),
        ("category", "key"),
        rows,
        group=lambda row: (row["category"], _key_of(row["category"])),
    )
    _write_run(workbook.create_sheet("Run"), run, len(rows))
    save_workbook(workbook, Path(path), _timestamp_of(run))


def report_rows(discrepancies: pd.DataFrame) -> list[dict[str, Any]]:
    """The report's rows as plain Python values (``int``, ``date``, ``str``, ``None``)."""
    records = discrepancies.to_dict("records")
    return [{name: _plain(record.get(name)) for name in COLUMNS} for record in records]


def _plain(value: Any) -> Any:
    """pandas/numpy scalars as Python values; every kind of NA as ``None``."""
    if value is None or (not isinstance(value, (str, bytes)) and bool(pd.isna(value))):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, (str, dt.date)):
        return value.item()
    return value


def _key_of(category: str | None) -> str | None:
    try:
        return KEY_OF[Category(category or "")]
    except ValueError:
        return None  # a category added after this report was written has no known key


def _write_summary(
    sheet: Worksheet,
    labels: tuple[str, str],
    rows: Iterable[Mapping[str, Any]],
    group: Callable[[Mapping[str, Any]], tuple[Any, Any]],
) -> None:
    grouped: dict[tuple[Any, Any], list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(group(row), []).append(row)
    totals = {label: _bucket(members) for label, members in grouped.items()}
    ordered = sorted(totals.items(), key=lambda item: (str(item[0][0] or ""), str(item[0][1] or "")))
    body = [
        [*label, *(bucket[name] for name in _SUMMARY_COUNTS + _SUMMARY_AMOUNTS)] for label, bucket in ordered
    ]
    grand = [sum(bucket[name] for _, bucket in ordered) for name in _SUMMARY_COUNTS + _SUMMARY_AMOUNTS]
    headers = (*labels, *_SUMMARY_COUNTS, *_SUMMARY_AMOUNTS)
    last = write_table(sheet, headers, [*body, ["Tổng cộng", None, *grand]], money=_SUMMARY_AMOUNTS)
    for cell in sheet[last]:
        cell.font = TOTAL_FONT
    fit_columns(sheet)


def _bucket(rows: list[Mapping[str, Any]]) -> dict[str, int]:
    bucket = dict.fromkeys(_SUMMARY_COUNTS, 0)
    for row in rows:
        bucket["discrepancies"] += 1
        if row["severity"] in ("high", "medium", "low"):
            bucket[row["severity"]] += 1
        status = row["status"] if row["status"] in ("open", "pending") else "closed"
        bucket[status] += 1
    bucket["expected_vnd"] = sum(int(row["expected_vnd"] or 0) for row in rows)
    bucket["actual_vnd"] = sum(int(row["actual_vnd"] or 0) for row in rows)
    return bucket | difference_totals(row["difference_vnd"] for row in rows).as_dict()


def _write_run(sheet: Worksheet, run: Mapping[str, Any], row_count: int) -> None:
    fields = list(_flatten(run))
    fields.append(("report_rows", row_count))
    write_table(sheet, ("field", "value"), fields)
    fit_columns(sheet)


def _flatten(values: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for name, value in values.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", _run_value(value)


def _run_value(value: Any) -> Any:
    # Excel cannot hold a time zone: an aware timestamp is shown as ISO 8601 text.
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return json.dumps(sorted(value) if isinstance(value, set) else list(value), ensure_ascii=False)
    return value


def _timestamp_of(run: Mapping[str, Any]) -> dt.datetime:
    """The workbook's metadata time: midnight of the run's business date, so reruns match."""
    value = run.get("business_date")
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            value = None
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    return _FALLBACK_TIMESTAMP
