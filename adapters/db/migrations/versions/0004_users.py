"""The web application's tables: users and the treasury workflow on discrepancies.

Revision ID: 0004_users
Revises: 0003_ops
Create Date: 2026-11-26 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0004_users"
down_revision: str | None = "0003_ops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "discrepancy_actions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("item_key", sa.String(length=300), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(length=128), nullable=True),
        sa.Column("request_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["discrepancy_actions.id"],
            name=op.f("fk_discrepancy_actions_request_id_discrepancy_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discrepancy_actions")),
    )
    op.create_index(
        op.f("ix_discrepancy_actions_item_key_created_at"),
        "discrepancy_actions",
        ["item_key", "created_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_discrepancy_actions_item_key_created_at"), table_name="discrepancy_actions")
    op.drop_table("discrepancy_actions")
    op.drop_table("users")
