"""Drop the index on ``gateway_txns.payment_code``: no query reads by it, and it cost the most.

Every secondary index is updated row by row as a gateway file is stored; a
payment code is a random key, so its index was the dearest of the four (3.3 of
9 CPU seconds per million transactions on SQLite). Transactions are read by
``paid_date`` (a run's range), ``txn_id`` (refunds' originals, portal records)
and ``batch_id`` (statements), which keep their indexes.

Revision ID: 0005_lean_indexes
Revises: 0004_users
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_lean_indexes"
down_revision: str | None = "0004_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_gateway_txns_payment_code"), table_name="gateway_txns")


def downgrade() -> None:
    op.create_index(op.f("ix_gateway_txns_payment_code"), "gateway_txns", ["payment_code"], unique=False)
