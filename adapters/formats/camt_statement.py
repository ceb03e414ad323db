"""Reading the header of one camt statement block: its id, account, balances, period.

The entries of a block are read as they stream past (:mod:`adapters.formats.camt_entries`);
what stays of the block when it ends is its header, read here into a
:class:`~reconcile.records.BankStatement` with those entries. The account
says whose money the entries are, so it is checked as strictly as an entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from adapters.formats.camt_elements import VIETNAM, Scope, read_balance, read_datetime
from adapters.formats.camt_layout import check_children
from adapters.formats.xmlsafe import localname
from reconcile.records import Balance, BankEntry, BankStatement, Issue
from reconcile.statements import continuity_issue

_LAST_MINUTE = dt.time(23, 59)


def read_statement(
    scope: Scope,
    element: Any,
    position: str,
    entries: tuple[BankEntry, ...],
    group_created: dt.datetime | None,
    *,
    intraday: bool,
) -> tuple[BankStatement, list[Issue]]:
    """One ``Stmt``/``Ntfctn``/``Rpt`` with the entries read before it, and its soft issues.

    ``intraday`` (a camt.052 report) leaves ``to_date`` empty: a report adds
    its bookings, but only a statement says that a day is complete.
    """
    statement_id = scope.text(element, "Id")
    if statement_id is None:
        raise scope.error("statement has no Id", position, element)
    account = _account(scope, element, position)
    account_currency = scope.text(element, "Acct/Ccy")
    balances, unsigned = _balances(scope, element, position, account_currency)
    currency = account_currency or next((b.currency for b in balances), None)
    currency = currency or next((e.currency for e in entries), None)
    from_date, to_date = _period(scope, element, position, balances, entries)
    if intraday:
        to_date = None
    statement = BankStatement(
        statement_id=statement_id,
        sequence=scope.text(element, "ElctrncSeqNb") or scope.text(element, "LglSeqNb"),
        account=account,
        currency=currency,
        created_at=read_datetime(scope, element, "CreDtTm", position) or group_created,
        balances=balances,
        entries=entries,
        from_date=from_date,
        to_date=to_date,
    )
    issues = [issue for issue in (continuity_issue(statement, scope.source, position),) if issue]
    if unsigned:
        issues.append(
            Issue(scope.source, position, f"{unsigned} balance(s) without CdtDbtInd, read as credit balances")
        )
    return statement, issues


def _account(scope: Scope, element: Any, position: str) -> str:
    """The IBAN, else the bank's own account number (``Othr/Id``), else a proxy (001.13).

    The account says whose money the entries are, so its parts are checked
    like an entry's: one ``Id``, holding one identification, never two.
    """
    _check_account(scope, scope.find(element, "Acct"), f"{position}/Acct")
    for path in ("Acct/Id/IBAN", "Acct/Id/Othr/Id", "Acct/Prxy/Id"):
        account = scope.text(element, path)
        if account:
            return account
    reason = "statement has no account (Acct/Id/IBAN or Acct/Id/Othr/Id)"
    holder = scope.find(element, "Acct")  # its line, when the element is there but names no account
    raise scope.error(reason, f"{position}/Acct", element if holder is None else holder)


def _check_account(scope: Scope, holder: Any, where: str) -> None:
    if holder is None:
        return
    check_children(holder, "Acct", scope.ns, source=scope.source, where=where)
    identification = scope.find(holder, "Id")
    if identification is None:
        return
    check_children(identification, "AcctId", scope.ns, source=scope.source, where=f"{where}/Id")
    chosen = [child for child in identification if isinstance(child.tag, str)]
    if len(chosen) > 1:
        names = " and ".join(localname(child) for child in chosen)
        reason = f"the account is identified twice ({names}): the schema allows one identification"
        raise scope.error(reason, f"{where}/Id/{localname(chosen[1])}", chosen[1])
    other = scope.find(identification, "Othr")
    if other is not None:
        check_children(other, "Othr", scope.ns, source=scope.source, where=f"{where}/Id/Othr")


def _balances(
    scope: Scope, element: Any, position: str, currency: str | None
) -> tuple[tuple[Balance, ...], int]:
    balances: list[Balance] = []
    unsigned = 0
    for index, balance in enumerate(scope.findall(element, "Bal"), start=1):
        read, missing_direction = read_balance(scope, balance, f"{position}/Bal[{index}]", currency)
        balances.append(read)
        unsigned += missing_direction
    return tuple(balances), unsigned


def _period(
    scope: Scope,
    element: Any,
    position: str,
    balances: tuple[Balance, ...],
    entries: tuple[BankEntry, ...],
) -> tuple[dt.date | None, dt.date | None]:
    """``FrToDt`` when the bank gave it, else the span of balance and booking dates.

    Days are local (Asia/Ho_Chi_Minh), as booking dates are, and ``to_date``
    is the last local day the period covers to its end: ``to_date`` says how
    far an account's data reaches, so a statement that stops at 23:59:59 UTC
    (06:59 the next morning in Hà Nội) covers the day before that morning,
    and one that stops at 18:00 in Hà Nội does not yet cover its own day.
    """
    start = read_datetime(scope, element, "FrToDt/FrDtTm", position)
    end = read_datetime(scope, element, "FrToDt/ToDtTm", position)
    if start and end:
        return start.astimezone(VIETNAM).date(), last_complete_day(end)
    dates = [b.date for b in balances if b.date] + [e.booking_date for e in entries if e.booking_date]
    return (min(dates), max(dates)) if dates else (None, None)


def last_complete_day(end: dt.datetime) -> dt.date:
    """The last local day that a period ending at ``end`` covers to its end.

    An end in the last minute of a local day (``23:59:59``) completes that
    day; an end at local midnight (an exclusive end) or earlier in a day
    completes only the day before.
    """
    local = end.astimezone(VIETNAM)
    if local.time() >= _LAST_MINUTE:
        return local.date()
    return local.date() - dt.timedelta(days=1)
