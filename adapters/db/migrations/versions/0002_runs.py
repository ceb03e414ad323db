"""The run tables: runs, their discrepancy rows, and the work items' state.

Revision ID: 0002_runs
Revises: 0001_inputs
Create Date: 2026-11-26 07:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0002_runs"
down_revision: str | None = "0001_inputs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("provinces", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("input_fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint(
            "business_date", "scope", "version", name=op.f("uq_runs_business_date_scope_version")
        ),
    )
    op.create_index(op.f("ix_runs_business_date_finished_at"), "runs", ["business_date", "finished_at"])
    op.create_table(
        "discrepancies",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("business_date", sa.Date(), nullable=True),
        sa.Column("payment_code", sa.String(length=128), nullable=True),
        sa.Column("txn_id", sa.String(length=128), nullable=True),
        sa.Column("gateway", sa.String(length=64), nullable=True),
        sa.Column("batch_id", sa.String(length=128), nullable=True),
        sa.Column("bank_ref", sa.String(length=160), nullable=True),
        sa.Column("expected_vnd", sa.BigInteger(), nullable=True),
        sa.Column("actual_vnd", sa.BigInteger(), nullable=True),
        sa.Column("difference_vnd", sa.BigInteger(), nullable=True),
        sa.Column("age_days", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_discrepancies_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discrepancies")),
        sa.UniqueConstraint("run_id", "item_key", name=op.f("uq_discrepancies_run_id_item_key")),
    )
    op.create_index(op.f("ix_discrepancies_item_key"), "discrepancies", ["item_key"])
    op.create_table(
        "work_items",
        sa.Column("item_key", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=128), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("item_key", name=op.f("pk_work_items")),
    )


def downgrade() -> None:
    op.drop_table("work_items")
    op.drop_index(op.f("ix_discrepancies_item_key"), table_name="discrepancies")
    op.drop_table("discrepancies")
    op.drop_index(op.f("ix_runs_business_date_finished_at"), table_name="runs")
    op.drop_table("runs")
