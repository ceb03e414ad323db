"""The input tables and the reference data.

Files, obligations (current and history), gateway transactions, bank statements,
entries and details, and the reference tables of fixtures/*.csv. Explicit DDL:
the ORM metadata is not imported here, so this revision never changes under us.

Revision ID: 0001_inputs
Revises:
Create Date: 2026-11-26 07:40:39.038953
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

#: Surrogate keys: BIGINT on PostgreSQL, INTEGER on SQLite (only that aliases the rowid).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


revision: str = "0001_inputs"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fee_schedule",
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("procedure_code", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint(
            "province_code", "procedure_code", "valid_from", name=op.f("pk_fee_schedule")
        ),
    )
    op.create_table(
        "files",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("identity", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("supersedes_id", ID, nullable=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("warnings", sa.Text(), server_default="[]", nullable=False),
        sa.Column("statements", sa.Integer(), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=True),
        sa.Column("totals", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(["supersedes_id"], ["files.id"], name=op.f("fk_files_supersedes_id_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_files_sha256")),
    )
    op.create_index(op.f("ix_files_identity"), "files", ["identity"], unique=False)
    op.create_table(
        "holidays",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("date", name=op.f("pk_holidays")),
    )
    op.create_table(
        "province_merges",
        sa.Column("old_code", sa.String(length=8), nullable=False),
        sa.Column("new_code", sa.String(length=8), nullable=False),
        sa.Column("new_name", sa.Text(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("old_code", name=op.f("pk_province_merges")),
    )
    op.create_table(
        "provinces",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("treasury_account", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_provinces")),
        sa.UniqueConstraint("treasury_account", name=op.f("uq_provinces_treasury_account")),
    )
    op.create_table(
        "registration_tax_rates",
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("asset_class", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate", sa.String(length=16), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint(
            "province_code", "asset_class", "valid_from", name=op.f("pk_registration_tax_rates")
        ),
    )
    op.create_table(
        "bank_statements",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("file_id", ID, nullable=False),
        sa.Column("identity", sa.Text(), nullable=False),
        sa.Column("statement_id", sa.String(length=128), nullable=False),
        sa.Column("sequence", sa.String(length=64), nullable=True),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("opening_amount", sa.BigInteger(), nullable=True),
        sa.Column("closing_amount", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", ID, nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_bank_statements_file_id_files")),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["bank_statements.id"],
            name=op.f("fk_bank_statements_supersedes_id_bank_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
    )
    op.create_index(
        op.f("ix_bank_statements_account_to_date"), "bank_statements", ["account", "to_date"], unique=False
    )
    op.create_index(op.f("ix_bank_statements_identity"), "bank_statements", ["identity"], unique=False)
    op.create_table(
        "gateway_txns",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("file_id", ID, nullable=False),
        sa.Column("txn_id", sa.String(length=128), nullable=False),
        sa.Column("payment_code", sa.String(length=128), nullable=True),
        sa.Column("gateway", sa.String(length=64), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("treasury_account", sa.String(length=64), nullable=True),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("fee_vnd", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("settlement_date", sa.Date(), nullable=True),
        sa.Column("batch_id", sa.String(length=128), nullable=True),
        sa.Column("original_txn_id", sa.String(length=128), nullable=True),
        sa.Column("line", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_gateway_txns_file_id_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_txns")),
    )
    op.create_index(op.f("ix_gateway_txns_batch_id"), "gateway_txns", ["batch_id"], unique=False)
    op.create_index(op.f("ix_gateway_txns_paid_date"), "gateway_txns", ["paid_date"], unique=False)
    op.create_index(op.f("ix_gateway_txns_payment_code"), "gateway_txns", ["payment_code"], unique=False)
    op.create_index(op.f("ix_gateway_txns_txn_id"), "gateway_txns", ["txn_id"], unique=False)
    op.create_table(
        "obligation_history",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("payment_code", sa.String(length=128), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=True),
        sa.Column("procedure_code", sa.String(length=64), nullable=True),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_date", sa.Date(), nullable=True),
        sa.Column("portal_status", sa.String(length=16), nullable=False),
        sa.Column("portal_txn_id", sa.String(length=128), nullable=True),
        sa.Column("portal_paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("portal_paid_date", sa.Date(), nullable=True),
        sa.Column("asset_class", sa.String(length=32), nullable=True),
        sa.Column("taxable_value_vnd", sa.BigInteger(), nullable=True),
        sa.Column("file_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_obligation_history_file_id_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligation_history")),
    )
    op.create_table(
        "obligations",
        sa.Column("payment_code", sa.String(length=128), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=True),
        sa.Column("procedure_code", sa.String(length=64), nullable=True),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_date", sa.Date(), nullable=True),
        sa.Column("portal_status", sa.String(length=16), nullable=False),
        sa.Column("portal_txn_id", sa.String(length=128), nullable=True),
        sa.Column("portal_paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("portal_paid_date", sa.Date(), nullable=True),
        sa.Column("asset_class", sa.String(length=32), nullable=True),
        sa.Column("taxable_value_vnd", sa.BigInteger(), nullable=True),
        sa.Column("file_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], name=op.f("fk_obligations_file_id_files")),
        sa.PrimaryKeyConstraint("payment_code", name=op.f("pk_obligations")),
    )
    op.create_index(
        op.f("ix_obligations_portal_paid_date"), "obligations", ["portal_paid_date"], unique=False
    )
    op.create_table(
        "bank_entries",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("statement_row_id", ID, nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("reversal", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("bank_ref", sa.String(length=128), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=128), nullable=True),
        sa.Column("remittance", sa.Text(), nullable=True),
        sa.Column("charges", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["statement_row_id"],
            ["bank_statements.id"],
            name=op.f("fk_bank_entries_statement_row_id_bank_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entries")),
    )
    op.create_index(op.f("ix_bank_entries_booking_date"), "bank_entries", ["booking_date"], unique=False)
    op.create_index(op.f("ix_bank_entries_end_to_end_id"), "bank_entries", ["end_to_end_id"], unique=False)
    op.create_index(
        op.f("ix_bank_entries_statement_row_id"), "bank_entries", ["statement_row_id"], unique=False
    )
    op.create_table(
        "bank_entry_details",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("end_to_end_id", sa.String(length=128), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("remittance", sa.Text(), nullable=True),
        sa.Column("references", sa.Text(), server_default="[]", nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["bank_entries.id"], name=op.f("fk_bank_entry_details_entry_id_bank_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entry_details")),
    )
    op.create_index(
        op.f("ix_bank_entry_details_end_to_end_id"), "bank_entry_details", ["end_to_end_id"], unique=False
    )
    op.create_index(op.f("ix_bank_entry_details_entry_id"), "bank_entry_details", ["entry_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_entry_details_entry_id"), table_name="bank_entry_details")
    op.drop_index(op.f("ix_bank_entry_details_end_to_end_id"), table_name="bank_entry_details")
    op.drop_table("bank_entry_details")
    op.drop_index(op.f("ix_bank_entries_statement_row_id"), table_name="bank_entries")
    op.drop_index(op.f("ix_bank_entries_end_to_end_id"), table_name="bank_entries")
    op.drop_index(op.f("ix_bank_entries_booking_date"), table_name="bank_entries")
    op.drop_table("bank_entries")
    op.drop_index(op.f("ix_obligations_portal_paid_date"), table_name="obligations")
    op.drop_table("obligations")
    op.drop_table("obligation_history")
    op.drop_index(op.f("ix_gateway_txns_txn_id"), table_name="gateway_txns")
    op.drop_index(op.f("ix_gateway_txns_payment_code"), table_name="gateway_txns")
    op.drop_index(op.f("ix_gateway_txns_paid_date"), table_name="gateway_txns")
    op.drop_index(op.f("ix_gateway_txns_batch_id"), table_name="gateway_txns")
    op.drop_table("gateway_txns")
    op.drop_index(op.f("ix_bank_statements_identity"), table_name="bank_statements")
    op.drop_index(op.f("ix_bank_statements_account_to_date"), table_name="bank_statements")
    op.drop_table("bank_statements")
    op.drop_table("registration_tax_rates")
    op.drop_table("provinces")
    op.drop_table("province_merges")
    op.drop_table("holidays")
    op.drop_index(op.f("ix_files_identity"), table_name="files")
    op.drop_table("files")
    op.drop_table("fee_schedule")
