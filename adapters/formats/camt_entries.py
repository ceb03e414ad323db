"""Reading one camt entry (``Ntry``) and its transaction details (``TxDtls``).

An entry is the booking the bank made; its details are the transactions
inside it (one per payment when a gateway's settlement batch is booked as a
lump sum). The entry keeps the booked direction even when it is a reversal,
and its end-to-end id and remittance text are lifted from the details so
that a batch can be matched by either.

Entries are the hot path of a large statement, so each is read with one walk
over its children (:meth:`Scope.kids`) rather than one path search per field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from adapters.formats.camt_elements import (
    Scope,
    read_amount,
    read_charges,
    read_date_choice,
    read_direction,
    read_status,
)
from adapters.formats.camt_layout import check_children, shown
from reconcile.records import BankEntry, Direction, Issue, TxDetail

_NOT_PROVIDED: Final = "NOTPROVIDED"
#: Detail references kept besides the end-to-end id, in the order the schema has them.
DETAIL_REFS: Final = ("AcctSvcrRef", "PmtInfId", "InstrId", "UETR", "TxId")
_BOOLEAN: Final = {"true": True, "1": True, "false": False, "0": False}


def read_entry(scope: Scope, element: Any, position: str) -> tuple[BankEntry, list[Issue], bool]:
    """One ``Ntry`` whatever its status, with the soft issues found in it and whether it states a status.

    An entry without ``Sts`` (schema-invalid, but sent by real banks) is read
    as booked; the caller counts them by the flag.
    """
    kids = scope.kids(element, "Ntry", position)
    amount_element = kids.get("Amt")
    if amount_element is None:
        raise scope.error("entry has no amount (Amt)", position, element)
    amount, currency = read_amount(scope, amount_element, f"{position}/Amt")
    if amount < 0:
        reason = "negative entry amount: the direction belongs in CdtDbtInd"
        raise scope.error(reason, f"{position}/Amt", amount_element)
    direction = read_direction(scope, kids.get("CdtDbtInd"), position)
    if direction is None:
        raise scope.error("entry has no CdtDbtInd", position, element)
    transactions = _transactions(scope, element, position) if "NtryDtls" in kids else []
    details: list[TxDetail] = []
    charged: list[tuple[int, Any]] = []  # the details that hold Chrgs, by number
    for index, transaction in enumerate(transactions, start=1):
        detail, has_charges = read_detail(
            scope, transaction, currency, direction, f"{position}/NtryDtls/TxDtls[{index}]"
        )
        details.append(detail)
        if has_charges:
            charged.append((index, transaction))
    remittance = joined([detail.remittance for detail in details])
    booking_date = read_date_choice(scope, kids.get("BookgDt"), f"{position}/BookgDt")
    value_date = read_date_choice(scope, kids.get("ValDt"), f"{position}/ValDt")
    reversal = read_reversal(scope, kids.get("RvslInd"), position)
    status = read_status(scope, kids.get("Sts"), f"{position}/Sts")
    entry = BankEntry(
        amount=amount,
        currency=currency,
        direction=direction,
        booking_date=booking_date,
        value_date=value_date,
        reversal=reversal,
        status=status or "BOOK",
        bank_ref=scope.value(kids.get("AcctSvcrRef")) or scope.value(kids.get("NtryRef")),
        end_to_end_id=single_end_to_end(details),
        remittance=remittance or scope.value(kids.get("AddtlNtryInf")),
        details=tuple(details),
        charges=_charges(scope, element, charged, currency, position, has_own="Chrgs" in kids),
        position=position,
    )
    return entry, entry_issues(scope, entry), status is not None


def _transactions(scope: Scope, element: Any, position: str) -> list[Any]:
    """The ``TxDtls`` of every ``NtryDtls`` (001.02 allows several), each checked for strays."""
    found: list[Any] = []
    for holder in scope.findall(element, "NtryDtls"):
        check_children(holder, "NtryDtls", scope.ns, source=scope.source, where=f"{position}/NtryDtls")
        found.extend(scope.findall(holder, "TxDtls"))
    return found


def read_reversal(scope: Scope, indicator: Any, position: str) -> bool:
    """``RvslInd``, an ``xs:boolean``: a value that is none of its four spellings is not guessed at."""
    text = scope.value(indicator)
    if text is None:
        return False
    flag = _BOOLEAN.get(text.lower())
    if flag is None:
        reason = f"RvslInd {shown(text)} is not a boolean (true, false, 1 or 0)"
        raise scope.error(reason, f"{position}/RvslInd", indicator)
    return flag


def _charges(
    scope: Scope, element: Any, charged: list[tuple[int, Any]], currency: str, position: str, *, has_own: bool
) -> int:
    """The entry's own charges, else the sum of its details' charges (``charged``: those that have some)."""
    if has_own:
        return read_charges(scope, element, currency, position) or 0
    found = (
        read_charges(scope, detail, currency, f"{position}/NtryDtls/TxDtls[{index}]")
        for index, detail in charged
    )
    return sum(value for value in found if value)


def read_detail(
    scope: Scope, element: Any, currency: str, direction: Direction, where: str
) -> tuple[TxDetail, bool]:
    """One ``TxDtls``, and whether it holds charges (``Chrgs``).

    Its amount is negative when it runs against the entry's direction. An
    amount in another currency than the entry's (a foreign instructed
    amount) is not comparable with the entry and is left out (``None``).
    """
    kids = scope.kids(element, "TxDtls", where)
    refs = scope.kids(kids["Refs"], "Refs", f"{where}/Refs") if "Refs" in kids else {}
    end_to_end = scope.value(refs.get("EndToEndId"))
    references = tuple(ref for name in DETAIL_REFS if name in refs and (ref := scope.value(refs[name])))
    lines = _remittance_lines(scope, kids.get("RmtInf"), f"{where}/RmtInf")
    amount_element = kids.get("Amt")
    if amount_element is None and "AmtDtls" in kids:
        amount_element = scope.find(kids["AmtDtls"], "TxAmt/Amt")
    stated: tuple[int, str] | None = None
    own: Direction | None = None
    if amount_element is not None:
        stated = read_amount(scope, amount_element, f"{where}/Amt", currency=currency)
        own = read_direction(scope, kids.get("CdtDbtInd"), where)
    record = detail_record(end_to_end, references, joined(lines), stated, own, currency, direction)
    return record, "Chrgs" in kids


def detail_record(
    end_to_end: str | None,
    references: tuple[str, ...],
    remittance: str | None,
    stated: tuple[int, str] | None,
    own: Direction | None,
    currency: str,
    direction: Direction,
) -> TxDetail:
    """A ``TxDtls`` from the values read out of it: ``remittance`` its lines joined, ``stated`` its
    amount and currency, ``own`` its ``CdtDbtInd``; the amount is negative against the entry's
    ``direction``, left out in another currency than the entry's."""
    amount: int | None = None
    if stated is not None and stated[1] == currency:
        amount = -stated[0] if own not in (None, direction) else stated[0]
    return TxDetail(
        end_to_end_id=None if end_to_end in (None, _NOT_PROVIDED) else end_to_end,
        amount=amount,
        remittance=remittance,
        references=references,
    )


