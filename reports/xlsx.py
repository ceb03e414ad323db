"""The discrepancy report as an Excel workbook, for treasury accountants (DESIGN.md §6).

Sheets (named in Vietnamese by default, as here in English with ``lang="en"``):

* ``Discrepancies`` (Chênh lệch): every row of the report, with the columns of
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
from reports import labels
from reports.workbook import TOTAL_FONT, fit_columns, new_workbook, save_workbook, write_table

COLUMNS: Final = (*DISCREPANCIES.names, "assignee")
AMOUNTS: Final = ("expected_vnd", "actual_vnd", "difference_vnd")
_SUMMARY_COUNTS: Final = ("discrepancies", "high", "medium", "low", "open", "pending", "closed")
_SUMMARY_AMOUNTS: Final = ("expected_vnd", "actual_vnd", NET_DIFFERENCE, ABSOLUTE_DIFFERENCE)
_FALLBACK_TIMESTAMP: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


#: Sheet names: Vietnamese first; ``lang="en"`` keeps the English names.
SHEETS: Final = {
    "vi": ("Chênh lệch", "Theo tỉnh", "Theo loại", "Lần đối soát"),
    "en": ("Discrepancies", "By province", "By category", "Run"),
}
#: Vietnamese column headers; in English the headers are the report's field names.
HEADERS_VI: Final = {
    "category": "Loại sai lệch",
    "severity": "Mức độ",
    "status": "Trạng thái",
    "province_code": "Mã tỉnh",
    "business_date": "Ngày nghiệp vụ",
    "payment_code": "Mã thanh toán",
    "txn_id": "Mã giao dịch",
    "gateway": "Cổng thanh toán",
    "batch_id": "Lô quyết toán",
    "bank_ref": "Tham chiếu ngân hàng",
    "expected_vnd": "Phải thu (₫)",
    "actual_vnd": "Thực tế (₫)",
    "difference_vnd": "Chênh lệch (₫)",
    "age_days": "Tuổi (ngày làm việc)",
    "detail": "Chi tiết",
    "assignee": "Người được giao",
    "province_name": "Tên tỉnh",
    "key": "Trường khoá",
    "discrepancies": "Số sai lệch",
    "high": "Mức cao",
    "medium": "Mức trung bình",
    "low": "Mức thấp",
    "open": "Cần xử lý",
    "pending": "Đang chờ",
    "closed": "Đã đóng",
    NET_DIFFERENCE: "Chênh lệch ròng (₫)",
    ABSOLUTE_DIFFERENCE: "Tổng chênh lệch tuyệt đối (₫)",
    "field": "Thông tin",
    "value": "Giá trị",
}
_NAMED: Final = {"category": labels.category, "severity": labels.severity, "status": labels.status}


def write_report_xlsx(
    run: Mapping[str, Any],
    discrepancies: pd.DataFrame,
    path: Path,
    *,
    province_names: Mapping[str, str] | None = None,
    lang: str = labels.VI,
) -> None:
    """Write the discrepancy report of ``run`` to ``path`` (``.xlsx``).

    ``discrepancies`` has (at least) the report columns; missing ones are
    left empty. ``province_names`` (code → Vietnamese name) labels the
    province summary when given. In Vietnamese (the default) the sheets,
    headers and the category, severity and status of each row are named in
    Vietnamese (:mod:`reports.labels`); ``lang="en"`` writes the field names
    and codes.
    """
    rows = report_rows(discrepancies)
    workbook = new_workbook()
    detail_name, province_name, category_name, run_name = SHEETS["en" if lang == labels.EN else "vi"]
    detail = workbook.create_sheet(detail_name)
    shown = (_named(row, lang) for row in rows)
    write_table(
        detail,
        _headers(COLUMNS, lang),
        ([row[name] for name in COLUMNS] for row in shown),
        money=_headers(AMOUNTS, lang),
    )
    fit_columns(detail)
    names = province_names or {}
    _write_summary(
        workbook.create_sheet(province_name),
        ("province_code", "province_name"),
        rows,
        group=lambda row: (row["province_code"], names.get(row["province_code"] or "", None)),
        lang=lang,
    )
    _write_summary(
        workbook.create_sheet(category_name),
        ("category", "key"),
        rows,
        group=lambda row: (_named(row, lang)["category"], _key_of(row["category"])),
        lang=lang,
    )
    _write_run(workbook.create_sheet(run_name), run, len(rows), lang)
    save_workbook(workbook, Path(path), _timestamp_of(run))


def _headers(names: Iterable[str], lang: str) -> tuple[str, ...]:
    return tuple(names) if lang == labels.EN else tuple(HEADERS_VI.get(name, name) for name in names)


def _named(row: Mapping[str, Any], lang: str) -> Mapping[str, Any]:
    """``row`` with its category, severity and status named in Vietnamese (unchanged in English)."""
    if lang == labels.EN:
        return row
    return {**row, **{field: name(row[field]) for field, name in _NAMED.items() if row.get(field)}}


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
    columns: tuple[str, str],
    rows: Iterable[Mapping[str, Any]],
    group: Callable[[Mapping[str, Any]], tuple[Any, Any]],
    lang: str = labels.VI,
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
    headers = _headers((*columns, *_SUMMARY_COUNTS, *_SUMMARY_AMOUNTS), lang)
    total = [["Tổng cộng", None, *grand]]
    last = write_table(sheet, headers, [*body, *total], money=_headers(_SUMMARY_AMOUNTS, lang))
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


def _write_run(sheet: Worksheet, run: Mapping[str, Any], row_count: int, lang: str = labels.VI) -> None:
    fields = list(_flatten(run))
    fields.append(("report_rows", row_count))
    write_table(sheet, _headers(("field", "value"), lang), fields)
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
