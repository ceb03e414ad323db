"""A file's headroom under int64 is checked against kept bounds, not by summing every day ever stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select, update
from test_ingest_bad_input import gateway_table

from adapters.db import schema
from adapters.db.engine import write_transaction
from adapters.db.headroom import reserve_headroom
from adapters.db.stores import store_gateway_txns
from reconcile.bounds import INT64_MAX
from reconcile.errors import InputError
from reconcile.records import Parsed
from tests.integration.test_db_gateway_copies import new_file


def _parsed(prefix: str, *amounts: int) -> Parsed:
    rows = [(f"{prefix}{n}", f"HS-{prefix}{n}", amount) for n, amount in enumerate(amounts)]
    return Parsed(format="gateway:test", table=gateway_table(*rows), identity=f"gateway:vnpay:{prefix}")


def _ingest(conn: Connection, name: str, parsed: Parsed) -> None:
    """What ingestion does with a gateway file's table: check the headroom, then store it."""
    reserve_headroom(conn, parsed, name)
    assert parsed.table is not None
    store_gateway_txns(conn, new_file(conn, name), parsed.table)


def _bounds(engine: Engine) -> dict[str, int]:
    t = schema.stored_totals.c
    with engine.connect() as conn:
        return {f"{table}.{column}": int(bound) for table, column, bound in conn.execute(select(t))}


@contextmanager
def _sums_over_the_table(engine: Engine) -> Iterator[list[str]]:
    """The statements that sum a column of ``gateway_txns``, as they run."""
    seen: list[str] = []

    def _before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "sum(gateway_txns." in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def test_the_kept_bounds_are_the_stored_totals_and_a_file_with_room_is_checked_without_a_sum(
    migrated_engine: Engine,
) -> None:
    with _sums_over_the_table(migrated_engine) as sums, write_transaction(migrated_engine) as conn:
        _ingest(conn, "first", _parsed("A", 150_000, 75_000))  # no bound yet: summed once
        assert len(sums) == 1
        _ingest(conn, "second", _parsed("B", 20_000))
        _ingest(conn, "third", _parsed("C", 5_000, 1))
        assert len(sums) == 1

    assert _bounds(migrated_engine) == {
        "gateway_txns.amount_vnd": 250_001,
        "gateway_txns.fee_vnd": 5 * 1100,
    }


def test_a_bound_without_room_is_replaced_by_the_true_total_and_the_file_accepted(
    migrated_engine: Engine,
) -> None:
    with write_transaction(migrated_engine) as conn:
        _ingest(conn, "first", _parsed("A", 150_000))
        amounts = schema.stored_totals.c.column_name == "amount_vnd"
        conn.execute(update(schema.stored_totals).where(amounts).values(bound=INT64_MAX))

    with _sums_over_the_table(migrated_engine) as sums, write_transaction(migrated_engine) as conn:
        _ingest(conn, "second", _parsed("B", 20_000))
        assert len(sums) == 1

    assert _bounds(migrated_engine)["gateway_txns.amount_vnd"] == 170_000


def test_a_file_beyond_the_true_total_is_refused_with_it_and_the_bounds_are_left_as_they_were(
    migrated_engine: Engine,
) -> None:
    big = INT64_MAX // 2
    with write_transaction(migrated_engine) as conn:
        _ingest(conn, "first", _parsed("A", big, 2))
    before = _bounds(migrated_engine)

    with pytest.raises(InputError) as refused, write_transaction(migrated_engine) as conn:
        _ingest(conn, "second", _parsed("B", big))

    assert f"would take the total of gateway_txns.amount_vnd already stored ({big + 2})" in str(refused.value)
    assert _bounds(migrated_engine) == before
