"""Ingestion into a real database (SQLite and PostgreSQL): accepted, duplicate, correction, rejected."""

from __future__ import annotations

import gc
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from db_ingest_files import (
    GATEWAY_HEADER,
    OBLIGATION_HEADER,
    obligation,
    obligation_versions,
    txn,
    write_csv,
)
from sqlalchemy import Engine, func, select

from adapters.bootstrap import file_formats
from adapters.db import schema
from adapters.db.engine import write_transaction
from adapters.db.reference import fixtures_dir, load_reference_data
from adapters.db.stores import store_statements
from adapters.formats.statement_bounds import check_statements
from adapters.ingest import ingest_file, ingest_files
from adapters.ingest_content import store_content
from adapters.settings import GatewaySettings, Settings
from fixtures.bench_camt import write_statement
from reconcile.entry_columns import EntryColumns

SETTINGS = Settings(gateways={"vnpay": GatewaySettings(name="vnpay")})


def count(engine: Engine, table: object, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


@pytest.fixture
def obligations_csv(tmp_path: Path) -> Path:
    rows = [obligation("HS-1", 150000, paid_txn="T1"), obligation("HS-2", 2000000), obligation("HS-3", 75000)]
    return write_csv(tmp_path / "obligations.csv", OBLIGATION_HEADER, rows)


@pytest.fixture
def gateway_csv(tmp_path: Path) -> Path:
    rows = [
        txn("T1", "HS-1", 150000),
        txn("T2", "HS-2", 2000000),
        txn("T3", "HS-1", 50000, status="REFUND", original="T1"),
    ]
    return write_csv(tmp_path / "vnpay.csv", GATEWAY_HEADER, rows)


def test_an_obligations_export_and_a_gateway_file_are_accepted_with_their_counts_and_totals(
    migrated_engine: Engine, obligations_csv: Path, gateway_csv: Path
) -> None:
    outcomes = ingest_files([obligations_csv, gateway_csv], file_formats(SETTINGS), migrated_engine)

    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    assert [o.format for o in outcomes] == ["obligations", "gateway:canonical"]
    assert [(o.statements, o.entries) for o in outcomes] == [(None, 3), (None, 3)]
    assert outcomes[0].totals == {"VND": {"credit": 150000 + 2000000 + 75000, "debit": 0}}
    assert outcomes[1].totals == {"VND": {"credit": 2150000, "debit": 50000}}
    assert all(o.error is None and o.warnings == () for o in outcomes)
    assert count(migrated_engine, schema.obligations) == 3
    assert len(obligation_versions(migrated_engine)) == 3
    assert count(migrated_engine, schema.gateway_txns) == 3
    with migrated_engine.connect() as conn:
        refund = conn.execute(select(schema.gateway_txns).where(schema.gateway_txns.c.txn_id == "T3")).one()
    assert (refund.amount_vnd, refund.original_txn_id, refund.line, refund.paid_date.isoformat()) == (
        50000,
        "T1",
        4,
        "2026-11-25",
    )


def test_the_same_bytes_again_are_a_duplicate_and_change_nothing(
    migrated_engine: Engine, obligations_csv: Path, gateway_csv: Path
) -> None:
    first = ingest_files([obligations_csv, gateway_csv], file_formats(SETTINGS), migrated_engine)
    copy = gateway_csv.with_name("vnpay-again.csv")
    copy.write_bytes(gateway_csv.read_bytes())

    again = ingest_files([obligations_csv, copy], file_formats(SETTINGS), migrated_engine)

    assert [o.status for o in again] == ["duplicate", "duplicate"]
    assert [o.sha256 for o in again] == [o.sha256 for o in first]
    assert (again[1].totals, again[1].entries) == (first[1].totals, first[1].entries)
    assert count(migrated_engine, schema.files) == 2
    assert count(migrated_engine, schema.gateway_txns) == 3
    assert len(obligation_versions(migrated_engine)) == 3


def test_a_file_with_the_same_gateway_and_name_is_a_correction_that_keeps_the_old_rows(
    migrated_engine: Engine, gateway_csv: Path, tmp_path: Path
) -> None:
    ingest_file(gateway_csv, file_formats(SETTINGS), migrated_engine)
    (tmp_path / "resent").mkdir()
    corrected = write_csv(
        tmp_path / "resent" / "vnpay.csv",
        GATEWAY_HEADER,
        [txn("T1", "HS-1", 150000), txn("T2", "HS-2", 1900000)],
    )

    outcome = ingest_file(corrected, file_formats(SETTINGS), migrated_engine)

    assert outcome.status == "correction"
    (warning,) = outcome.warnings
    assert warning.startswith("correction of vnpay.csv (version 1, ")
    assert warning.endswith(
        "of its 3 transaction(s), 2 replaced by this file's and 1 withdrawn (no longer in the file)"
    )
    f, g = schema.files.c, schema.gateway_txns
    with migrated_engine.connect() as conn:
        versions = conn.execute(select(f.path, f.version, f.current, f.supersedes_id).order_by(f.id)).all()
        current = conn.execute(
            select(g.c.txn_id, g.c.amount_vnd)
            .join(schema.files, f.id == g.c.file_id)
            .where(f.current.is_(True))
            .order_by(g.c.txn_id)
        ).all()
    assert [(v.path, v.version, v.current) for v in versions] == [
        ("vnpay.csv", 1, False),
        ("vnpay.csv", 2, True),
    ]
    assert versions[1].supersedes_id is not None
    assert count(migrated_engine, g) == 5  # the old three stay, as history
    assert [tuple(row) for row in current] == [("T1", 150000), ("T2", 1900000)]


def test_a_rejected_file_among_good_ones_is_the_only_one_rejected(
    migrated_engine: Engine, obligations_csv: Path, gateway_csv: Path, tmp_path: Path
) -> None:
    bad = write_csv(
        tmp_path / "momo.csv",
        GATEWAY_HEADER,
        [
            txn("M1", "HS-1", 150000, gateway="vnpay", settlement_date="2026-11-27"),
            txn("M2", "HS-2", 10, province="99"),
        ],
    )

    outcomes = ingest_files([obligations_csv, bad, gateway_csv], file_formats(SETTINGS), migrated_engine)

    assert [o.status for o in outcomes] == ["accepted", "rejected", "accepted"]
    rejected = outcomes[1]
    assert rejected.error is not None
    assert rejected.error.startswith("momo.csv, line 3: ")
    assert "'99'" in rejected.error
    assert (rejected.entries, rejected.totals) == (0, {})
    assert count(migrated_engine, schema.gateway_txns) == 3  # none from the rejected file
    assert count(migrated_engine, schema.files, schema.files.c.status == "rejected") == 1


def test_the_same_rejected_bytes_are_rejected_again_without_a_second_row(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    bad = write_csv(tmp_path / "bad.csv", GATEWAY_HEADER, [txn("X1", "HS-9", 100, province="99")])

    first = ingest_file(bad, file_formats(SETTINGS), migrated_engine)
    second = ingest_file(bad, file_formats(SETTINGS), migrated_engine)

    assert (first.status, second.status) == ("rejected", "rejected")
    assert first.error == second.error
    assert count(migrated_engine, schema.files) == 1


def test_an_obligations_re_export_updates_the_amount_and_the_history_keeps_both(
    migrated_engine: Engine, obligations_csv: Path, tmp_path: Path
) -> None:
    ingest_file(obligations_csv, file_formats(SETTINGS), migrated_engine)
    later = write_csv(
        tmp_path / "obligations-2.csv", OBLIGATION_HEADER, [obligation("HS-2", 1800000, paid_txn="T2")]
    )

    outcome = ingest_file(later, file_formats(SETTINGS), migrated_engine)

    assert outcome.status == "accepted"
    o = schema.obligations.c
    with migrated_engine.connect() as conn:
        current = conn.execute(
            select(o.amount_vnd, o.portal_status, o.portal_txn_id).where(o.payment_code == "HS-2")
        ).one()
    history = [amount for code, amount, _ in obligation_versions(migrated_engine) if code == "HS-2"]
    assert tuple(current) == (1800000, "paid", "T2")
    assert history == [2000000, 1800000]
    assert count(migrated_engine, schema.obligations) == 3


def test_a_gateway_missing_from_the_configuration_is_ingested_with_a_warning(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "payoo.csv", GATEWAY_HEADER, [txn("P1", "HS-1", 150000, gateway="payoo")])

    outcome = ingest_file(path, file_formats(SETTINGS), migrated_engine)

    assert outcome.status == "accepted"
    assert outcome.warnings == ("gateway payoo not configured: settlement_days=1, gross",)


def test_rejected_bytes_are_accepted_once_the_reason_is_gone(migrated_engine: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "new-province.csv", GATEWAY_HEADER, [txn("N1", "HS-1", 150000, province="99")]
    )
    assert ingest_file(path, file_formats(SETTINGS), migrated_engine).status == "rejected"
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    provinces = (fixtures_dir() / "provinces.csv").read_text(encoding="utf-8")
    (fixtures / "provinces.csv").write_text(provinces + "99,Tỉnh thử,7111990000001,true\n", encoding="utf-8")
    with write_transaction(migrated_engine) as conn:
        load_reference_data(conn, fixtures)

    outcome = ingest_file(path, file_formats(SETTINGS), migrated_engine)

    assert (outcome.status, outcome.error) == ("accepted", None)
    with migrated_engine.connect() as conn:
        stored = conn.execute(select(schema.files.c.status, schema.files.c.error)).all()
    assert [tuple(row) for row in stored] == [("accepted", None)]
    assert count(migrated_engine, schema.gateway_txns) == 1


def test_an_obligation_for_an_unknown_province_rejects_the_export_naming_its_line(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    rows = [obligation("HS-1", 150000), obligation("HS-2", 75000, province="00")]
    path = write_csv(tmp_path / "obligations-bad.csv", OBLIGATION_HEADER, rows)

    outcome = ingest_file(path, file_formats(SETTINGS), migrated_engine)

    assert outcome.status == "rejected"
    assert outcome.error == "obligations-bad.csv, line 3: unknown province code '00'"
    assert obligation_versions(migrated_engine) == []


def test_two_ingestions_of_the_same_bytes_at_once_store_them_once(
    migrated_engine: Engine, gateway_csv: Path
) -> None:
    copy = gateway_csv.with_name("vnpay-copy.csv")
    copy.write_bytes(gateway_csv.read_bytes())
    start = threading.Barrier(2)

    def ingest(path: Path) -> str:
        start.wait()
        return ingest_file(path, file_formats(SETTINGS), migrated_engine).status

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(ingest, [gateway_csv, copy]))

    assert statuses == ["accepted", "duplicate"]
    assert count(migrated_engine, schema.files) == 1
    assert count(migrated_engine, schema.gateway_txns) == 3


def test_memory_is_given_back_after_each_file_is_stored(
    migrated_engine: Engine, obligations_csv: Path, gateway_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files_stored_at_each_give_back: list[int] = []

    def record() -> None:
        files_stored_at_each_give_back.append(count(migrated_engine, schema.files))

    monkeypatch.setattr("adapters.ingest.give_back_memory", record)

    ingest_files([obligations_csv, gateway_csv], file_formats(SETTINGS), migrated_engine)

    assert files_stored_at_each_give_back == [1, 2]


def test_a_file_is_stored_with_the_cyclic_collector_paused_and_it_runs_again_after(
    migrated_engine: Engine, gateway_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collector_on_while_storing: list[bool] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        collector_on_while_storing.append(gc.isenabled())
        return store_content(*args, **kwargs)

    monkeypatch.setattr("adapters.ingest.store_content", recording)
    assert gc.isenabled()

    outcome = ingest_file(gateway_csv, file_formats(SETTINGS), migrated_engine)

    assert outcome.status == "accepted"
    assert collector_on_while_storing == [False]
    assert gc.isenabled()


def test_a_statement_s_entries_are_read_into_columns_once_and_not_walked_by_the_collector_before_storing(
    migrated_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bounds check and the store share one reading of the entries into columns; and from the
    parse to the store no collection runs (one would walk every record the parse made)."""
    path = tmp_path / "camt053.xml"
    write_statement(path, 3_000)
    collections: list[int] = []
    marks: dict[str, int] = {}
    readings: list[int] = []
    read_columns = EntryColumns.of.__func__  # type: ignore[attr-defined]

    def reading(cls: type[EntryColumns], statements: Any) -> EntryColumns:
        readings.append(sum(len(statement.entries) for statement in statements))
        return read_columns(cls, statements)  # type: ignore[no-any-return]

    def parsed(*args: Any, **kwargs: Any) -> None:
        marks["parsed"] = len(collections)
        check_statements(*args, **kwargs)

    def storing(*args: Any, **kwargs: Any) -> Any:
        marks["storing"] = len(collections)
        return store_statements(*args, **kwargs)

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    monkeypatch.setattr(EntryColumns, "of", classmethod(reading))
    monkeypatch.setattr("adapters.formats.registry.check_statements", parsed)
    monkeypatch.setattr("adapters.ingest_content.store_statements", storing)
    gc.callbacks.append(seen)
    try:
        outcome = ingest_file(path, file_formats(SETTINGS), migrated_engine)
    finally:
        gc.callbacks.remove(seen)

    assert (outcome.status, outcome.entries) == ("accepted", 3_000)
    assert readings == [3_000]
    assert marks["storing"] == marks["parsed"]
    assert gc.isenabled()
    assert count(migrated_engine, schema.bank_entries) == 3_000
    assert count(migrated_engine, schema.bank_entry_details) == 3_000
