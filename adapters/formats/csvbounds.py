"""The bounds of :mod:`reconcile.bounds` applied to whole CSV columns, before any database sees them.

Every cell of the file, mapped or not, is refused when it carries a control
character (a NUL that SQLite would store and PostgreSQL refuses); every
text column is held to the length of the database column it goes to (taken
from :mod:`adapters.db.schema`, so the two cannot drift apart); every date,
and every timestamp's local date in Asia/Ho_Chi_Minh, must lie within
1900-01-01..2199-12-31; and the sums a file's amounts make must fit
``int64``. Each check is one Arrow pass over a column; only the first bad
value is looked at in Python, to name it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import String, Table

from adapters.db import schema
from adapters.formats.csvcells import first_true
from adapters.formats.csvproblems import MALFORMED, Problem
from adapters.formats.csvread import RawRows
from adapters.formats.csvspec import Layout, Timestamp
from reconcile import bounds
from reconcile.bounds import CONTROL_PATTERN, FIRST_DATE, INT64_MAX, LAST_DATE
from reconcile.columns import LOCAL_TZ
from reconcile.errors import InputError

#: The canonical columns whose sums the ingest output or a run computes, alone or together.
_SUMMED = (("amount_vnd",), ("fee_vnd",), ("amount_vnd", "fee_vnd"), ("taxable_value_vnd",))


@cache
def column_limits(table: Table) -> Mapping[str, tuple[str, int]]:
    """Each bounded text column of ``table``: its qualified name and its length."""
    return {
        column.name: (f"{table.name}.{column.name}", column.type.length)
        for column in table.columns
        if isinstance(column.type, String) and column.type.length
    }


def table_for(layout: Layout) -> Table:
    """The table a layout's rows are stored in: gateway transactions or obligations."""
    return schema.gateway_txns if "txn_id" in layout.templates else schema.obligations


def control_problems(raw: RawRows) -> list[Problem]:
    """A control character in any cell of the file, mapped by the layout or not."""
    if not raw.controls:
        return []
    problems = []
    for position, name in enumerate(raw.header):
        column = raw.columns[name]
        row = first_true(pc.match_substring_regex(column, CONTROL_PATTERN))
        if row is not None:
            reason = bounds.text_problem(column[row].as_py(), f"column {name!r}")
            problems.append(Problem(row, MALFORMED, position, reason or f"column {name!r} is not text"))
    return problems


def value_problems(raw: RawRows, layout: Layout, columns: Mapping[str, pa.Array]) -> list[Problem]:
    """Converted columns against their bounds: text lengths and dates."""
    limits = column_limits(table_for(layout))
    problems = []
    for canonical, spec in layout.columns.items():
        column = columns.get(canonical)
        if column is None:
            continue
        position = raw.header.index(spec.source)
        problem = None
        if pa.types.is_string(column.type) and canonical in limits:
            problem = _too_long(column, spec.label, *limits[canonical])
        elif pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
            problem = _out_of_range(column, raw.columns[spec.source], spec.label, isinstance(spec, Timestamp))
        if problem is not None:
            problems.append(Problem(problem[0], MALFORMED, position, problem[1]))
    return problems


def _too_long(column: pa.Array, label: str, qualified: str, length: int) -> tuple[int, str] | None:
    row = first_true(pc.greater(pc.utf8_length(column), length))
    if row is None:
        return None
    return row, bounds.text_problem(column[row].as_py(), label, length, qualified) or label


def _out_of_range(column: pa.Array, text: pa.Array, label: str, moment: bool) -> tuple[int, str] | None:
    days = pc.cast(pc.local_timestamp(pc.cast(column, pa.timestamp("us", tz=str(LOCAL_TZ)))), pa.date32())
    days = days if moment else column
    outside = pc.or_(
        pc.less(days, pa.scalar(FIRST_DATE, pa.date32())), pc.greater(days, pa.scalar(LAST_DATE, pa.date32()))
    )
    row = first_true(outside)
    if row is None:
        return None
    where = " (as a local date in Asia/Ho_Chi_Minh)" if moment else ""
    value = str(text[row].as_py()).strip()
    return row, f"{label} {value!r} is outside {FIRST_DATE}..{LAST_DATE}{where}"


def check_totals(columns: Mapping[str, pa.Array], lines: pa.Array | list[int], source: str) -> None:
    """Refuse the file when a sum of its amounts (alone, or amount and fee together) leaves ``int64``."""
    for names in _SUMMED:
        if not all(name in columns for name in names):
            continue
        values = [pc.fill_null(columns[name], 0) for name in names]
        combined = values[0] if len(values) == 1 else pc.add(values[0], values[1])  # each < 10**18
        total = pc.sum(pc.cast(combined, pa.decimal128(38, 0))).as_py()
        if total is None or abs(total) <= INT64_MAX:
            continue
        row = bounds.first_overflow(combined.to_pylist()) or 0
        what = " + ".join(names)
        raise InputError(
            f"the file's total of {what} ({total}) is beyond what a 64-bit integer holds "
            f"(at most {INT64_MAX}); it passes that bound at this line",
            source=source,
            where=f"line {int(lines[row])}",
        )
