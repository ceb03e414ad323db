"""Alembic environment: runs on the connection :func:`adapters.db.engine.migrate` hands in.

The migrations themselves are explicit ``op.create_table`` code; the metadata
is imported only so that ``alembic revision --autogenerate`` can compare.
"""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy import Connection, create_engine

from adapters.db.meta import metadata

for _module in (
    "adapters.db.schema",
    "adapters.db.run_tables",
    "adapters.db.ops_tables",
    "adapters.db.user_tables",
    "adapters.db.audit_tables",
):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:
        if exc.name != _module:
            raise


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite:///recon.db")
    with engine.connect() as fresh:
        _run(fresh)
