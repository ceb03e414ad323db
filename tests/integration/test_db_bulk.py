"""Bulk loading: every type survives the round trip; PostgreSQL loads by COPY, SQLite a large
load through a staging file; an upsert by key keeps the last row of each key."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import adbc_driver_sqlite.dbapi as adbc_sqlite
import psycopg
import pyarrow as pa
import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError, NoResultFound

from adapters.db import bulk, schema
from adapters.db.bulk import bulk_insert, bulk_upsert, fetch_arrow, reserve_ids
from adapters.db.engine import migrate, write_transaction
from adapters.db.files import FileFacts, record_file
from reconcile.columns import GATEWAY_TXNS, OBLIGATIONS

UTC = dt.UTC


def gateway_rows(n: int, file_id: int) -> pa.Table:
    paid = dt.datetime(2026, 11, 25, 3, 4, 5, 123456, tzinfo=UTC)
    tricky = ["plain", "", 'quote " inside', "comma, and\nnewline", "Tổng cộng ₫", None]
    return pa.table(
        {
            "txn_id": [f"T{i}" for i in range(n)],
            "payment_code": [tricky[i % len(tricky)] for i in range(n)],
            "gateway": ["vnpay"] * n,
            "province_code": ["01"] * n,
            "treasury_account": ["7111010000001"] * n,
            "amount_vnd": pa.array([i * 1000 + 1 for i in range(n)], pa.int64()),
            "fee_vnd": pa.array([None if i % 3 == 0 else 1650 for i in range(n)], pa.int64()),
            "status": ["SUCCESS" if i % 5 else "REFUND" for i in range(n)],
            "paid_at": pa.array(
                [paid + dt.timedelta(seconds=i) if i % 7 else None for i in range(n)],
                GATEWAY_TXNS.field("paid_at").type,
            ),
            "paid_date": pa.array([dt.date(2026, 11, 25)] * n, pa.date32()),
            "settlement_date": pa.array(
                [None if i % 4 == 0 else dt.date(2026, 11, 26) for i in range(n)], pa.date32()
            ),
            "batch_id": ["B-1"] * n,
            "original_txn_id": pa.nulls(n, pa.string()),
            "line": pa.array(range(2, n + 2), pa.int64()),
        },
        schema=GATEWAY_TXNS,
    ).append_column("file_id", pa.array([file_id] * n, pa.int64()))


def new_file(conn: object, name: str) -> int:
    facts = FileFacts(
        sha256=name.ljust(64, "0"), path=name, format="gateway:canonical", status="accepted", current=True
    )
    return record_file(conn, facts)  # type: ignore[arg-type]


def read_back(engine: Engine) -> pa.Table:
    g = schema.gateway_txns.c
    with engine.connect() as conn:
        return fetch_arrow(
            conn, select(*(g[name] for name in GATEWAY_TXNS.names)).order_by(g.id), GATEWAY_TXNS
        )


@pytest.mark.parametrize("stage_min_rows", [0, 10**9], ids=["staged", "bound"])
@pytest.mark.parametrize("chunk_rows", [7, bulk.CHUNK_ROWS])
def test_every_type_survives_a_bulk_round_trip(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch, chunk_rows: int, stage_min_rows: int
) -> None:
    monkeypatch.setattr(bulk, "CHUNK_ROWS", chunk_rows)  # many small chunks each way, or one
    monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", stage_min_rows)  # SQLite: a staging file, or executemany
    with write_transaction(migrated_engine) as conn:
        rows = gateway_rows(60, new_file(conn, "a"))
        assert bulk_insert(conn, schema.gateway_txns, rows) == 60

    back = read_back(migrated_engine)

    assert back.equals(rows.drop_columns(["file_id"]))
    assert back.column("payment_code").to_pylist()[:6] == [
        "plain",
        "",
        'quote " inside',
        "comma, and\nnewline",
        "Tổng cộng ₫",
        None,
    ]


@pytest.mark.parametrize("stage_min_rows", [0, 10**9], ids=["staged", "bound"])
def test_a_failed_transaction_leaves_no_bulk_rows_behind(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch, stage_min_rows: int
) -> None:
    monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", stage_min_rows)

    with pytest.raises(RuntimeError, match="stop"):
        load_then_fail(migrated_engine, rows=10)

    assert read_back(migrated_engine).num_rows == 0


def load_then_fail(engine: Engine, rows: int) -> None:
    """Load ``rows`` rows of a new file, then fail before the transaction commits."""
    with write_transaction(engine) as conn:
        bulk_insert(conn, schema.gateway_txns, gateway_rows(rows, new_file(conn, f"failed-{rows}")))
        raise RuntimeError("stop")


def test_reserved_ids_are_fresh_and_usable(migrated_engine: Engine) -> None:
    with write_transaction(migrated_engine) as conn:
        first = reserve_ids(conn, schema.gateway_txns, 3).to_pylist()
        rows = gateway_rows(3, new_file(conn, "c")).append_column("id", pa.array(first, pa.int64()))
        bulk_insert(conn, schema.gateway_txns, rows)
        second = reserve_ids(conn, schema.gateway_txns, 2).to_pylist()
        stored = (
            conn.execute(select(schema.gateway_txns.c.id).order_by(schema.gateway_txns.c.id)).scalars().all()
        )
    assert stored == first
    assert len(set(first) | set(second)) == 5
    assert min(second) > max(first)


def obligation_rows(codes: list[str], first_amount: int, file_id: int) -> pa.Table:
    """One obligation per code, amounts counting up from ``first_amount``; every type, nulls too."""
    n = len(codes)
    issued = dt.datetime(2026, 11, 24, 23, 30, 0, 654321, tzinfo=UTC)
    return pa.table(
        {
            "payment_code": codes,
            "province_code": [None if i % 4 == 0 else "79" for i in range(n)],
            "kind": ["fee"] * n,
            "agency_code": [None if i % 4 else "BTC" for i in range(n)],
            "procedure_code": ["1.001"] * n,
            "amount_vnd": pa.array(range(first_amount, first_amount + n), pa.int64()),
            "issued_at": pa.array([issued] * n, OBLIGATIONS.field("issued_at").type),
            "issued_date": pa.array([dt.date(2026, 11, 25)] * n, pa.date32()),
            "portal_status": ["unpaid" if i % 3 else "paid" for i in range(n)],
            "portal_txn_id": [None if i % 3 else f"P{i}" for i in range(n)],
            "portal_paid_at": pa.array(
                [None if i % 3 else issued for i in range(n)], OBLIGATIONS.field("portal_paid_at").type
            ),
            "portal_paid_date": pa.array(
                [None if i % 3 else dt.date(2026, 11, 25) for i in range(n)], pa.date32()
            ),
            "asset_class": pa.nulls(n, pa.string()),
            "taxable_value_vnd": pa.nulls(n, pa.int64()),
        },
        schema=OBLIGATIONS,
    ).append_column("file_id", pa.array([file_id] * n, pa.int64()))


def register(engine: Engine) -> pa.Table:
    o = schema.obligations.c
    wanted = pa.schema([*OBLIGATIONS, ("file_id", pa.int64())])
    with engine.connect() as conn:
        return fetch_arrow(conn, select(*(o[name] for name in wanted.names)).order_by(o.payment_code), wanted)


def last_of_each_code(*loads: pa.Table) -> pa.Table:
    """What an upsert of ``loads`` in turn must leave: the last row of each code, by code."""
    rows = pa.concat_tables(loads)
    last = {code: index for index, code in enumerate(rows["payment_code"].to_pylist())}
    return rows.take(sorted(last.values(), key=lambda index: rows["payment_code"][index].as_py()))


@pytest.mark.parametrize(
    ("stage_min_rows", "part_min_rows"),
    [(0, 4), (0, 10**9), (10**9, 10**9)],
    ids=["staged-in-parts", "staged", "bound"],
)
def test_an_upsert_keeps_the_last_row_of_each_key_within_a_load_across_its_parts_and_across_loads(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch, stage_min_rows: int, part_min_rows: int
) -> None:
    monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", stage_min_rows)
    monkeypatch.setattr(bulk, "STAGE_PART_MIN_ROWS", part_min_rows)  # SQLite: 17 keys in 4 parts, or 1
    codes = ["K07", "K03", "K11", "K03", "K01", "K07", "K05", "K09", "K02", "K03"]
    with write_transaction(migrated_engine) as conn:
        first = obligation_rows(codes + [f"N{i:02d}" for i in range(10)], 1_000, new_file(conn, "first"))
        bulk_upsert(conn, schema.obligations, first, key="payment_code")
    with write_transaction(migrated_engine) as conn:
        later = obligation_rows(["K11", "N04", "Z00", "N04"], 9_000, new_file(conn, "later"))
        bulk_upsert(conn, schema.obligations, later, key="payment_code")

    stored = register(migrated_engine)

    assert stored.equals(last_of_each_code(first, later))
    amounts = dict(zip(stored["payment_code"].to_pylist(), stored["amount_vnd"].to_pylist(), strict=True))
    assert (amounts["K03"], amounts["K07"], amounts["K11"], amounts["N04"]) == (1_009, 1_005, 9_000, 9_003)


@pytest.mark.postgres
def test_two_hundred_thousand_rows_go_into_postgresql_and_back_by_copy(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(postgres_engine)
    calls = {"copy": 0, "executemany": 0}
    real_copy, real_executemany = psycopg.Cursor.copy, psycopg.Cursor.executemany

    def counting_copy(self: psycopg.Cursor, *args: object, **kwargs: object) -> object:
        calls["copy"] += 1
        return real_copy(self, *args, **kwargs)  # type: ignore[arg-type]

    def counting_executemany(self: psycopg.Cursor, *args: object, **kwargs: object) -> object:
        calls["executemany"] += 1
        return real_executemany(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(psycopg.Cursor, "copy", counting_copy)
    monkeypatch.setattr(psycopg.Cursor, "executemany", counting_executemany)
    with write_transaction(postgres_engine) as conn:
        rows = gateway_rows(200_000, new_file(conn, "d"))
        bulk_insert(conn, schema.gateway_txns, rows)

    assert calls == {"copy": 1, "executemany": 0}
    with postgres_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.gateway_txns)).scalar_one() == 200_000
    assert read_back(postgres_engine).equals(rows.drop_columns(["file_id"]))
    assert calls == {"copy": 2, "executemany": 0}  # read back by COPY ... TO STDOUT too


def test_a_stored_copys_bytes_come_back_whole_from_postgresql_in_the_binary_format(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = schema.gateway_txn_copies.c
    blob = bytes(range(256)) * 4096  # every byte value, 1 MiB
    with write_transaction(migrated_engine) as conn:
        file_id = new_file(conn, "blob")
        conn.execute(insert(schema.gateway_txn_copies).values(file_id=file_id, part=0, arrow=blob))
    binary: list[bool] = []
    real_cursor = psycopg.Connection.cursor

    def cursor(self: psycopg.Connection[Any], *args: Any, **kwargs: Any) -> Any:
        binary.append(bool(kwargs.get("binary")))
        return real_cursor(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "cursor", cursor)
    with migrated_engine.connect() as conn:
        assert bulk.fetch_bytes(conn, select(c.arrow).where(c.file_id == file_id)) == blob
        with pytest.raises(NoResultFound):
            bulk.fetch_bytes(conn, select(c.arrow).where(c.file_id == file_id + 1))
    assert any(binary) == (migrated_engine.dialect.name == "postgresql")


def test_a_transaction_reads_back_the_rows_it_has_just_written(migrated_engine: Engine) -> None:
    g = schema.gateway_txns.c
    with write_transaction(migrated_engine) as conn:
        bulk_insert(conn, schema.gateway_txns, gateway_rows(5, new_file(conn, "e")))
        seen = fetch_arrow(conn, select(g.txn_id).order_by(g.id), pa.schema([("txn_id", pa.string())]))
    assert seen.column("txn_id").to_pylist() == ["T0", "T1", "T2", "T3", "T4"]


def test_a_connection_sees_what_others_committed_once_its_transaction_ends(migrated_engine: Engine) -> None:
    g = schema.gateway_txns.c
    ids = pa.schema([("txn_id", pa.string())])
    with migrated_engine.connect() as reader:
        before = fetch_arrow(reader, select(g.txn_id), ids).num_rows
        reader.rollback()
        with write_transaction(migrated_engine) as writer:
            bulk_insert(writer, schema.gateway_txns, gateway_rows(3, new_file(writer, "f")))
        after = fetch_arrow(reader, select(g.txn_id), ids).num_rows
    assert (before, after) == (0, 3)


# SQLite's staged path: what it leaves behind, and when it is taken


@pytest.fixture
def sqlite_engine(migrated_sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A migrated SQLite database whose temporary files go to ``tmp_path / "tmp"``; every load staged."""
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", 1)
    return migrated_sqlite_engine


