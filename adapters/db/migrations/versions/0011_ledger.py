"""The fetch ledger survives a crash at any point: claims, retries and versions of a remote name.

``fetched_files.sha256`` may be NULL: a row is written (the remote version is
claimed) before its download starts and gets its SHA-256 when the download is
complete, so a download cut short is known and cleaned up by the next fetch.
``ingest_attempts`` counts ingestions of the file that failed with an error
(not a rejection), so a file that keeps failing is given up after a few
tries instead of failing every fetch for ever.

Revision ID: 0011_ledger
Revises: 0010_gateway_identity
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_ledger"
down_revision: str | None = "0010_gateway_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fetched_files") as batch:
        batch.alter_column("sha256", existing_type=sa.String(length=64), nullable=True)
        batch.add_column(
            sa.Column("ingest_attempts", sa.Integer(), server_default="0", nullable=False),
        )


def downgrade() -> None:
    op.execute("DELETE FROM fetched_files WHERE sha256 IS NULL")
    with op.batch_alter_table("fetched_files") as batch:
        batch.drop_column("ingest_attempts")
        batch.alter_column("sha256", existing_type=sa.String(length=64), nullable=False)
