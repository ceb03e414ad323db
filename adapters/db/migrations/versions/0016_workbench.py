"""The workbench: indexes for paging a day's breaks by province and assignee; the pair of a manual match.

Revision ID: 0016_workbench
Revises: 0015_agencies
Create Date: 2026-12-05 07:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_workbench"
down_revision: str | None = "0015_agencies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_discrepancies_run_id_province_code"), "discrepancies", ["run_id", "province_code"]
    )
    op.create_index(op.f("ix_work_items_assignee"), "work_items", ["assignee"])
    with op.batch_alter_table("discrepancy_actions") as batch:
        batch.add_column(sa.Column("match_key", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("discrepancy_actions") as batch:
        batch.drop_column("match_key")
    op.drop_index(op.f("ix_work_items_assignee"), table_name="work_items")
    op.drop_index(op.f("ix_discrepancies_run_id_province_code"), table_name="discrepancies")
