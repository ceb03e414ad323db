"""A columnar copy of each gateway file's transactions, read by runs instead of the rows.

Files stored before this revision get a row with no copy (``arrow`` NULL), so
their transactions are still read from ``gateway_txns``.

Revision ID: 0006_gateway_copies
Revises: 0005_lean_indexes
Create Date: 2026-11-26 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0006_gateway_copies"
down_revision: str | None = "0005_lean_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_txn_copies",
        sa.Column("file_id", ID, autoincrement=False, nullable=False),
        sa.Column("first_paid_date", sa.Date(), nullable=True),
        sa.Column("last_paid_date", sa.Date(), nullable=True),
        sa.Column("arrow", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_gateway_txn_copies_file_id_files")),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_gateway_txn_copies")),
    )
    op.execute("INSERT INTO gateway_txn_copies (file_id) SELECT DISTINCT file_id FROM gateway_txns")


def downgrade() -> None:
    op.drop_table("gateway_txn_copies")
