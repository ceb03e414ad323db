"""Migration 0004_users creates the web application's tables as the metadata declares them."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, Table, inspect

import adapters.db.user_tables  # noqa: F401 (registers the tables on the metadata)
from adapters.db.meta import metadata

WEB_TABLES = {"users", "discrepancy_actions"}


def _table_of(item: Any) -> str:
    subject = item[1]
    if isinstance(subject, Table):
        return str(subject.name)
    if hasattr(subject, "table"):
        return str(subject.table.name)
    return str(item[2])


def test_the_web_tables_exist_and_match_the_metadata(world: Engine) -> None:
    assert set(inspect(world).get_table_names()) >= WEB_TABLES
    with world.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    flat = [item for diff in differences for item in (diff if isinstance(diff, list) else [diff])]
    assert [item for item in flat if _table_of(item) in WEB_TABLES] == []


def test_user_names_are_unique(world: Engine) -> None:
    columns = inspect(world).get_unique_constraints("users")
    assert [c["column_names"] for c in columns] == [["username"]]
