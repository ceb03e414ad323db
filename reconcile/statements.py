"""Checks on bank statements that hold whatever format they came in."""

from __future__ import annotations

from reconcile.records import BankStatement, Direction, Issue

#: The status of an entry that has moved the booked balance.
BOOKED = "BOOK"


def credit_debit_totals(statement: BankStatement) -> dict[str, dict[str, int]]:
    """Credits and debits per currency in minor units, over every entry whatever its status.

    The statement's own currency is always there, zero when nothing moved: a
    statement with no entries still says "nothing in VND", not nothing at all.
    """
    totals: dict[str, dict[str, int]] = {}
    if statement.currency:
        totals[statement.currency] = {"credit": 0, "debit": 0}
    for entry in statement.entries:
        bucket = totals.setdefault(entry.currency, {"credit": 0, "debit": 0})
        bucket["credit" if entry.direction is Direction.CREDIT else "debit"] += entry.amount
    return totals


def continuity_issue(statement: BankStatement, source: str, where: str | None = None) -> Issue | None:
    """An :class:`Issue` if opening + credits − debits ≠ closing; ``None`` if it holds or cannot be told.

    Only booked entries move a booked balance: camt's ``CLBD`` is the closing
    *booked* balance, so pending (``PDNG``) and information-only (``INFO``)
    entries are left out of the sum. A break is reported, never "fixed": the
    statement is stored as the bank sent it.
    """
    opening, closing = statement.opening, statement.closing
    if opening is None or closing is None:
        return None
    net = sum(
        entry.signed_amount
        for entry in statement.entries
        if entry.currency == opening.currency and entry.status == BOOKED
    )
    difference = opening.amount + net - closing.amount
    if difference == 0:
        return None
    return Issue(
        source,
        where,
        f"balance continuity broken for account {statement.account} statement "
        f"{statement.statement_id}: opening {opening.amount} + entries {net} "
        f"≠ closing {closing.amount} (difference {difference} minor units of {opening.currency})",
    )
