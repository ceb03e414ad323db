"""Migration 0019_scale: columnar copies in parts; migrating down keeps every file readable.

Down, a copy of several parts cannot be one value again: its file keeps one copy row
without data (read from its rows, as files stored before copies are) and the range of
its dates; a copy of one part stays as it is. Up again, a run reads the same rows.
"""

from __future__ import annotations

import pyarrow.compute as pc
import pytest
from db_fixtures import migrate_to, revision_before
from sqlalchemy import Engine, MetaData, Table, select

from adapters.db import arrow_copies
from adapters.db.engine import migrate, write_transaction
from adapters.db.run_inputs import read_txns
from adapters.db.stores import store_gateway_txns
from tests.integration.test_db_gateway_copies import END, START, decoded, from_rows, new_file, transactions

REVISION = "0019_scale"


def test_down_a_copy_in_parts_is_read_from_its_rows_and_up_again_nothing_changes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(engine)
    monkeypatch.setattr(arrow_copies, "PART_ROWS", 6)
    parted, whole = transactions(40, "P"), transactions(5, "W")
    with write_transaction(engine) as conn:
        parts_id = new_file(conn, "parts")
        store_gateway_txns(conn, parts_id, parted)
        whole_id = new_file(conn, "whole")
        store_gateway_txns(conn, whole_id, whole)
    with engine.connect() as conn:
        before = read_txns(conn, START, END)

    migrate_to(engine, revision_before(REVISION), down=True)
    with engine.connect() as conn:
        copies = Table("gateway_txn_copies", MetaData(), autoload_with=conn)
        assert "part" not in copies.c
        rows = {row.file_id: row for row in conn.execute(select(copies))}
    dates = pc.min_max(parted.column("paid_date"))
    assert set(rows) == {parts_id, whole_id}
    assert rows[parts_id].arrow is None
    assert (rows[parts_id].first_paid_date, rows[parts_id].last_paid_date) == (
        dates["min"].as_py(),
        dates["max"].as_py(),
    )
    assert rows[whole_id].arrow is not None

    migrate(engine)
    with engine.connect() as conn:
        after, stored = read_txns(conn, START, END), from_rows(conn)
    assert after.num_rows > 0
    assert decoded(after.sort_by("txn_id")).equals(decoded(before.sort_by("txn_id")))
    assert decoded(after.sort_by("txn_id")).equals(stored.sort_by("txn_id"))
