"""A bank entry keeps the MT940 reference for the account owner and the structured purpose text.

``owner_ref`` is the ``:61:`` reference before ``//`` (MT940's end-to-end
reference, where a treasury's bank puts the settlement batch id); ``purpose``
is the ``:86:`` ``/REMI/`` or ``?20``-``?29`` text. Entries stored before this
revision have neither (NULL): their end-to-end reference and remittance are
unchanged, so runs read them as before.

Revision ID: 0009_bank_refs
Revises: 0006_gateway_copies
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_bank_refs"
down_revision: str | None = "0006_gateway_copies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.add_column(sa.Column("owner_ref", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("purpose", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.drop_column("purpose")
        batch.drop_column("owner_ref")
