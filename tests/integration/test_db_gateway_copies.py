"""A run reads gateway transactions from the files' columnar copies: exactly what the rows hold."""

from __future__ import annotations

import datetime as dt
import threading

import pyarrow as pa
import pytest
from sqlalchemy import Connection, Engine, insert, select, update

from adapters.db import arrow_copies, gateway_copies, schema
from adapters.db.bulk import bulk_insert, fetch_arrow
from adapters.db.engine import write_transaction
from adapters.db.files import FileFacts, record_file
from adapters.db.gateway_copies import TXNS_WITH_FILE
from adapters.db.run_inputs import _current_txns, read_coverage, read_txns
from adapters.db.stores import store_gateway_txns
from reconcile.columns import GATEWAY_TXNS
from reconcile.history import HistoryRange
from reconcile.ports import COVERAGE

START, END = dt.date(2026, 11, 24), dt.date(2026, 11, 26)


def transactions(n: int, prefix: str) -> pa.Table:
    """``n`` transactions paid over five days around the range, with awkward text and nulls."""
    tricky = ["plain", "", 'quote " inside', "comma, and\nnewline", "Tổng cộng ₫", None]
    paid = dt.datetime(2026, 11, 22, 23, 59, 59, 999999, tzinfo=dt.UTC)
    days = [None if i % 11 == 0 else dt.date(2026, 11, 23) + dt.timedelta(days=i % 5) for i in range(n)]
    return pa.table(
        {
            "txn_id": [f"{prefix}{i}" for i in range(n)],
            "payment_code": [tricky[i % len(tricky)] for i in range(n)],
            "gateway": ["vnpay"] * n,
            "province_code": ["01"] * n,
            "treasury_account": ["7111010000001"] * n,
            "amount_vnd": pa.array([i * 1000 + 1 for i in range(n)], pa.int64()),
            "fee_vnd": pa.array([None if i % 3 == 0 else 1650 for i in range(n)], pa.int64()),
            "status": ["SUCCESS" if i % 5 else "REFUND" for i in range(n)],
            "paid_at": pa.array(
                [paid + dt.timedelta(hours=i) if i % 7 else None for i in range(n)],
                GATEWAY_TXNS.field("paid_at").type,
            ),
            "paid_date": pa.array(days, pa.date32()),
            "settlement_date": pa.array([None if i % 4 == 0 else END for i in range(n)], pa.date32()),
            "batch_id": [f"B-{i % 3}" for i in range(n)],
            "original_txn_id": [None if i % 5 else f"{prefix}{i - 1}" for i in range(n)],
            "line": pa.array(range(2, n + 2), pa.int64()),
        },
        schema=GATEWAY_TXNS,
    )


def new_file(conn: Connection, name: str) -> int:
    facts = FileFacts(
        sha256=name.ljust(64, "0"), path=name, format="gateway", status="accepted", current=True
    )
    return record_file(conn, facts)


def from_rows(conn: Connection) -> pa.Table:
    """What an indexed read of the rows gives for the range (the way runs read before copies)."""
    g = schema.gateway_txns.c
    return fetch_arrow(conn, _current_txns().where(g.paid_date.between(START, END)), TXNS_WITH_FILE)


def decoded(copied: pa.Table) -> pa.Table:
    """What a run read, its few-valued text columns (held as dictionaries) decoded to compare with rows."""
    held = {field.name for field in copied.schema if pa.types.is_dictionary(field.type)}
    assert held == arrow_copies.LOW_VARIETY & set(copied.column_names)
    plain = [f.with_type(f.type.value_type) if f.name in held else f for f in copied.schema]
    return copied.cast(pa.schema(plain))


def test_the_copies_give_a_run_the_rows_of_current_files_in_the_range_in_stored_order(
    migrated_engine: Engine,
) -> None:
    with write_transaction(migrated_engine) as conn:
        first = new_file(conn, "first")
        store_gateway_txns(conn, first, transactions(40, "A"))
        replaced = new_file(conn, "replaced")
        store_gateway_txns(conn, replaced, transactions(30, "B"))
        conn.execute(update(schema.files).where(schema.files.c.id == replaced).values(current=False))
        partial = new_file(conn, "partial")  # a file without the optional columns
        store_gateway_txns(conn, partial, transactions(25, "C").drop_columns(["fee_vnd", "batch_id"]))
    with migrated_engine.connect() as conn:
        copied, rows = read_txns(conn, START, END), from_rows(conn)
    assert rows.num_rows > 0
    assert set(copied.column("file_id").to_pylist()) == {first, partial}
    assert decoded(copied).equals(rows)


def test_a_file_stored_before_the_copies_is_read_from_its_rows(migrated_engine: Engine) -> None:
    with write_transaction(migrated_engine) as conn:
        old = new_file(conn, "old")
        legacy = transactions(20, "L").append_column("file_id", pa.array([old] * 20, pa.int64()))
        bulk_insert(conn, schema.gateway_txns, legacy)
        conn.execute(insert(schema.gateway_txn_copies).values(file_id=old))  # what migration 0006 leaves
        new = new_file(conn, "new")
        store_gateway_txns(conn, new, transactions(20, "N"))
    with migrated_engine.connect() as conn:
        copied, rows = read_txns(conn, START, END), from_rows(conn)
    assert set(copied.column("file_id").to_pylist()) == {old, new}
    assert decoded(copied).equals(rows)


