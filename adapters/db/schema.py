"""The input tables: files, obligations, gateway transactions, bank statements, reference data.

The columns mirror :mod:`reconcile.columns` so Arrow tables load and come back
without renaming. Money is ``BIGINT`` minor units, dates are ``DATE`` (local
business dates), timestamps are UTC (:class:`~adapters.db.meta.UtcDateTime`).

History is kept, never overwritten: a corrected gateway file (same gateway and
file name) or bank statement is a new version and the old one stays with
``current = false``; a transaction carried again by a later gateway file is
superseded, not deleted (``gateway_txn_supersessions``); the portal's
obligations keep the newest version in ``obligations`` and every version in
the export that carried it (``obligation_copies``; ``obligation_history`` for
exports stored before copies existed). Files are never deleted (a trigger refuses it), so
the many rows of a file need no foreign key (see ``files``). Rates are text,
not ``NUMERIC``: SQLite would turn ``0.12`` into a float.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    text,
)

from adapters.db.meta import Id, UtcDateTime, identifier, metadata

#: Every file offered for ingestion, accepted or rejected; duplicates add no row. A file is
#: never deleted: a trigger (``files_kept``, migration 0020_bulk) refuses it. So gateway
#: transactions and obligations, a million rows a day, carry their file's id without a
#: foreign key, whose check PostgreSQL ran for every row loaded (a quarter of storing a
#: day): ingestion writes the file's row first and its rows after it, with that row's id,
#: in one transaction, and no reference can be left dangling.
files = Table(
    "files",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("path", Text, nullable=False),  # the name it was offered under
    Column("format", String(64)),
    Column("status", String(16), nullable=False),  # accepted | correction | rejected
    # gateway:NAME:FILE_NAME (before 0010: gateway:NAME:DATES, kept on files superseded then);
    # bank files carry it per statement
    Column("identity", Text),
    Column("version", Integer),  # 1 for the first file of an identity; NULL when rejected
    Column("supersedes_id", Id, ForeignKey("files.id")),
    Column("current", Boolean, nullable=False),
    Column("ingested_at", UtcDateTime, nullable=False),
    Column("error", Text),
    Column("warnings", Text, nullable=False, server_default="[]"),  # JSON list of text
    Column("statements", Integer),
    Column("entries", Integer),
    Column("totals", Text, nullable=False, server_default="{}"),  # JSON {CCY: {credit, debit}}
    Index(None, "identity"),
)


def _obligation_columns() -> list[Column[object]]:
    return [
        Column("province_code", String(8)),  # empty for a central agency's obligation (agency_code)
        Column("kind", String(32), nullable=False),
        Column("agency_code", String(64)),
        Column("procedure_code", String(64)),
        Column("amount_vnd", BigInteger, nullable=False),
        Column("issued_at", UtcDateTime),
        Column("issued_date", Date),
        Column("portal_status", String(16), nullable=False),
        Column("portal_txn_id", identifier(128)),
        Column("portal_paid_at", UtcDateTime),
        Column("portal_paid_date", Date),
        Column("asset_class", String(32)),
        Column("taxable_value_vnd", BigInteger),
    ]


#: The portal's register (sổ nghĩa vụ): the newest version of each obligation.
obligations = Table(
    "obligations",
    metadata,
    Column("payment_code", identifier(128), primary_key=True),
    *_obligation_columns(),
    Column("file_id", Id, nullable=False),  # no foreign key: see files
    Index(None, "portal_paid_date", "file_id"),  # a run counts its day by export from the index alone
)

#: The versions of obligations carried by the exports stored before their columnar copies
#: became the trace of every version (2026-12): no longer written. An export's versions are
#: its copy's rows (:func:`adapters.db.obligation_copies.export_versions`); the rows here
#: stay, as the only trace of the exports stored before copies existed (revision 0017).
obligation_history = Table(
    "obligation_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("payment_code", identifier(128), nullable=False),
    *_obligation_columns(),
    Column("file_id", Id, nullable=False),  # no foreign key: see files
    # no secondary index: the history is read by file (an id range) or, rarely, by an auditor
)

#: A columnar copy of each obligations export's rows (an Arrow IPC stream), written in the same
#: transaction as its rows, with the range of its ``portal_paid_date``: a run reads a day's
#: obligations from it (:mod:`adapters.db.obligation_copies`). ``obligations`` stays the record.
obligation_copies = Table(
    "obligation_copies",
    metadata,
    Column("file_id", Id, ForeignKey("files.id"), primary_key=True, autoincrement=False),
    # a copy is stored in parts of at most COPY_PART_ROWS rows (adapters.db.arrow_copies), so no
    # value nears PostgreSQL's 1 GB limit on a field (10M rows are ~760 MB of LZ4 Arrow)
    Column("part", Integer, primary_key=True, autoincrement=False, server_default=text("0")),
    Column("first_paid_date", Date),
    Column("last_paid_date", Date),
    Column("arrow", LargeBinary),
)

#: Gateway transactions; a row is current when its file is.
gateway_txns = Table(
    "gateway_txns",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("file_id", Id, nullable=False),  # no foreign key: see files
    Column("txn_id", identifier(128), nullable=False),
    Column("payment_code", identifier(128)),
    Column("gateway", String(64), nullable=False),
    Column("province_code", String(8)),
    Column("treasury_account", String(64)),
    Column("amount_vnd", BigInteger, nullable=False),
    Column("fee_vnd", BigInteger),
    Column("status", String(16), nullable=False),
    Column("paid_at", UtcDateTime),
    Column("paid_date", Date),
    Column("settlement_date", Date),
    Column("batch_id", identifier(128)),
    Column("original_txn_id", identifier(128)),
    Column("line", BigInteger),
    # by the queries that use them: a run's range, statements' batches, ties by id (not by
    # payment code: each index costs seconds per million rows stored, see migration 0005)
    Index(None, "paid_date"),
    Index(None, "batch_id"),
    Index(None, "txn_id"),
)

#: A columnar copy of each gateway file's transactions (an Arrow IPC stream), written in the
#: same transaction as its rows: a run reads a million transactions from it in a fraction of a
#: second, where building them from rows costs seconds. The rows stay the record; they are never
#: changed after they are written (a correction is a new file). ``arrow`` is NULL for a file
#: stored before copies existed: its transactions are read from the rows.
gateway_txn_copies = Table(
    "gateway_txn_copies",
    metadata,
    Column("file_id", Id, ForeignKey("files.id"), primary_key=True, autoincrement=False),
    Column("part", Integer, primary_key=True, autoincrement=False, server_default=text("0")),
    Column("first_paid_date", Date),
    Column("last_paid_date", Date),
    Column("arrow", LargeBinary),
)

#: A transaction (gateway, txn_id) of a file that a later current file carries again: while
#: ``by_file_id`` is current, the row of ``file_id`` is history and runs read ``by_file_id``'s.
#: Written when ``by_file_id`` is ingested, for the rows of every file current then; a row is
#: therefore read from the latest current file that carries it, whichever files come and go.
#: ``paid_date`` (the superseded row's) lets a run read only its range; ``changed`` tells a
#: re-sent identical row from one whose content the later file changed.
gateway_txn_supersessions = Table(
    "gateway_txn_supersessions",
    metadata,
    # no foreign keys: a file's supersessions are written with its row, in its transaction, and
    # file rows are never deleted; checking 2 keys per row cost PostgreSQL seconds per 100k rows
    Column("file_id", Id, primary_key=True, autoincrement=False),
    Column("txn_id", identifier(128), primary_key=True),
    Column("by_file_id", Id, primary_key=True, autoincrement=False),
    Column("gateway", String(64), nullable=False),
    Column("paid_date", Date),
    Column("changed", Boolean, nullable=False),
    Index(None, "paid_date"),
    Index(None, "by_file_id"),
)

#: Bank statements (sao kê): the correction unit of bank files.
bank_statements = Table(
    "bank_statements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("file_id", Id, ForeignKey("files.id"), nullable=False),
    Column("identity", Text, nullable=False),
    Column("statement_id", String(128), nullable=False),
    Column("sequence", String(64)),
    Column("account", String(64), nullable=False),
    Column("currency", String(3)),
    Column("from_date", Date),
    Column("to_date", Date),
    Column("opening_amount", BigInteger),
    Column("closing_amount", BigInteger),
    Column("created_at", UtcDateTime),
    Column("current", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("supersedes_id", Id, ForeignKey("bank_statements.id")),
    Column("content_sha256", String(64), nullable=False),
    Index(None, "identity"),
    Index(None, "account", "to_date"),
)

#: Bank entries (``Ntry`` / ``:61:``); ``id`` is the ``entry_id`` of BANK_ENTRIES.
bank_entries = Table(
    "bank_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("statement_row_id", Id, ForeignKey("bank_statements.id"), nullable=False),
    Column("account", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("direction", String(4), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("booking_date", Date),
    Column("value_date", Date),
    Column("reversal", Boolean, nullable=False),
    Column("status", String(8), nullable=False),
    Column("bank_ref", identifier(128)),
    Column("end_to_end_id", identifier(128)),
    Column("remittance", Text),
    Column("charges", BigInteger, nullable=False),
    Column("position", String(128)),
    Column("owner_ref", String(128)),  # MT940 :61: reference for the account owner
    Column("purpose", Text),  # MT940 :86: /REMI/ or ?20-?29 purpose text
    Index(None, "statement_row_id"),
    Index(None, "booking_date"),
    Index(None, "end_to_end_id"),
)

#: The ``TxDtls`` of batch-booked entries.
bank_entry_details = Table(
    "bank_entry_details",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entry_id", Id, ForeignKey("bank_entries.id"), nullable=False),
    Column("end_to_end_id", identifier(128)),
    Column("amount", BigInteger),
    Column("remittance", Text),
    Column("references", Text, nullable=False, server_default="[]"),  # JSON list of text
    Index(None, "entry_id"),
    Index(None, "end_to_end_id"),
)

#: Reference data (``fixtures/*.csv``, DESIGN.md §3).
provinces = Table(
    "provinces",
    metadata,
    Column("code", String(8), primary_key=True),
    Column("name", Text, nullable=False),
    Column("treasury_account", String(64), nullable=False, unique=True),
    Column("active", Boolean, nullable=False),
)

#: ``agencies.csv``: ministries and central agencies collecting beside the provinces (DESIGN.md §3).
agencies = Table(
    "agencies",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", String(16), nullable=False),  # central
    Column("province_code", String(8)),
    Column("treasury_account", String(64), nullable=False, unique=True),
    Column("active", Boolean, nullable=False),
    Column("treasury_code", String(8)),  # SHKB of the treasury holding the account
    Column("chapter", String(8)),  # chương of the budget classification
)

#: ``treasuries.csv``: the State Treasury (SHKB) that books a province's revenue, and its chapter, by date.
treasuries = Table(
    "treasuries",
    metadata,
    Column("province_code", String(8), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("treasury_code", String(8), nullable=False),
    Column("treasury_name", Text, nullable=False),
    Column("chapter", String(8)),
    Column("valid_to", Date),
)

#: ``budget_items.csv``: the budget sub-item (tiểu mục) an obligation is booked under.
budget_items = Table(
    "budget_items",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("key", String(64), primary_key=True),  # the asset class (registration tax), else the procedure
    Column("sub_item", String(8), nullable=False),
    Column("name", Text, nullable=False),
)

province_merges = Table(
    "province_merges",
    metadata,
    Column("old_code", String(8), primary_key=True),
    Column("new_code", String(8), nullable=False),
    Column("new_name", Text, nullable=False),
    Column("effective_date", Date, nullable=False),
)

#: An upper bound of the total of each column a run sums (``gateway_txns.amount_vnd``, ...),
#: raised by every file stored, so a file's headroom under ``int64`` is checked without a pass
#: over a table holding every day ever ingested (:mod:`adapters.db.headroom`). No row: not
#: known yet, the next file sums the column once.
stored_totals = Table(
    "stored_totals",
    metadata,
    Column("table_name", String(64), primary_key=True),
    Column("column_name", String(64), primary_key=True),
    Column("bound", BigInteger, nullable=False),  # at most int64's largest value (saturated)
)

registration_tax_rates = Table(
    "registration_tax_rates",
    metadata,
    Column("province_code", String(8), primary_key=True),
    Column("asset_class", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("rate", String(16), nullable=False),  # exact decimal text: 0.12
    Column("valid_to", Date),
)

fee_schedule = Table(
    "fee_schedule",
    metadata,
    Column("province_code", String(8), primary_key=True),
    Column("procedure_code", String(64), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("channel", String(16), primary_key=True, server_default="online"),  # online | counter
    Column("kind", String(32), nullable=False),
    Column("amount_vnd", BigInteger, nullable=False),
    Column("valid_to", Date),
)

holidays = Table(
    "holidays",
    metadata,
    Column("date", Date, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False, server_default="holiday"),  # holiday | swap_off | swap_work
)
