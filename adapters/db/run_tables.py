"""The run tables: each reconciliation run, its discrepancy rows, and the work on each item.

- ``runs``: one row per run and version (``2026-11-25-v2``), with its province
  scope, times, counts (JSON) and a fingerprint of the input files it read.
  A run is written in one transaction with its rows, so a run that exists is
  complete.
- ``discrepancies``: the rows of each run's report, in report order
  (``position``), with the columns of :data:`reconcile.discrepancies.DISCREPANCIES`
  and ``item_key`` (``UNDERPAID:T42``), which names the same problem across runs.
- ``work_items``: what people did about an item (status, assignee), keyed by
  ``item_key`` so it survives reruns.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from adapters.db.meta import Id, UtcDateTime, identifier, metadata

runs = Table(
    "runs",
    metadata,
    Column("id", String(160), primary_key=True),
    Column("business_date", Date, nullable=False),
    Column("scope", String(255), nullable=False),  # sorted province codes joined by ","; "" = all
    Column("provinces", Text, nullable=False),  # JSON list of province codes
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
    Column("counts", Text, nullable=False),  # JSON object
    Column("input_fingerprint", String(64), nullable=False),
    UniqueConstraint("business_date", "scope", "version"),
    Index(None, "business_date", "finished_at"),
)

discrepancies = Table(
    "discrepancies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", String(160), ForeignKey("runs.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("item_key", String(300), nullable=False),
    Column("category", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("province_code", String(8)),
    Column("agency_code", String(16)),  # a central agency's row: province_code is empty
    Column("business_date", Date),
    Column("payment_code", identifier(128)),
    Column("txn_id", identifier(128)),
    Column("gateway", String(64)),
    Column("batch_id", identifier(128)),
    Column("bank_ref", identifier(160)),
    Column("expected_vnd", BigInteger),
    Column("actual_vnd", BigInteger),
    Column("difference_vnd", BigInteger),
    Column("age_days", BigInteger),
    Column("detail", Text),
    UniqueConstraint("run_id", "item_key"),
    Index(None, "item_key"),
    Index(None, "run_id", "province_code"),
)

work_items = Table(
    "work_items",
    metadata,
    Column("item_key", String(300), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("assignee", String(128), index=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(128)),
)

#: Each run's verdict on every batch of its date (:data:`reconcile.verdict.BATCH_VERDICTS`).
run_batches = Table(
    "run_batches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", String(160), ForeignKey("runs.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("batch_id", identifier(128), nullable=False),
    Column("gateway", String(64), nullable=False),
    Column("province_code", String(8)),
    Column("treasury_account", String(64)),
    Column("business_date", Date),
    Column("settlement_date", Date),
    Column("window_end", Date),
    Column("fee_mode", String(8), nullable=False),
    Column("transactions", BigInteger, nullable=False),
    Column("collected_vnd", BigInteger, nullable=False),
    Column("refunded_vnd", BigInteger, nullable=False),
    Column("fee_vnd", BigInteger, nullable=False),
    Column("expected_vnd", BigInteger, nullable=False),
    Column("credited_vnd", BigInteger, nullable=False),
    Column("last_booking", Date),
    Column("status", String(16), nullable=False),
    UniqueConstraint("run_id", "batch_id"),
    Index(None, "run_id", "province_code"),
)

#: Each run's credits and the batch each settles, if any (:data:`reconcile.verdict.CREDIT_LINKS`).
run_credits = Table(
    "run_credits",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", String(160), ForeignKey("runs.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("entry_id", BigInteger, nullable=False),
    Column("account", String(64), nullable=False),
    Column("province_code", String(8)),
    Column("booking_date", Date),
    Column("bank_ref", identifier(160)),
    Column("amount_vnd", BigInteger, nullable=False),
    Column("batch_id", identifier(128)),
    Column("link", String(16)),
    Index(None, "run_id", "province_code"),
)
