"""Reference data by channel and holiday kind (DESIGN.md §3).

``fee_schedule`` gains ``channel`` (``online``, the amount due when paid through
the portal, or ``counter``), part of its key so that both amounts of a procedure
can be valid at once; existing rows become ``online``, as the run judges portal
payments by them. ``holidays`` gains ``kind`` (``holiday``, ``swap_off``,
``swap_work``); existing rows are ``holiday``. SQLite rebuilds the tables
(batch mode); PostgreSQL alters them in place.

Revision ID: 0012_reference
Revises: 0011_ledger
Create Date: 2026-12-04 17:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_reference"
down_revision: str | None = "0011_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FEE_KEY = ["province_code", "procedure_code", "valid_from"]


def upgrade() -> None:
    with op.batch_alter_table("fee_schedule") as batch:
        batch.add_column(sa.Column("channel", sa.String(16), nullable=False, server_default="online"))
        batch.drop_constraint("pk_fee_schedule", type_="primary")
        batch.create_primary_key("pk_fee_schedule", [*_FEE_KEY, "channel"])
    with op.batch_alter_table("holidays") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="holiday"))


def downgrade() -> None:
    with op.batch_alter_table("holidays") as batch:
        batch.drop_column("kind")
    op.execute("DELETE FROM fee_schedule WHERE channel <> 'online'")
    with op.batch_alter_table("fee_schedule") as batch:
        batch.drop_constraint("pk_fee_schedule", type_="primary")
        batch.create_primary_key("pk_fee_schedule", _FEE_KEY)
        batch.drop_column("channel")
