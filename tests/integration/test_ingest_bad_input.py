"""Bad input through ``ingest_files`` on a real database: the shared harness and whole-file cases.

Every case ingests, in one call, a good companion file and a bad one, then
checks what DESIGN.md §4 promises for bad input: the bad file is rejected
with an error naming the file, the line or element, and the reason (or, for
what is only odd, accepted with the documented warning and its values read
correctly); the companion is accepted with every entry; the input tables
hold exactly what the companion brings (plus what an accepted odd file
brings); a rejected file has its row in ``files`` and no row anywhere else.

The cases by family are in ``test_ingest_bad_input_xml.py``,
``test_ingest_bad_input_csv.py`` and ``test_ingest_bad_input_mt940.py``;
they import the harness from here. Good files are written with the
product's own writers, bad ones are good ones with one thing broken.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from db_ingest_files import obligation_versions
from sqlalchemy import Engine, Table, func, select

from adapters.bootstrap import file_formats
from adapters.db import schema
from adapters.formats.camt_writer import write_camt053
from adapters.formats.csv_writer import write_gateway, write_obligations
from adapters.formats.mt940_writer import write_mt940
from adapters.ingest import IngestOutcome, ingest_files
from adapters.settings import Settings, settings_from_mapping
from reconcile.columns import GATEWAY_TXNS, OBLIGATIONS
from reconcile.records import Balance, BankEntry, BankStatement, Direction, TxDetail

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DAY = dt.date(2026, 11, 25)
PAID = dt.datetime(2026, 11, 25, 3, 15, tzinfo=dt.UTC)  # 10:15 in Hà Nội
ACCOUNT = "7111010000001"  # Hà Nội's treasury account in the packaged reference data


def settings() -> Settings:
    """The three declared layouts of ``fixtures/layouts.toml``, every gateway configured."""
    raw = tomllib.loads((FIXTURES / "layouts.toml").read_text(encoding="utf-8"))
    raw["gateways"] = [
        {"name": "vnpay", "layout": "canonical"},
        {"name": "momo", "layout": "momo_utf16"},
        {"name": "payoo", "layout": "payoo_cp1258"},
    ]
    return settings_from_mapping(raw)


@dataclass(frozen=True, slots=True)
class Contents:
    """What the input tables hold: row counts and amounts, summed to the đồng."""

    obligations: int = 0
    obligation_versions: int = 0
    obligations_vnd: int = 0
    gateway_txns: int = 0
    gateway_vnd: int = 0
    bank_statements: int = 0
    bank_entries: int = 0
    bank_minor: int = 0
    bank_entry_details: int = 0

    def __add__(self, other: Contents) -> Contents:
        return Contents(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(Contents))
        )


def _scalar(engine: Engine, query: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one() or 0)  # type: ignore[call-overload]


def _rows(engine: Engine, table: Table) -> int:
    return _scalar(engine, select(func.count()).select_from(table))


def contents(engine: Engine) -> Contents:
    """The database's :class:`Contents` now."""
    return Contents(
        obligations=_rows(engine, schema.obligations),
        obligation_versions=len(obligation_versions(engine)),
        obligations_vnd=_scalar(engine, select(func.sum(schema.obligations.c.amount_vnd))),
        gateway_txns=_rows(engine, schema.gateway_txns),
        gateway_vnd=_scalar(engine, select(func.sum(schema.gateway_txns.c.amount_vnd))),
        bank_statements=_rows(engine, schema.bank_statements),
        bank_entries=_rows(engine, schema.bank_entries),
        bank_minor=_scalar(engine, select(func.sum(schema.bank_entries.c.amount))),
        bank_entry_details=_rows(engine, schema.bank_entry_details),
    )


@dataclass(frozen=True, slots=True)
class Companion:
    """A good file ingested beside a bad one, and everything it must give."""

    path: Path
    format: str
    statements: int | None
    entries: int
    totals: Mapping[str, Mapping[str, int]]
    contents: Contents


# Good files, written by the product's writers


def obligations_table(*rows: tuple[str, str, int]) -> pa.Table:
    """Paid fees as (payment code, province, amount): the portal's export rows."""
    return pa.Table.from_pylist(
        [
            {
                "payment_code": code,
                "province_code": province,
                "kind": "fee",
                "agency_code": f"000.00.{province}.H26",
                "procedure_code": "1.001234",
                "amount_vnd": amount,
                "issued_at": PAID - dt.timedelta(days=3),
                "portal_status": "paid",
                "portal_txn_id": f"T-{code}",
                "portal_paid_at": PAID,
            }
            for code, province, amount in rows
        ],
        schema=OBLIGATIONS,
    )


