"""Property: ingesting the same file twice changes nothing (DESIGN.md §4, STYLE.md)."""

from __future__ import annotations

import itertools
from pathlib import Path

from db_ingest_files import GATEWAY_HEADER, OBLIGATION_HEADER, obligation, txn, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from adapters.bootstrap import file_formats
from adapters.db import schema
from adapters.ingest import ingest_file
from adapters.settings import Settings

TABLES = (schema.files, schema.obligations, schema.obligation_copies, schema.gateway_txns)
_serial = itertools.count()

amounts = st.integers(min_value=1, max_value=10**12)
rows = st.lists(
    st.tuples(amounts, st.sampled_from(["01", "79", "48"]), st.booleans()), min_size=1, max_size=12
)


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {table.name: sorted(map(tuple, conn.execute(select(table))), key=repr) for table in TABLES}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows, gateway_file=st.booleans())
def test_ingesting_the_same_file_twice_changes_nothing(
    migrated_engine: Engine, tmp_path: Path, rows: list[tuple[int, str, bool]], gateway_file: bool
) -> None:
    n = next(_serial)
    if gateway_file:
        lines = [
            txn(
                f"T{n}-{i}",
                f"HS-{n}-{i}",
                amount,
                province=province,
                status="SUCCESS" if paid else "REFUND",
                original="" if paid else f"T{n}-0",
            )
            for i, (amount, province, paid) in enumerate(rows)
        ]
        path = write_csv(tmp_path / f"gateway-{n}.csv", GATEWAY_HEADER, lines)
    else:
        lines = [
            obligation(f"HS-{n}-{i}", amount, province=province, paid_txn=f"T{n}-{i}" if paid else None)
            for i, (amount, province, paid) in enumerate(rows)
        ]
        path = write_csv(tmp_path / f"obligations-{n}.csv", OBLIGATION_HEADER, lines)

    first = ingest_file(path, file_formats(Settings()), migrated_engine)
    before = snapshot(migrated_engine)
    second = ingest_file(path, file_formats(Settings()), migrated_engine)

    assert first.status in ("accepted", "correction", "rejected")
    assert second.status == ("rejected" if first.status == "rejected" else "duplicate")
    assert snapshot(migrated_engine) == before
    assert (second.sha256, second.entries, second.totals) == (
        (first.sha256, 0, {}) if first.status == "rejected" else (first.sha256, first.entries, first.totals)
    )
