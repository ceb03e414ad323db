"""The evidence behind a break, for its page: what the item rests on, read from the stored inputs.

- the obligation of its payment code (the register row and the file it came from);
- the gateway transactions: its own, or every transaction of its batch, paged;
- the run's verdict on its batch (expected, credited, status);
- the bank credits the run linked to the batch, and candidates: credits on the
  batch's treasury account, booked inside its settlement window, within
  :data:`NEAR_SHARE` of the expected amount, that the run linked to no batch;
  each with the file and statement it came from and its line (MT940) or
  element (camt);
- for a credit (``bank_ref``), the entry itself.

Every read is kept to the user's provinces (:func:`adapters.web.access.province_clause`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, and_, func, select

from adapters.db.run_tables import run_batches, run_credits
from adapters.db.schema import bank_entries, bank_statements, files, gateway_txns, obligations
from adapters.db.users import User
from adapters.web.access import province_clause

TXN_PAGE = 50
#: How near a candidate credit's amount must be to the batch's expected credit.
NEAR_SHARE = 0.05
CANDIDATES = 20


def evidence(conn: Connection, user: User, row: Mapping[str, Any], txn_page: int = 1) -> dict[str, Any]:
    """Everything above for ``row`` (a discrepancy as :func:`adapters.web.queries.discrepancy` returns it)."""
    batch = _batch(conn, user, row)
    found: dict[str, Any] = {
        "obligation": _obligation(conn, user, row.get("payment_code")),
        "batch": batch,
        "linked": _linked(conn, user, row) if row.get("batch_id") else [],
        "candidates": _candidates(conn, user, row, batch) if batch else [],
        "credit": _credit(conn, user, row) if row.get("bank_ref") else [],
    }
    found["txn_total"], found["txns"] = _txns(conn, user, row, txn_page)
    found["txn_page"] = txn_page
    found["txn_pages"] = max(1, -(-found["txn_total"] // TXN_PAGE))
    return found


def _obligation(conn: Connection, user: User, payment_code: str | None) -> dict[str, Any] | None:
    if not payment_code:
        return None
    o, f = obligations.c, files.c
    statement = (
        select(obligations, f.path.label("file_path"))
        .join(files, f.id == o.file_id)
        .where(o.payment_code == payment_code, province_clause(user, o.province_code))
    )
    found = conn.execute(statement).mappings().first()
    return None if found is None else dict(found)


def _txns(
    conn: Connection, user: User, row: Mapping[str, Any], page: int
) -> tuple[int, list[dict[str, Any]]]:
    g, f = gateway_txns.c, files.c
    if row.get("batch_id"):
        wanted = [g.batch_id == row["batch_id"]]
        if row.get("gateway"):
            wanted.append(g.gateway == row["gateway"])
    elif row.get("txn_id"):
        wanted = [g.txn_id == row["txn_id"]]
    else:
        return 0, []
    where = and_(*wanted, province_clause(user, g.province_code))
    total = int(conn.execute(select(func.count()).select_from(gateway_txns).where(where)).scalar_one())
    statement = (
        select(gateway_txns, f.path.label("file_path"))
        .join(files, f.id == g.file_id)
        .where(where)
        .order_by(g.paid_at, g.txn_id, g.id)
        .limit(TXN_PAGE)
        .offset((page - 1) * TXN_PAGE)
    )
    return total, [dict(r) for r in conn.execute(statement).mappings()]


def _batch(conn: Connection, user: User, row: Mapping[str, Any]) -> dict[str, Any] | None:
    if not row.get("batch_id"):
        return None
    b = run_batches.c
    statement = select(run_batches).where(
        b.run_id == row["run_id"], b.batch_id == row["batch_id"], province_clause(user, b.province_code)
    )
    found = conn.execute(statement).mappings().first()
    return None if found is None else dict(found)


def _entries() -> Any:
    e, s, f = bank_entries.c, bank_statements.c, files.c
    return (
        select(
            e.id,
            e.account,
            e.amount,
            e.booking_date,
            e.bank_ref,
            e.owner_ref,
            e.position,
            e.reversal,
            s.statement_id,
            f.path.label("file_path"),
            f.id.label("file_id"),
        )
        .join(bank_statements, s.id == e.statement_row_id)
        .join(files, f.id == s.file_id)
    )


def _linked(conn: Connection, user: User, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    c, e = run_credits.c, bank_entries.c
    statement = (
        _entries()
        .add_columns(c.link)
        .join(run_credits, c.entry_id == e.id)
        .where(
            c.run_id == row["run_id"],
            c.batch_id == row["batch_id"],
            province_clause(user, c.province_code),
        )
        .order_by(e.booking_date, e.id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def _candidates(
    conn: Connection, user: User, row: Mapping[str, Any], batch: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Unlinked credits on the batch's account, inside its window, near its expected amount."""
    if not batch.get("treasury_account"):
        return []
    c, e = run_credits.c, bank_entries.c
    expected = int(batch["expected_vnd"])
    slack = max(1, int(abs(expected) * NEAR_SHARE))
    start = batch.get("settlement_date") or batch.get("business_date")
    end = batch.get("window_end") or start
    statement = (
        _entries()
        .join(run_credits, and_(c.entry_id == e.id, c.run_id == row["run_id"]))
        .where(
            c.batch_id.is_(None),
            e.account == batch["treasury_account"],
            e.amount.between(expected - slack, expected + slack),
            province_clause(user, c.province_code),
        )
        .order_by(func.abs(e.amount - expected), e.id)
        .limit(CANDIDATES)
    )
    if start is not None and end is not None:
        statement = statement.where(e.booking_date.between(start, end))
    return [dict(r) for r in conn.execute(statement).mappings()]


def _credit(conn: Connection, user: User, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    c, e = run_credits.c, bank_entries.c
    statement = (
        _entries()
        .add_columns(c.batch_id, c.link)
        .join(run_credits, and_(c.entry_id == e.id, c.run_id == row["run_id"]))
        .where(c.bank_ref == row["bank_ref"], province_clause(user, c.province_code))
        .order_by(e.id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]
