"""Migration 0010 on a database that 0006 left with data: files keep their rows, nothing counts twice.

The data is what ingestion before 0010 stored: a file of 11-25..11-26 and a
re-sent file of 11-25 only, both current (the bug of identities by date); and
an old correction by date (momo-a.csv, then momo-b.csv as its version 2), the
later one stored before columnar copies existed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from db_fixtures import migrate_to
from sqlalchemy import Engine, insert, select

from adapters.bootstrap import file_formats
from adapters.db import schema
from adapters.db.bulk import bulk_insert
from adapters.db.engine import migrate, write_transaction
from adapters.db.files import FileFacts, record_file
from adapters.db.reference import load_reference_data
from adapters.db.run_inputs import read_txns
from adapters.db.stores import store_gateway_txns
from adapters.ingest import ingest_file
from adapters.settings import GatewaySettings, Settings
from reconcile.columns import GATEWAY_TXNS

D25, D26 = dt.date(2026, 11, 25), dt.date(2026, 11, 26)
BEFORE = "0006_gateway_copies"


def txns(gateway: str, rows: list[tuple[str, int, dt.date]]) -> pa.Table:
    return pa.table(
        {
            "txn_id": [txn_id for txn_id, _, _ in rows],
            "payment_code": [f"HS-{txn_id}" for txn_id, _, _ in rows],
            "gateway": [gateway] * len(rows),
            "province_code": ["01"] * len(rows),
            "treasury_account": ["7111010000001"] * len(rows),
            "amount_vnd": pa.array([amount for _, amount, _ in rows], pa.int64()),
            "fee_vnd": pa.array([0] * len(rows), pa.int64()),
            "status": ["SUCCESS"] * len(rows),
            "paid_at": pa.array(
                [dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC) for _, _, day in rows],
                GATEWAY_TXNS.field("paid_at").type,
            ),
            "paid_date": pa.array([day for _, _, day in rows], pa.date32()),
            "settlement_date": pa.array([day + dt.timedelta(days=1) for _, _, day in rows], pa.date32()),
            "batch_id": ["B"] * len(rows),
            "original_txn_id": pa.nulls(len(rows), pa.string()),
            "line": pa.array(range(2, len(rows) + 2), pa.int64()),
        },
        schema=GATEWAY_TXNS,
    )


def old_file(
    path: str, identity: str, *, current: bool = True, version: int = 1, supersedes: int | None = None
) -> FileFacts:
    return FileFacts(
        sha256=path.ljust(64, "0"),
        path=path,
        format="gateway:canonical",
        status="accepted" if version == 1 else "correction",
        identity=identity,
        version=version,
        supersedes_id=supersedes,
        current=current,
    )


def build_0006_database(engine: Engine) -> dict[str, int]:
    migrate_to(engine, BEFORE)
    ids: dict[str, int] = {}
    with write_transaction(engine) as conn:
        ids["span"] = record_file(conn, old_file("vnpay-25-26.csv", "gateway:vnpay:2026-11-25..2026-11-26"))
        store_gateway_txns(
            conn, ids["span"], txns("vnpay", [("T1", 100, D25), ("T2", 200, D25), ("T5", 500, D26)])
        )
        ids["day"] = record_file(conn, old_file("vnpay-25.csv", "gateway:vnpay:2026-11-25"))
        store_gateway_txns(conn, ids["day"], txns("vnpay", [("T1", 100, D25), ("T2", 250, D25)]))
        ids["momo-a"] = record_file(conn, old_file("momo-a.csv", "gateway:momo:2026-11-25", current=False))
        store_gateway_txns(conn, ids["momo-a"], txns("momo", [("M1", 1, D25)]))
        facts = old_file("momo-b.csv", "gateway:momo:2026-11-25", version=2, supersedes=ids["momo-a"])
        ids["momo-b"] = record_file(conn, facts)
        rows = txns("momo", [("M1", 2, D25)])
        bulk_insert(
            conn, schema.gateway_txns, rows.append_column("file_id", pa.array([ids["momo-b"]], pa.int64()))
        )
        # stored before copies (inline: the 0006 table has no part to return)
        conn.execute(insert(schema.gateway_txn_copies).values(file_id=ids["momo-b"]).inline())
    return ids


def current_txns(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        table = read_txns(conn, D25, D26)
    return sorted(zip(table["txn_id"].to_pylist(), table["amount_vnd"].to_pylist(), strict=True))


def identities(engine: Engine) -> dict[int, tuple[str, int, bool]]:
    f = schema.files.c
    with engine.connect() as conn:
        rows = conn.execute(select(f.id, f.identity, f.version, f.current)).all()
    return {row.id: (row.identity, row.version, row.current) for row in rows}


def test_0006_data_migrates_to_identities_by_name_and_each_transaction_counts_once(
    engine: Engine, tmp_path: Path
) -> None:
    ids = build_0006_database(engine)
    assert len(_rows_current_before(engine)) == 6  # T1 and T2 counted twice

    migrate(engine)

    assert identities(engine) == {
        ids["span"]: ("gateway:vnpay:vnpay-25-26.csv", 1, True),
        ids["day"]: ("gateway:vnpay:vnpay-25.csv", 1, True),
        ids["momo-a"]: ("gateway:momo:2026-11-25", 1, False),  # the old correction's history, as it was
        ids["momo-b"]: ("gateway:momo:momo-b.csv", 2, True),
    }
    assert current_txns(engine) == [("M1", 2), ("T1", 100), ("T2", 250), ("T5", 500)]
    s = schema.gateway_txn_supersessions.c
    with engine.connect() as conn:
        superseded = conn.execute(
            select(s.file_id, s.txn_id, s.by_file_id, s.changed).order_by(s.txn_id)
        ).all()
    assert [tuple(row) for row in superseded] == [
        (ids["span"], "T1", ids["day"], False),
        (ids["span"], "T2", ids["day"], True),
    ]

    with write_transaction(engine) as conn:
        load_reference_data(conn)
    resent = tmp_path / "vnpay-25.csv"
    resent.write_text(
        "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,"
        "settlement_date,batch_id,original_txn_id\n"
        "T1,HS-T1,vnpay,01,7111010000001,100,0,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,B,\n",
        encoding="utf-8",
    )
    outcome = ingest_file(
        resent, file_formats(Settings(gateways={"vnpay": GatewaySettings("vnpay")})), engine
    )
    assert outcome.status == "correction"  # of the migrated vnpay-25.csv
    assert "1 replaced by this file's and 1 withdrawn" in outcome.warnings[0]
    # T2 withdrawn from vnpay-25.csv: the span file's row, which it only hid, counts again
    assert current_txns(engine) == [("M1", 2), ("T1", 100), ("T2", 200), ("T5", 500)]


def test_the_downgrade_restores_identities_by_collection_dates(engine: Engine) -> None:
    ids = build_0006_database(engine)
    migrate(engine)
    migrate_to(engine, BEFORE, down=True)
    assert identities(engine)[ids["span"]] == ("gateway:vnpay:2026-11-25..2026-11-26", 1, True)
    assert identities(engine)[ids["day"]] == ("gateway:vnpay:2026-11-25", 1, True)
    migrate(engine)
    assert current_txns(engine) == [("M1", 2), ("T1", 100), ("T2", 250), ("T5", 500)]


def _rows_current_before(engine: Engine) -> list[str]:
    """What a run read before 0010: every row of every current file."""
    g, f = schema.gateway_txns.c, schema.files.c
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(g.txn_id).join(schema.files, f.id == g.file_id).where(f.current.is_(True))
            ).scalars()
        )