@pytest.fixture
def staging_opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the ADBC driver opens (its connections), in order."""
    opened: list[str] = []
    real = adbc_sqlite.connect

    def connect(path: str, **kwargs: Any) -> Any:
        opened.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(adbc_sqlite, "connect", connect)
    return opened


def attached(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[1] for row in conn.exec_driver_sql("PRAGMA database_list")]


def test_sqlite_stages_loads_in_files_of_their_own_removed_once_the_transaction_commits(
    sqlite_engine: Engine, staging_opens: list[str], tmp_path: Path
) -> None:
    with write_transaction(sqlite_engine) as conn:
        first = gateway_rows(40, new_file(conn, "a"))
        second = gateway_rows(25, new_file(conn, "b"))
        bulk_insert(conn, schema.gateway_txns, first)
        bulk_insert(conn, schema.gateway_txns, second)
        during = sorted(path.name for path in (tmp_path / "tmp").iterdir())

    assert len(set(staging_opens)) == len(staging_opens) == 2
    assert all(Path(opened).parent.parent == tmp_path / "tmp" for opened in staging_opens)
    assert sqlite_engine.url.database not in staging_opens  # ADBC's SQLite never opens the database
    assert len(during) == 2
    assert list((tmp_path / "tmp").iterdir()) == []
    assert set(attached(sqlite_engine)) <= {"main", "temp"}
    both = pa.concat_tables([first, second]).drop_columns(["file_id"])
    assert read_back(sqlite_engine).equals(both)  # ids follow the rows' order, load after load


def test_sqlite_removes_the_staging_files_of_a_transaction_rolled_back(
    sqlite_engine: Engine, staging_opens: list[str], tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="stop"):
        load_then_fail(sqlite_engine, rows=30)

    assert len(staging_opens) == 1
    assert list((tmp_path / "tmp").iterdir()) == []
    assert set(attached(sqlite_engine)) <= {"main", "temp"}
    assert read_back(sqlite_engine).num_rows == 0
    with write_transaction(sqlite_engine) as conn:  # the connection is fit for the next load
        rows = gateway_rows(12, new_file(conn, "d"))
        bulk_insert(conn, schema.gateway_txns, rows)
    assert read_back(sqlite_engine).equals(rows.drop_columns(["file_id"]))


def test_sqlite_binds_rows_outside_a_write_transaction_and_below_the_staging_size(
    sqlite_engine: Engine, staging_opens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_engine.begin() as conn:  # no place to detach a staging file once it ends
        outside = gateway_rows(30, new_file(conn, "e"))
        bulk_insert(conn, schema.gateway_txns, outside)
    monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", 31)
    with write_transaction(sqlite_engine) as conn:
        small = gateway_rows(30, new_file(conn, "f"))
        bulk_insert(conn, schema.gateway_txns, small)

    assert staging_opens == []
    assert read_back(sqlite_engine).equals(pa.concat_tables([outside, small]).drop_columns(["file_id"]))


def load_in_one_transaction(engine: Engine, names: str, rows: int) -> list[pa.Table]:
    """One load of ``rows`` transactions per file named, all in one write transaction."""
    loads = []
    with write_transaction(engine) as conn:
        for name in names:
            loads.append(gateway_rows(rows, new_file(conn, name)))
            bulk_insert(conn, schema.gateway_txns, loads[-1])
    return loads


def test_sqlite_binds_the_loads_of_a_transaction_past_its_staging_files(
    sqlite_engine: Engine, staging_opens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "STAGED_PER_TRANSACTION", 2)
    loads = load_in_one_transaction(sqlite_engine, "ghi", rows=20)

    assert len(staging_opens) == 2  # the third load bound its rows
    assert read_back(sqlite_engine).equals(pa.concat_tables(loads).drop_columns(["file_id"]))


def test_sqlite_stages_a_large_load_in_parts_copied_in_the_rows_order(
    sqlite_engine: Engine, staging_opens: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "STAGE_PART_MIN_ROWS", 10)
    with write_transaction(sqlite_engine) as conn:
        rows = gateway_rows(35, new_file(conn, "p"))
        assert bulk_insert(conn, schema.gateway_txns, rows) == 35
        during = list((tmp_path / "tmp").iterdir())

    assert len(set(staging_opens)) == len(staging_opens) == 3  # 35 // 10 parts, written one by one
    assert len(during) == 3
    assert list((tmp_path / "tmp").iterdir()) == []
    assert set(attached(sqlite_engine)) <= {"main", "temp"}
    assert read_back(sqlite_engine).equals(rows.drop_columns(["file_id"]))  # ids in the rows' order


def test_sqlite_stages_no_more_parts_than_a_load_may_have_or_the_transaction_has_room_for(
    sqlite_engine: Engine, staging_opens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "STAGE_PART_MIN_ROWS", 1)
    monkeypatch.setattr(bulk, "STAGE_PARTS", 4)
    monkeypatch.setattr(bulk, "STAGED_PER_TRANSACTION", 6)
    loads = load_in_one_transaction(sqlite_engine, "qrs", rows=40)

    assert len(staging_opens) == 6  # four parts, the two left, then the rows bound
    assert read_back(sqlite_engine).equals(pa.concat_tables(loads).drop_columns(["file_id"]))


def store_with_a_missing_id(engine: Engine, rows: int, missing: int) -> None:
    with write_transaction(engine) as conn:
        table = gateway_rows(rows, new_file(conn, "t"))
        ids = pa.array([f"T{i}" if i != missing else None for i in range(rows)], pa.string())  # NOT NULL
        table = table.set_column(table.column_names.index("txn_id"), "txn_id", ids)
        bulk_insert(conn, schema.gateway_txns, table)


def test_sqlite_removes_every_part_when_a_copy_fails_and_nothing_is_stored(
    sqlite_engine: Engine, staging_opens: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "STAGE_PART_MIN_ROWS", 10)
    with pytest.raises(IntegrityError):
        store_with_a_missing_id(sqlite_engine, rows=40, missing=15)  # in the second part of four

    assert len(staging_opens) >= 2  # the second part was written, and failed to copy
    assert list((tmp_path / "tmp").iterdir()) == []  # attached or not, every part is gone
    assert set(attached(sqlite_engine)) <= {"main", "temp"}
    assert read_back(sqlite_engine).num_rows == 0