def gateway_table(*rows: tuple[str, str, int], gateway: str = "vnpay") -> pa.Table:
    """SUCCESS transactions as (txn id, payment code, amount), all for Hà Nội (01)."""
    return pa.Table.from_pylist(
        [
            {
                "txn_id": txn_id,
                "payment_code": code,
                "gateway": gateway,
                "province_code": "01",
                "treasury_account": ACCOUNT,
                "amount_vnd": amount,
                "fee_vnd": 1100,
                "status": "SUCCESS",
                "paid_at": PAID,
                "settlement_date": DAY + dt.timedelta(days=1),
                "batch_id": f"{gateway.upper()}-01-20261126",
            }
            for txn_id, code, amount in rows
        ],
        schema=GATEWAY_TXNS,
    )


def bank_statement(statement_id: str, credits: list[int], *, account: str = ACCOUNT) -> BankStatement:
    """A day's statement of credits; the first credit is batch-booked with two ``TxDtls``."""
    entries = tuple(
        BankEntry(
            amount=amount,
            currency="VND",
            direction=Direction.CREDIT,
            booking_date=DAY,
            value_date=DAY,
            bank_ref=f"{statement_id}-{n}",
            end_to_end_id=None if n == 1 else f"VNPAY-01-{n}",
            remittance=f"VNPAY-01-20261126 lô {n}",
            details=(TxDetail("T1", amount - 50000, "HS-1"), TxDetail("T2", 50000, "HS-2")) if n == 1 else (),
        )
        for n, amount in enumerate(credits, start=1)
    )
    return BankStatement(
        statement_id=statement_id,
        sequence="1",
        account=account,
        currency="VND",
        created_at=dt.datetime(2026, 11, 25, 11, tzinfo=dt.UTC),
        balances=(
            Balance("OPBD", 1_000_000, "VND", DAY),
            Balance("CLBD", 1_000_000 + sum(credits), "VND", DAY),
        ),
        entries=entries,
        from_date=DAY,
        to_date=DAY,
    )


GOOD_OBLIGATIONS = (("HS-1", "01", 150000), ("HS-2", "01", 2000000), ("HS-3", "79", 75000))
GOOD_TXNS = (("T1", "HS-1", 150000), ("T2", "HS-2", 2000000), ("T3", "HS-3", 75000))
GOOD_CREDITS = [2150000, 75000]


def obligations_companion(folder: Path) -> Companion:
    path = folder / "obligations_20261125.csv"
    write_obligations(obligations_table(*GOOD_OBLIGATIONS), path)
    total = sum(amount for *_, amount in GOOD_OBLIGATIONS)
    return Companion(
        path,
        "obligations",
        None,
        3,
        {"VND": {"credit": total, "debit": 0}},
        Contents(obligations=3, obligation_versions=3, obligations_vnd=total),
    )


def gateway_companion(folder: Path) -> Companion:
    path = folder / "vnpay_20261126.csv"
    write_gateway(gateway_table(*GOOD_TXNS), path)
    total = sum(amount for *_, amount in GOOD_TXNS)
    return Companion(
        path,
        "gateway:canonical",
        None,
        3,
        {"VND": {"credit": total, "debit": 0}},
        Contents(gateway_txns=3, gateway_vnd=total),
    )


def camt_companion(folder: Path) -> Companion:
    path = folder / "kbnn_hanoi_20261125.xml"
    write_camt053([bank_statement("KBNN-01-20261125", GOOD_CREDITS)], path)
    total = sum(GOOD_CREDITS)
    return Companion(
        path,
        "camt.053.001.08",
        1,
        2,
        {"VND": {"credit": total, "debit": 0}},
        Contents(bank_statements=1, bank_entries=2, bank_minor=total, bank_entry_details=3),
    )


def mt940_companion(folder: Path) -> Companion:
    path = folder / "kbnn_hanoi_20261125.sta"
    write_mt940([bank_statement("KBNN0120261125", GOOD_CREDITS)], path)
    total = sum(GOOD_CREDITS)
    return Companion(
        path,
        "mt940",
        1,
        2,
        {"VND": {"credit": total, "debit": 0}},
        Contents(bank_statements=1, bank_entries=2, bank_minor=total),
    )


COMPANIONS: Mapping[str, Callable[[Path], Companion]] = {
    "obligations": obligations_companion,
    "gateway": gateway_companion,
    "camt": camt_companion,
    "mt940": mt940_companion,
}


def companion(kind: str, tmp_path: Path) -> Companion:
    folder = tmp_path / "good"
    folder.mkdir(exist_ok=True)
    return COMPANIONS[kind](folder)


# Ingesting and checking


