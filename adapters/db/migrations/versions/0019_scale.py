"""Columnar copies in parts: a copy row per part of at most a million rows of a file.

PostgreSQL refuses a field over 1 GB, and sends ``bytea`` as hex text, twice its
size: a 10-million-row export's copy (~760 MB of LZ4 Arrow) could be written but
not read back. Copies stored before this revision are one part, numbered 0.

Revision ID: 0019_scale
Revises: 0017_speed
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_scale"
down_revision: str | None = "0017_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("obligation_copies", "gateway_txn_copies")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("part", sa.Integer(), server_default=sa.text("0"), nullable=False))
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", ["file_id", "part"])


def downgrade() -> None:
    for table in _TABLES:
        # a copy in several parts is not kept whole in one value: its file is read from its rows
        # again (arrow NULL), its dates' range kept
        op.execute(
            f"UPDATE {table} SET arrow = NULL,"  # noqa: S608 - the table names are ours
            f" first_paid_date = (SELECT min(p.first_paid_date) FROM {table} p WHERE p.file_id = {table}.file_id),"
            f" last_paid_date = (SELECT max(p.last_paid_date) FROM {table} p WHERE p.file_id = {table}.file_id)"
            f" WHERE part = 0 AND file_id IN (SELECT file_id FROM {table} WHERE part > 0)"
        )
        op.execute(f"DELETE FROM {table} WHERE part > 0")  # noqa: S608
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", ["file_id"])
            batch.drop_column("part")
