"""Reference data (``fixtures/*.csv``, DESIGN.md §3) into the database and back out.

``recon init`` loads the packaged CSV files; loading again replaces the rates,
fees, holidays and merges with what the files say now, and updates provinces
in place (other tables may refer to a province code). The read side returns
Arrow tables in the shapes of :mod:`reconcile.ports` and a
:class:`~reconcile.calendar.BusinessCalendar`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from adapters.db import schema
from adapters.db.bulk import fetch_arrow
from reconcile.calendar import HOLIDAY_KINDS, BusinessCalendar
from reconcile.errors import InputError, StorageError
from reconcile.money import parse_decimal_rate
from reconcile.records import Issue

Row = dict[str, Any]


def fixtures_dir() -> Path:
    """The packaged ``fixtures/`` directory (installed or in a checkout)."""
    return Path(str(resources.files("fixtures")))


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text.strip() else None


def _flag(text: str) -> bool:
    if text.strip().lower() not in ("true", "false"):
        raise ValueError(f"{text!r} is not true or false")
    return text.strip().lower() == "true"


def _rate(text: str) -> str:
    return str(parse_decimal_rate(text))


def _one_of(*allowed: str) -> Callable[[str], str]:
    """A reader of a coded column: the first allowed value when empty, an error when unknown."""

    def read(text: str) -> str:
        value = text.strip() or allowed[0]
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return read


def _text_or_none(text: str) -> str | None:
    return text.strip() or None


#: ``fee_schedule.csv`` ``channel``: the amount due online through the portal (default) or at a counter.
CHANNELS = ("online", "counter")
#: A central agency's code in ``agencies.csv`` (``BCA``, ``BNNMT``): 2–8 capitals, digits or ``_``,
#: starting with a capital; it is stored where a province code is (8 characters).
AGENCY_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,7}")
#: Optional columns: absent from a file, they read as empty (so as their default).
_OPTIONAL = frozenset({"channel", "kind", "treasury_code", "chapter"})


#: file name → (table, how each column is read), in the order files are loaded.
_FILES: Mapping[str, tuple[Table, Mapping[str, Callable[[str], Any]]]] = {
    "provinces.csv": (
        schema.provinces,
        {"code": str.strip, "name": str.strip, "treasury_account": str.strip, "active": _flag},
    ),
    "agencies.csv": (
        schema.agencies,
        {
            "code": str.strip,
            "name": str.strip,
            "level": str.strip,
            "province_code": _text_or_none,
            "treasury_account": str.strip,
            "active": _flag,
            "treasury_code": _text_or_none,
            "chapter": _text_or_none,
        },
    ),
    "treasuries.csv": (
        schema.treasuries,
        {
            "province_code": str.strip,
            "treasury_code": str.strip,
            "treasury_name": str.strip,
            "chapter": _text_or_none,
            "valid_from": _date,
            "valid_to": _date,
        },
    ),
    "budget_items.csv": (
        schema.budget_items,
        {
            "kind": str.strip,
            "key": str.strip,
            "sub_item": str.strip,
            "name": str.strip,
        },
    ),
    "province_merges.csv": (
        schema.province_merges,
        {"old_code": str.strip, "new_code": str.strip, "new_name": str.strip, "effective_date": _date},
    ),
    "registration_tax_rates.csv": (
        schema.registration_tax_rates,
        {
            "province_code": str.strip,
            "asset_class": str.strip,
            "rate": _rate,
            "valid_from": _date,
            "valid_to": _date,
        },
    ),
    "fee_schedule.csv": (
        schema.fee_schedule,
        {
            "province_code": str.strip,
            "procedure_code": str.strip,
            "kind": str.strip,
            "amount_vnd": int,
            "valid_from": _date,
            "valid_to": _date,
            "channel": _one_of(*CHANNELS),
        },
    ),
    "holidays.csv": (
        schema.holidays,
        {"date": _date, "name": str.strip, "kind": _one_of(*HOLIDAY_KINDS)},
    ),
}


def read_reference_csv(path: Path) -> list[Row]:
    """The rows of one reference file, typed; :class:`InputError` names the line of a bad one."""
    rows, issues = read_reference_lines(path)
    if issues:
        raise InputError(issues[0].message, source=issues[0].source, where=issues[0].where)
    return [row for _line, row in rows]


def read_reference_lines(path: Path) -> tuple[list[tuple[int, Row]], list[Issue]]:
    """Every readable row of a reference file with its line number, and an issue for every other line.

    For ``recon reference check``, which lists every problem rather than stopping at the first.
    """
    _table, readers = _FILES[path.name]
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        missing = set(readers) - set(reader.fieldnames or ()) - _OPTIONAL
        if missing:
            return [], [Issue(path.name, "line 1", f"missing column(s) {', '.join(sorted(missing))}")]
        rows: list[tuple[int, Row]] = []
        issues: list[Issue] = []
        for row in reader:
            try:
                rows.append(
                    (
                        reader.line_num,
                        {column: read(row.get(column) or "") for column, read in readers.items()},
                    )
                )
            except (ValueError, TypeError) as exc:
                issues.append(Issue(path.name, f"line {reader.line_num}", str(exc)))
    return rows, issues


def load_reference_data(conn: Connection, directory: Path | None = None) -> dict[str, int]:
    """Load every reference file found in ``directory`` (default: the packaged fixtures).

    Returns the rows loaded per table. Idempotent: loading the same files again
    leaves the same rows.
    """
    directory = directory or fixtures_dir()
    counts: dict[str, int] = {}
    for name, (table, _readers) in _FILES.items():
        path = directory / name
        if not path.is_file():
            continue
        rows = read_reference_csv(path)
        if table is schema.provinces or table is schema.agencies:
            _upsert(conn, table, rows)
        else:
            conn.execute(delete(table))
            if rows:
                conn.execute(insert(table), rows)
        counts[table.name] = len(rows)
    return counts


def _upsert(conn: Connection, table: Table, rows: list[Row]) -> None:
    if not rows:
        return
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table)
    keys = [column.name for column in table.primary_key.columns]
    updates = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates), rows)


PROVINCES = pa.schema(
    [("code", pa.string()), ("name", pa.string()), ("treasury_account", pa.string()), ("active", pa.bool_())]
)
TAX_RATES = pa.schema(
    [
        ("province_code", pa.string()),
        ("asset_class", pa.string()),
        ("rate", pa.string()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
    ]
)
FEE_SCHEDULE = pa.schema(
    [
        ("province_code", pa.string()),
        ("procedure_code", pa.string()),
        ("amount_vnd", pa.int64()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
        ("kind", pa.string()),
        ("channel", pa.string()),
    ]
)


def provinces_table(conn: Connection) -> pa.Table:
    """Every province: code, name, treasury_account, active (a superset of ``reconcile.ports.PROVINCES``)."""
    p = schema.provinces.c
    return fetch_arrow(conn, select(p.code, p.name, p.treasury_account, p.active).order_by(p.code), PROVINCES)


def tax_rates_table(conn: Connection) -> pa.Table:
    """Registration-tax rates as exact decimal text (``reconcile.ports.TAX_RATES``)."""
    r = schema.registration_tax_rates.c
    statement = select(r.province_code, r.asset_class, r.rate, r.valid_from, r.valid_to).order_by(
        r.province_code, r.asset_class, r.valid_from
    )
    return fetch_arrow(conn, statement, TAX_RATES)


def fee_schedule_table(conn: Connection, channel: str | None = None) -> pa.Table:
    """The fee schedule (``reconcile.ports.FEE_SCHEDULE`` plus ``kind`` and ``channel``).

    ``channel="online"`` keeps the amounts due when paid through the portal, the ones a run
    judges portal payments by; ``None`` keeps every channel.
    """
    f = schema.fee_schedule.c
    statement = select(
        f.province_code, f.procedure_code, f.amount_vnd, f.valid_from, f.valid_to, f.kind, f.channel
    )
    if channel is not None:
        statement = statement.where(f.channel == channel)
    return fetch_arrow(
        conn, statement.order_by(f.province_code, f.procedure_code, f.channel, f.valid_from), FEE_SCHEDULE
    )


def province_merges(conn: Connection) -> dict[str, str]:
    """``old_code → new_code`` of the 2025-07-01 merger."""
    m = schema.province_merges.c
    return {old: new for old, new in conn.execute(select(m.old_code, m.new_code))}


def business_calendar(conn: Connection) -> BusinessCalendar:
    """Business days with the stored holidays, swapped days off and Saturdays worked."""
    h = schema.holidays.c
    return BusinessCalendar.from_kinds((day, kind) for day, kind in conn.execute(select(h.date, h.kind)))


AGENCIES = pa.schema(
    [
        ("code", pa.string()),
        ("name", pa.string()),
        ("treasury_account", pa.string()),
        ("active", pa.bool_()),
        ("treasury_code", pa.string()),
        ("chapter", pa.string()),
    ]
)


def agencies_table(conn: Connection) -> pa.Table:
    """Every central agency: code, name, treasury_account, active, treasury_code, chapter."""
    a = schema.agencies.c
    statement = select(a.code, a.name, a.treasury_account, a.active, a.treasury_code, a.chapter)
    return fetch_arrow(conn, statement.order_by(a.code), AGENCIES)


def agency_codes(conn: Connection) -> dict[str, bool]:
    """Every known agency code and whether it is active (empty when no ``agencies.csv`` was loaded)."""
    a = schema.agencies.c
    return {row.code: bool(row.active) for row in conn.execute(select(a.code, a.active))}


def province_codes(conn: Connection) -> dict[str, bool]:
    """Every known province code and whether it is active; :class:`StorageError` if none is loaded."""
    p = schema.provinces.c
    codes = {code: bool(active) for code, active in conn.execute(select(p.code, p.active))}
    if not codes:
        raise StorageError("reference data not loaded (no provinces): run `recon init`")
    return codes
