"""Central agencies as payees; the budget classification; obligations without a province; agency logins.

An obligation owed to a ministry has no province (DESIGN.md §4), so
``province_code`` of the register becomes nullable; a discrepancy of such an
obligation carries ``agency_code``; users and API tokens of role ``agency``
are bound to one agency. ``treasuries`` (the SHKB and chapter of a province's
revenue, by date) and ``budget_items`` (the sub-item of each kind of
obligation) classify a statement's collections as the treasury books them.

Revision ID: 0015_agencies
Revises: 0014_audit
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_agencies"
down_revision: str | None = "0014_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OBLIGATION_TABLES = ("obligations", "obligation_history")
_AGENCY_COLUMNS = ("discrepancies", "users", "api_tokens")


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("treasury_account", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("treasury_code", sa.String(length=8), nullable=True),
        sa.Column("chapter", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agencies")),
        sa.UniqueConstraint("treasury_account", name=op.f("uq_agencies_treasury_account")),
    )
    op.create_table(
        "treasuries",
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("treasury_code", sa.String(length=8), nullable=False),
        sa.Column("treasury_name", sa.Text(), nullable=False),
        sa.Column("chapter", sa.String(length=8), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("province_code", "valid_from", name=op.f("pk_treasuries")),
    )
    op.create_table(
        "budget_items",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("sub_item", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_budget_items")),
    )
    for table in _OBLIGATION_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("province_code", existing_type=sa.String(length=8), nullable=True)
    for table in _AGENCY_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("agency_code", sa.String(length=16), nullable=True))


def downgrade() -> None:
    for table in _AGENCY_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("agency_code")
    for table in _OBLIGATION_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("province_code", existing_type=sa.String(length=8), nullable=False)
    op.drop_table("budget_items")
    op.drop_table("treasuries")
    op.drop_table("agencies")