def test_a_copy_holds_its_few_valued_columns_as_dictionaries_and_one_in_plain_text_is_read_beside_it(
    migrated_engine: Engine,
) -> None:
    """A run reads copies stored since they hold dictionaries and copies stored before, in one table."""
    c = schema.gateway_txn_copies.c
    with write_transaction(migrated_engine) as conn:
        plain = new_file(conn, "plain")
        store_gateway_txns(conn, plain, transactions(30, "P"))
        held = new_file(conn, "held")
        store_gateway_txns(conn, held, transactions(30, "H"))
        stored = arrow_copies.read_part(conn, schema.gateway_txn_copies, held, 0)
        before = decoded(arrow_copies.read_part(conn, schema.gateway_txn_copies, plain, 0))
        sink = pa.BufferOutputStream()  # the first file's copy as copies were written before
        with pa.ipc.new_stream(sink, before.schema) as writer:
            writer.write_table(before)
        conn.execute(
            update(schema.gateway_txn_copies)
            .where(c.file_id == plain)
            .values(arrow=sink.getvalue().to_pybytes())
        )
    encoded = {field.name for field in stored.schema if pa.types.is_dictionary(field.type)}
    assert encoded == arrow_copies.LOW_VARIETY & set(stored.column_names)
    with migrated_engine.connect() as conn:
        assert not any(
            pa.types.is_dictionary(f.type)
            for f in arrow_copies.read_part(conn, schema.gateway_txn_copies, plain, 0).schema
        )
        copied, rows = read_txns(conn, START, END), from_rows(conn)
    assert set(copied.column("file_id").to_pylist()) == {plain, held}
    assert decoded(copied).equals(rows)


def test_a_copy_stored_in_parts_gives_the_rows_in_stored_order(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow_copies, "PART_ROWS", 6)
    with write_transaction(migrated_engine) as conn:
        first = new_file(conn, "first")
        store_gateway_txns(conn, first, transactions(40, "A"))
        second = new_file(conn, "second")
        store_gateway_txns(conn, second, transactions(15, "B"))
    with migrated_engine.connect() as conn:
        c = schema.gateway_txn_copies.c
        parts = conn.execute(select(c.file_id, c.part).order_by(c.file_id, c.part)).all()
        copied, rows = read_txns(conn, START, END), from_rows(conn)
    assert [tuple(p) for p in parts] == [(first, p) for p in range(7)] + [(second, p) for p in range(3)]
    assert rows.num_rows > 0
    assert decoded(copied).equals(rows)


def test_files_already_in_date_order_are_read_in_the_same_order(migrated_engine: Engine) -> None:
    def on(day: dt.date, table: pa.Table) -> pa.Table:
        return table.set_column(9, "paid_date", pa.array([day] * table.num_rows, pa.date32()))

    with write_transaction(migrated_engine) as conn:
        early = new_file(conn, "early")
        store_gateway_txns(conn, early, on(START, transactions(12, "E")))
        late = new_file(conn, "late")
        store_gateway_txns(conn, late, on(END, transactions(9, "L")))
    with migrated_engine.connect() as conn:
        copied, rows = read_txns(conn, START, END), from_rows(conn)
    assert copied.column("file_id").to_pylist() == [early] * 12 + [late] * 9
    assert decoded(copied).equals(rows)


def test_each_gateways_reach_is_read_over_files_whose_held_values_differ(migrated_engine: Engine) -> None:
    def of(gateway: str, table: pa.Table) -> pa.Table:
        return table.set_column(2, "gateway", pa.array([gateway] * table.num_rows, pa.string()))

    with write_transaction(migrated_engine) as conn:
        store_gateway_txns(conn, new_file(conn, "vnpay"), of("vnpay", transactions(12, "V")))
        store_gateway_txns(conn, new_file(conn, "momo"), of("momo", transactions(4, "M")))
    with migrated_engine.connect() as conn:
        txns = read_txns(conn, START, END)
        _, reach = read_coverage(conn, HistoryRange(END, START, END, END), txns)
    assert reach.schema == COVERAGE
    assert reach.to_pylist() == [
        {"name": "momo", "covered_to": END},  # its latest payment, inside the range
        {"name": "vnpay", "covered_to": END + dt.timedelta(days=1)},  # one paid after the range
    ]


def test_a_copys_first_part_is_encoded_while_the_rows_are_stored_and_the_rest_after(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow_copies, "PART_ROWS", 6)
    encoded_by: list[str] = []
    stream = arrow_copies._stream

    def watched(table: pa.Table) -> bytes:
        encoded_by.append(threading.current_thread().name)
        return stream(table)

    monkeypatch.setattr(arrow_copies, "_stream", watched)
    with write_transaction(migrated_engine) as conn:
        store_gateway_txns(conn, new_file(conn, "parts"), transactions(15, "P"))
    here = threading.current_thread().name
    assert encoded_by[0].startswith("recon-copy")  # while the rows went in
    assert encoded_by[1:] == [here, here]  # one at a time as they are stored: one in memory


def test_no_copy_is_stored_when_storing_the_rows_fails(migrated_engine: Engine) -> None:
    with write_transaction(migrated_engine) as conn:
        file_id = new_file(conn, "failed")
        with pytest.raises(RuntimeError), gateway_copies.storing_copy(conn, file_id, transactions(5, "F")):
            raise RuntimeError("the rows could not be stored")
        c = schema.gateway_txn_copies.c
        assert conn.execute(select(c.file_id).where(c.file_id == file_id)).all() == []