def joined(texts: Sequence[str | None]) -> str | None:
    """The texts that are not blank, joined by spaces (one is taken as it is); ``None`` if none is."""
    if len(texts) == 1:  # the usual remittance: one line, one detail
        return texts[0] or None
    return " ".join([text for text in texts if text]) or None


def _remittance_lines(scope: Scope, holder: Any, where: str) -> list[str | None]:
    if holder is None:
        return []
    check_children(holder, "RmtInf", scope.ns, source=scope.source, where=where)
    return [scope.value(line) for line in scope.findall(holder, "Ustrd")]


def single_end_to_end(details: Sequence[TxDetail]) -> str | None:
    """The entry's end-to-end id when its details name exactly one (``NOTPROVIDED`` aside)."""
    ids = {detail.end_to_end_id for detail in details if detail.end_to_end_id}
    return ids.pop() if len(ids) == 1 else None


def entry_issues(scope: Scope, entry: BankEntry) -> list[Issue]:
    issues: list[Issue] = []
    if entry.booking_date and entry.value_date and entry.value_date < entry.booking_date:
        message = f"value date {entry.value_date} is before booking date {entry.booking_date}"
        issues.append(Issue(scope.source, entry.position, message))
    amounts = [detail.amount for detail in entry.details]
    if amounts and None not in amounts:
        total = sum(filter(None, amounts))  # none is None; a 0 adds nothing
        if total != entry.amount:
            message = (
                f"the {len(amounts)} transaction details (TxDtls) of entry "
                f"{entry.bank_ref or entry.position} "
                f"sum to {total}, not to the entry's {entry.amount} minor units of {entry.currency}"
            )
            issues.append(Issue(scope.source, entry.position, message))
    return issues
