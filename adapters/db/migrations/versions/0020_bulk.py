"""Bulk rows without a per-row or per-table check: files are kept for ever, totals bounded.

A foreign key from ``gateway_txns``, ``obligation_history`` and ``obligations``
to ``files`` made PostgreSQL run a trigger for every row loaded (a look-up and a
lock of the file's row): a quarter of the time of storing a million-payment day.
Those rows reference their file by construction: ingestion inserts the file's
row first and its rows after it, in one transaction, with that row's id. What a
foreign key adds beyond that is refusing to delete a file that rows reference;
a trigger now refuses to delete any file, once per statement, not per row: the
ingest ledger is append-only (a correction is a new file, never a deletion).

A file's headroom under ``int64`` (:mod:`adapters.db.headroom`) summed the whole
table the file goes to, every day ever ingested, before storing it: ``stored_totals``
keeps an upper bound of each such total instead, raised by every file; the column
is summed again only when the bound leaves no room (no row: not known yet).

The columnar copies are LZ4-compressed Arrow: PostgreSQL's own compression of
large values (TOAST, pglz) cost seconds per million rows and saved nothing, so
their ``arrow`` is stored as sent (``STORAGE EXTERNAL``).

Revision ID: 0020_bulk
Revises: 0019_scale
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_bulk"
down_revision: str | None = "0019_scale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILE_ROWS = ("gateway_txns", "obligation_history", "obligations")
_COPIES = ("obligation_copies", "gateway_txn_copies")
_REFUSAL = "files are never deleted: a correction is a new file"


def upgrade() -> None:
    op.create_table(
        "stored_totals",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("column_name", sa.String(length=64), nullable=False),
        sa.Column("bound", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "column_name", name=op.f("pk_stored_totals")),
    )
    for table in _FILE_ROWS:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_file_id_files", type_="foreignkey")
    if _postgresql():
        for table in _COPIES:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN arrow SET STORAGE EXTERNAL")
        op.execute(
            "CREATE FUNCTION files_kept() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER files_kept BEFORE DELETE OR TRUNCATE ON files "
            "FOR EACH STATEMENT EXECUTE FUNCTION files_kept()"
        )
    else:
        op.execute(f"CREATE TRIGGER files_kept BEFORE DELETE ON files BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER files_kept ON files" if _postgresql() else "DROP TRIGGER files_kept")
    if _postgresql():
        op.execute("DROP FUNCTION files_kept()")
        for table in _COPIES:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN arrow SET STORAGE EXTENDED")
    for table in _FILE_ROWS:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(f"fk_{table}_file_id_files", "files", ["file_id"], ["id"])
    op.drop_table("stored_totals")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"
