"""Migration 0022_paid_by_export: the register's index on the day paid holds each row's export too.

Up from 0021 with obligations in place, the index on ``portal_paid_date``
gives way to one on (``portal_paid_date``, ``file_id``), and a run's count by
export reads the same; down, the index on the day alone is back.
"""

from __future__ import annotations

from db_fixtures import migrate_to
from sqlalchemy import Engine, inspect

from adapters.db.engine import write_transaction
from adapters.db.obligation_copies import paid_by_export
from tests.integration.test_db_obligation_copies import DAY, exported, store

REVISION = "0022_paid_by_export"
BEFORE = "0021_identifiers"


def _indexes(engine: Engine) -> dict[str, list[str | None]]:
    return {str(index["name"]): index["column_names"] for index in inspect(engine).get_indexes("obligations")}


def _counted(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        return {file_id: count for file_id, count in conn.execute(paid_by_export(DAY))}


def test_up_and_down_swap_the_index_and_the_count_by_export_stays(engine: Engine) -> None:
    migrate_to(engine, BEFORE, down=False)
    with write_transaction(engine) as conn:
        first = store(conn, "first", exported([f"A{i:03d}" for i in range(12)], paid_on=DAY))
        second = store(conn, "second", exported([f"A{i:03d}" for i in range(3)], paid_on=DAY))
    counted = _counted(engine)
    assert counted == {first: 6, second: 2}
    assert _indexes(engine) == {"ix_obligations_portal_paid_date": ["portal_paid_date"]}

    migrate_to(engine, REVISION, down=False)
    assert _indexes(engine) == {"ix_obligations_portal_paid_date_file_id": ["portal_paid_date", "file_id"]}
    assert _counted(engine) == counted

    migrate_to(engine, BEFORE, down=True)
    assert _indexes(engine) == {"ix_obligations_portal_paid_date": ["portal_paid_date"]}
    assert _counted(engine) == counted
