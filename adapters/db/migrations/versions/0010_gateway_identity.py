"""Gateway files identified by (gateway, file name); transactions by (gateway, txn_id).

Before this revision a gateway file was identified by its gateway and
collection dates, so a file re-sent with a different date span stayed current
beside the first (its transactions counted twice) and a second file of one day
replaced the first. Now (DESIGN.md §4) every file adds its transactions, the
same gateway and file name is a correction, and a transaction carried by
several current files counts once: ``gateway_txn_supersessions`` records
which rows a later file carries again.

The upgrade keeps every file and row as it is: current files get the new
identity (``gateway:NAME:FILE_NAME``, the name they were ingested under);
files already superseded keep the identity of the old rule, so the history of
corrections by date stays readable (``version``, ``supersedes_id``). Among the
current files, each transaction carried by several is superseded in all but
the latest ingested one, exactly as ingesting them now would have done.

Revision ID: 0010_gateway_identity
Revises: 0009_bank_refs
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0010_gateway_identity"
down_revision: str | None = "0009_bank_refs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTENT = (
    "payment_code",
    "province_code",
    "treasury_account",
    "amount_vnd",
    "fee_vnd",
    "status",
    "paid_at",
    "settlement_date",
    "batch_id",
    "original_txn_id",
)

_FILES = sa.table(
    "files",
    sa.column("id", ID),
    sa.column("path", sa.Text()),
    sa.column("identity", sa.Text()),
    sa.column("current", sa.Boolean()),
    sa.column("ingested_at", sa.DateTime()),
)


def upgrade() -> None:
    op.create_table(
        "gateway_txn_supersessions",
        sa.Column("file_id", ID, autoincrement=False, nullable=False),
        sa.Column("txn_id", sa.String(length=128), nullable=False),
        sa.Column("by_file_id", ID, autoincrement=False, nullable=False),
        sa.Column("gateway", sa.String(length=64), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("file_id", "txn_id", "by_file_id", name=op.f("pk_gateway_txn_supersessions")),
    )
    op.create_index(
        op.f("ix_gateway_txn_supersessions_by_file_id"), "gateway_txn_supersessions", ["by_file_id"]
    )
    op.create_index(
        op.f("ix_gateway_txn_supersessions_paid_date"), "gateway_txn_supersessions", ["paid_date"]
    )
    _rename_current_files()
    _supersede_carried_again()


def _rename_current_files() -> None:
    """``gateway:NAME:DATES`` → ``gateway:NAME:FILE_NAME`` on current files (a few per day: no bulk path)."""
    conn = op.get_bind()
    f = _FILES.c
    rows = conn.execute(
        sa.select(f.id, f.path, f.identity).where(f.current.is_(True), f.identity.like("gateway:%"))
    ).all()
    for row in rows:
        gateways = row.identity.split(":", 2)[1]
        conn.execute(sa.update(_FILES).where(f.id == row.id).values(identity=f"gateway:{gateways}:{row.path}"))


def _supersede_carried_again() -> None:
    """For each pair of current files carrying one transaction, the earlier one's row is superseded."""
    changed = " OR ".join(f"o.{name} IS DISTINCT FROM n.{name}" for name in CONTENT)
    if op.get_bind().dialect.name == "sqlite":
        changed = " OR ".join(f"o.{name} IS NOT n.{name}" for name in CONTENT)
    op.execute(
        f"""
        INSERT INTO gateway_txn_supersessions (file_id, txn_id, by_file_id, gateway, paid_date, changed)
        SELECT o.file_id, o.txn_id, n.file_id, o.gateway, o.paid_date, ({changed})
        FROM gateway_txns o
        JOIN files fo ON fo.id = o.file_id AND fo."current"
        JOIN gateway_txns n ON n.txn_id = o.txn_id AND n.gateway = o.gateway AND n.file_id <> o.file_id
        JOIN files fn ON fn.id = n.file_id AND fn."current"
        WHERE fn.ingested_at > fo.ingested_at OR (fn.ingested_at = fo.ingested_at AND fn.id > fo.id)
        """
    )


def downgrade() -> None:
    """Back to identities by collection dates (recomputed from the rows); supersessions are dropped."""
    conn = op.get_bind()
    f = _FILES.c
    dates = conn.execute(
        sa.text(
            "SELECT t.file_id, min(t.paid_date), max(t.paid_date) FROM gateway_txns t "
            'JOIN files ON files.id = t.file_id AND files."current" GROUP BY t.file_id'
        )
    ).all()
    for file_id, first, last in dates:
        identity = conn.execute(sa.select(f.identity).where(f.id == file_id)).scalar_one()
        if identity is None or not identity.startswith("gateway:"):
            continue
        span = str(first) if first == last else f"{first}..{last}"
        gateways = identity.split(":", 2)[1]
        conn.execute(sa.update(_FILES).where(f.id == file_id).values(identity=f"gateway:{gateways}:{span}"))
    op.drop_index(op.f("ix_gateway_txn_supersessions_paid_date"), table_name="gateway_txn_supersessions")
    op.drop_index(op.f("ix_gateway_txn_supersessions_by_file_id"), table_name="gateway_txn_supersessions")
    op.drop_table("gateway_txn_supersessions")
