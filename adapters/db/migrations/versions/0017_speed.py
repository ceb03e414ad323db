"""A columnar copy of each obligations export, read by runs instead of the rows.

Exports stored before this revision have no copy: their obligations are still
read from ``obligations`` (:mod:`adapters.db.obligation_copies`).

Revision ID: 0017_speed
Revises: 0016_workbench
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0017_speed"
down_revision: str | None = "0016_workbench"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "obligation_copies",
        sa.Column("file_id", ID, autoincrement=False, nullable=False),
        sa.Column("first_paid_date", sa.Date(), nullable=True),
        sa.Column("last_paid_date", sa.Date(), nullable=True),
        sa.Column("arrow", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_obligation_copies_file_id_files")),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_obligation_copies")),
    )


def downgrade() -> None:
    op.drop_table("obligation_copies")
