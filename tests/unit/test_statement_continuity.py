"""Balance continuity: opening + booked credits − booked debits = closing, or a reported break."""

from __future__ import annotations

import datetime as dt

from reconcile.records import Balance, BankEntry, BankStatement, Direction
from reconcile.statements import continuity_issue, credit_debit_totals

DAY = dt.date(2026, 11, 25)


def _entry(amount: int, direction: Direction, status: str = "BOOK") -> BankEntry:
    return BankEntry(amount, "VND", direction, DAY, DAY, status=status)


def _statement(*entries: BankEntry, closing: int) -> BankStatement:
    balances = (Balance("OPBD", 1_000, "VND", DAY), Balance("CLBD", closing, "VND", DAY))
    return BankStatement("S1", "1", "7111790000001", "VND", None, balances, entries)


def test_a_statement_whose_booked_entries_add_up_has_no_issue() -> None:
    statement = _statement(_entry(500, Direction.CREDIT), _entry(200, Direction.DEBIT), closing=1_300)
    assert continuity_issue(statement, "s.xml") is None


def test_a_break_is_reported_with_its_difference() -> None:
    statement = _statement(_entry(500, Direction.CREDIT), closing=1_400)
    issue = continuity_issue(statement, "s.xml", "Stmt[1]")
    assert issue is not None
    assert issue.source == "s.xml"
    assert issue.where == "Stmt[1]"
    assert "difference 100" in issue.message


def test_a_pending_entry_does_not_move_the_booked_balance() -> None:
    statement = _statement(
        _entry(500, Direction.CREDIT), _entry(9_000, Direction.CREDIT, status="PDNG"), closing=1_500
    )
    assert continuity_issue(statement, "s.xml") is None


def test_totals_count_every_entry_whatever_its_status() -> None:
    statement = _statement(
        _entry(500, Direction.CREDIT), _entry(9_000, Direction.CREDIT, status="PDNG"), closing=1_500
    )
    assert credit_debit_totals(statement) == {"VND": {"credit": 9_500, "debit": 0}}


def test_without_both_balances_continuity_cannot_be_told() -> None:
    statement = BankStatement("S1", None, "A", "VND", None, (), (_entry(1, Direction.CREDIT),))
    assert continuity_issue(statement, "s.xml") is None


def test_a_statement_without_entries_totals_zero_in_its_currency() -> None:
    assert credit_debit_totals(_statement(closing=1_000)) == {"VND": {"credit": 0, "debit": 0}}


def test_an_entry_in_another_currency_leaves_the_statements_own_at_zero() -> None:
    usd = BankEntry(1_250, "USD", Direction.CREDIT, DAY, DAY)
    assert credit_debit_totals(_statement(usd, closing=1_000)) == {
        "VND": {"credit": 0, "debit": 0},
        "USD": {"credit": 1_250, "debit": 0},
    }


def test_a_statement_whose_currency_is_unknown_totals_only_its_entries() -> None:
    statement = BankStatement("S1", None, "A", None, None, (), ())
    assert credit_debit_totals(statement) == {}
