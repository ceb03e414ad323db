"""Each run's verdict: every batch of its date as judged, every credit and the batch it settles.

Runs stored before this revision have no verdict rows; their statements
list no batches until the date is run again.

Revision ID: 0013_verdict
Revises: 0012_reference
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0013_verdict"
down_revision: str | None = "0012_reference"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_batches",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=128), nullable=False),
        sa.Column("gateway", sa.String(length=64), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("treasury_account", sa.String(length=64), nullable=True),
        sa.Column("business_date", sa.Date(), nullable=True),
        sa.Column("settlement_date", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("fee_mode", sa.String(length=8), nullable=False),
        sa.Column("transactions", sa.BigInteger(), nullable=False),
        sa.Column("collected_vnd", sa.BigInteger(), nullable=False),
        sa.Column("refunded_vnd", sa.BigInteger(), nullable=False),
        sa.Column("fee_vnd", sa.BigInteger(), nullable=False),
        sa.Column("expected_vnd", sa.BigInteger(), nullable=False),
        sa.Column("credited_vnd", sa.BigInteger(), nullable=False),
        sa.Column("last_booking", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_batches_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_batches")),
        sa.UniqueConstraint("run_id", "batch_id", name=op.f("uq_run_batches_run_id_batch_id")),
    )
    op.create_index(op.f("ix_run_batches_run_id_province_code"), "run_batches", ["run_id", "province_code"])
    op.create_table(
        "run_credits",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("bank_ref", sa.String(length=160), nullable=True),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.String(length=128), nullable=True),
        sa.Column("link", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_credits_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_credits")),
    )
    op.create_index(op.f("ix_run_credits_run_id_province_code"), "run_credits", ["run_id", "province_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_run_credits_run_id_province_code"), table_name="run_credits")
    op.drop_table("run_credits")
    op.drop_index(op.f("ix_run_batches_run_id_province_code"), table_name="run_batches")
    op.drop_table("run_batches")