def ingest_beside(engine: Engine, good: Companion, bad: Path) -> IngestOutcome:
    """Ingest the companion and the bad file in one call; check the companion; the bad file's outcome."""
    first, outcome = ingest_files([good.path, bad], file_formats(settings()), engine)
    assert first.path == str(good.path)
    assert (first.status, first.error, first.warnings) == ("accepted", None, ())
    assert (first.format, first.statements, first.entries) == (good.format, good.statements, good.entries)
    assert first.totals == good.totals
    assert outcome.path == str(bad)
    return outcome


def file_rows(engine: Engine) -> dict[str, tuple[str, str | None]]:
    """``files`` by name: (status, error)."""
    f = schema.files.c
    with engine.connect() as conn:
        return {row.path: (row.status, row.error) for row in conn.execute(select(f.path, f.status, f.error))}


def assert_rejected(
    engine: Engine,
    good: Companion,
    outcome: IngestOutcome,
    *,
    where: str | re.Pattern[str] | None,
    reason: str,
) -> None:
    """Rejected naming the file, ``where`` and ``reason`` (words in the message); nothing of it kept.

    ``where`` is the exact position, a pattern for it, or ``None`` for a whole-file error.
    """
    bad_name = Path(outcome.path).name
    assert outcome.status == "rejected", outcome
    assert (outcome.statements, outcome.entries, outcome.totals, outcome.warnings) == (None, 0, {}, ())
    assert outcome.error is not None
    if isinstance(where, re.Pattern):
        location = re.escape(f"{bad_name}, ") + where.pattern + ": "
    else:
        location = re.escape(f"{bad_name}, {where}: " if where else f"{bad_name}: ")
    assert re.match(location, outcome.error), outcome.error
    assert reason in re.sub(location, "", outcome.error, count=1), outcome.error
    assert file_rows(engine) == {good.path.name: ("accepted", None), bad_name: ("rejected", outcome.error)}
    assert contents(engine) == good.contents  # the companion's rows, and not one more


def assert_accepted(
    engine: Engine,
    good: Companion,
    outcome: IngestOutcome,
    *,
    adds: Contents,
    warnings: tuple[str, ...] = (),
) -> None:
    """Accepted with exactly ``warnings``; the database holds the companion's rows plus ``adds``."""
    bad_name = Path(outcome.path).name
    assert (outcome.status, outcome.error) == ("accepted", None), outcome
    assert outcome.warnings == tuple(f"{bad_name}, {warning}" for warning in warnings)
    assert file_rows(engine) == {good.path.name: ("accepted", None), bad_name: ("accepted", None)}
    assert contents(engine) == good.contents + adds


# Which database: every case on SQLite, a representative subset on PostgreSQL as well
# (the rules under test are the parsers'; PostgreSQL proves the transactions and the row counts)

SQLITE = pytest.param("sqlite", id="sqlite")
#: For a test of what does not depend on the database (a parser's known fault): SQLite only.
sqlite_only = pytest.mark.parametrize("engine", [SQLITE], indirect=True)


def on_backends(cases: Sequence[Any], *, postgres: Collection[str]) -> list[Any]:
    """``cases`` with the ``engine`` value first: each on SQLite, those named in ``postgres`` also there."""
    unknown = set(postgres) - {case.id for case in cases}
    assert not unknown, f"no such case: {unknown}"
    expanded = []
    for case in cases:
        expanded.append(pytest.param("sqlite", *case.values, id=f"sqlite-{case.id}", marks=case.marks))
        if case.id in postgres:
            marks = [*case.marks, pytest.mark.postgres]
            expanded.append(pytest.param("postgresql", *case.values, id=f"postgresql-{case.id}", marks=marks))
    return expanded


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def line_of(text: str, needle: str) -> str:
    """``line N`` of the first line holding ``needle``."""
    return f"line {text[: text.index(needle)].count(chr(10)) + 1}"


# Whole-file cases: what no format can read

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + bytes(256)


WHOLE_FILE = [
    pytest.param("empty.csv", b"", "the file is empty", id="zero-bytes"),
    pytest.param("blank.xml", b"\r\n \r\n\t\n", "the file is empty", id="only-whitespace"),
    pytest.param(
        "scan.xml", PNG, "binary content: not a statement, settlement or obligations file", id="binary"
    ),
    pytest.param(
        "notes.txt",
        "Biên bản đối soát ngày 25/11/2026\n".encode(),
        "unrecognised format (tried camt, mt940, obligations, gateway)",
        id="prose",
    ),
]


@pytest.mark.parametrize(
    ("engine", "name", "data", "reason"),
    on_backends(WHOLE_FILE, postgres={"zero-bytes", "binary"}),
    indirect=["engine"],
)
def test_a_file_no_format_reads_is_rejected_and_the_companion_is_kept(
    migrated_engine: Engine, tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    good = companion("obligations", tmp_path)
    bad = write(tmp_path, name, data)

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_rejected(migrated_engine, good, outcome, where=None, reason=reason)
    assert outcome.format is None
