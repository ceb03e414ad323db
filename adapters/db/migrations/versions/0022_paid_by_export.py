"""The register's index on the day paid also holds each obligation's export.

A run asks the register how many of its obligations paid on the day each
export holds (:func:`adapters.db.obligation_copies.read_paid_on`), to know
which exports' copies it may trust. With the index on ``portal_paid_date``
alone, every row counted was then looked up in the table for its ``file_id``:
at a million obligations paid on the day ≈ 0.3 s on SQLite, rows visited in
payment-code order, not in the index's. With ``file_id`` in the index the
count is read from the index alone, and every query by day uses it as before.

Revision ID: 0022_paid_by_export
Revises: 0021_identifiers
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0022_paid_by_export"
down_revision: str | None = "0021_identifiers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_obligations_portal_paid_date_file_id"), "obligations", ["portal_paid_date", "file_id"]
    )
    op.drop_index(op.f("ix_obligations_portal_paid_date"), table_name="obligations")


def downgrade() -> None:
    op.create_index(op.f("ix_obligations_portal_paid_date"), "obligations", ["portal_paid_date"])
    op.drop_index(op.f("ix_obligations_portal_paid_date_file_id"), table_name="obligations")
