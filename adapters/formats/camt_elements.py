"""Reading the parts of a camt statement: amounts, dates, balances, entries, details.

The element names are the same in every camt.053/054 version from 001.02 to
001.13; what moves between versions is where a few of them sit (``Sts`` is a
plain code up to 001.06 and ``Sts/Cd`` after, a detail's amount is
``AmtDtls/TxAmt/Amt`` in 001.02 and ``TxDtls/Amt`` later, charges are a list
of ``Chrgs/Amt`` in 001.02 and ``Chrgs/Rcrd/Amt`` later). Each reader
accepts every placement, so a file is read by the standard, not by a sample.

Every failure is an :class:`InputError` naming the element path and its line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from reconcile.errors import InputError
from reconcile.money import to_minor
from reconcile.records import Balance, BankEntry, Direction, Issue, TxDetail

_ISO_DATE: Final = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")
_NOT_PROVIDED: Final = "NOTPROVIDED"
#: Detail references kept besides the end-to-end id, in the order the schema has them.
_DETAIL_REFS: Final = ("AcctSvcrRef", "PmtInfId", "InstrId", "UETR", "TxId")


@lru_cache(maxsize=512)
def _qualified(ns: str, path: str) -> str:
    return "/".join(f"{{{ns}}}{step}" for step in path.split("/"))


@dataclass(frozen=True, slots=True)
class Scope:
    """What every reader needs: the document namespace and the file name for messages."""

    ns: str
    source: str

    def find(self, element: Any, path: str) -> Any:
        return element.find(_qualified(self.ns, path))

    def findall(self, element: Any, path: str) -> list[Any]:
        return list(element.findall(_qualified(self.ns, path)))

    def text(self, element: Any, path: str) -> str | None:
        found = self.find(element, path)
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    def error(self, reason: str, where: str, element: Any | None = None) -> InputError:
        line = getattr(element, "sourceline", None)
        return InputError(reason, source=self.source, where=f"{where} (line {line})" if line else where)


def read_amount(scope: Scope, element: Any, where: str, *, currency: str | None = None) -> tuple[int, str]:
    """An ``…Amt Ccy="…"`` element as (minor units, currency); ``currency`` is the fallback."""
    code = (element.get("Ccy") or "").strip() or currency
    if not code:
        raise scope.error("amount has no currency (Ccy attribute)", where, element)
    try:
        return to_minor(element.text or "", code), code
    except InputError as exc:
        raise scope.error(exc.reason, where, element) from exc


def read_direction(scope: Scope, element: Any, where: str) -> Direction | None:
    """``CdtDbtInd`` of ``element``; ``None`` when absent."""
    code = scope.text(element, "CdtDbtInd")
    if code is None:
        return None
    try:
        return Direction(code)
    except ValueError as exc:
        found = scope.find(element, "CdtDbtInd")
        raise scope.error(
            f"CdtDbtInd {code!r} is neither CRDT nor DBIT", f"{where}/CdtDbtInd", found
        ) from exc


def parse_date(scope: Scope, text: str, where: str, element: Any) -> dt.date:
    match = _ISO_DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        return dt.date.fromisoformat(match.group(1))
    except ValueError as exc:
        raise scope.error(f"impossible date {text!r}", where, element) from exc


def parse_datetime(scope: Scope, text: str, where: str, element: Any) -> dt.datetime:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?", text):
            raise ValueError(text)
        return dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise scope.error(f"impossible date and time {text!r}", where, element) from exc


def read_datetime(scope: Scope, element: Any, path: str, where: str) -> dt.datetime | None:
    found = scope.find(element, path)
    if found is None or not (found.text or "").strip():
        return None
    return parse_datetime(scope, found.text.strip(), f"{where}/{path}", found)


def read_date_choice(scope: Scope, element: Any, path: str, where: str) -> dt.date | None:
    """``BookgDt``, ``ValDt``, ``Bal/Dt``: a ``Dt`` or a ``DtTm`` (its date as the bank wrote it).

    The bank's own calendar date is kept rather than converted to Hanoi time:
    a booking date is the day the bank booked, whatever the clock offset.
    """
    choice = scope.find(element, path)
    if choice is None:
        return None
    date = scope.find(choice, "Dt")
    if date is not None and (date.text or "").strip():
        return parse_date(scope, date.text.strip(), f"{where}/{path}/Dt", date)
    stamp = read_datetime(scope, choice, "DtTm", f"{where}/{path}")
    return stamp.date() if stamp else None


def read_balance(scope: Scope, element: Any, where: str, currency: str | None) -> tuple[Balance, bool]:
    """One ``Bal``, signed (DBIT negative); the flag says ``CdtDbtInd`` was missing."""
    kind = scope.text(element, "Tp/CdOrPrtry/Cd") or scope.text(element, "Tp/CdOrPrtry/Prtry")
    if kind is None:
        raise scope.error("balance has no type (Tp/CdOrPrtry/Cd)", where, element)
    amount_element = scope.find(element, "Amt")
    if amount_element is None:
        raise scope.error("balance has no amount", where, element)
    amount, code = read_amount(scope, amount_element, f"{where}/Amt", currency=currency)
    direction = read_direction(scope, element, where)
    if amount < 0 and direction is not None:
        raise scope.error("a negative balance amount with CdtDbtInd is ambiguous", f"{where}/Amt", element)
    signed = -amount if direction is Direction.DEBIT else amount
    date = read_date_choice(scope, element, "Dt", where)
    return Balance(kind=kind, amount=signed, currency=code, date=date), direction is None


def read_status(scope: Scope, entry: Any) -> str | None:
    """``Sts`` as plain text (001.02–001.06) or ``Sts/Cd``/``Sts/Prtry`` (001.07 on)."""
    return scope.text(entry, "Sts") or scope.text(entry, "Sts/Cd") or scope.text(entry, "Sts/Prtry")


def read_charges(scope: Scope, element: Any, currency: str, where: str) -> int | None:
    """The charges under ``element`` in ``currency``; ``None`` when there is no ``Chrgs``."""
    blocks = scope.findall(element, "Chrgs")
    if not blocks:
        return None
    total = 0
    for index, block in enumerate(blocks, start=1):
        at = f"{where}/Chrgs[{index}]"
        amounts = scope.findall(block, "Rcrd/Amt") or scope.findall(block, "Amt")
        if not amounts:
            amounts = scope.findall(block, "TtlChrgsAndTaxAmt")
        for amount_element in amounts:
            minor, code = read_amount(scope, amount_element, at, currency=currency)
            if code == currency:
                total += minor
    return total


def read_detail(
    scope: Scope, element: Any, entry_currency: str, entry_direction: Direction, where: str
) -> TxDetail:
    """One ``TxDtls``; its amount is negative when it runs against the entry's direction.

    An amount in another currency than the entry's (a foreign instructed
    amount) is not comparable with the entry and is left out (``None``).
    """
    end_to_end = scope.text(element, "Refs/EndToEndId")
    references = tuple(ref for name in _DETAIL_REFS if (ref := scope.text(element, f"Refs/{name}")))
    lines = [
        line.text.strip() for line in scope.findall(element, "RmtInf/Ustrd") if (line.text or "").strip()
    ]
    amount_element = scope.find(element, "Amt")
    if amount_element is None:
        amount_element = scope.find(element, "AmtDtls/TxAmt/Amt")
    amount: int | None = None
    if amount_element is not None:
        minor, code = read_amount(scope, amount_element, f"{where}/Amt", currency=entry_currency)
        direction = read_direction(scope, element, where)
        if code == entry_currency:
            amount = -minor if direction not in (None, entry_direction) else minor
    return TxDetail(
        end_to_end_id=None if end_to_end in (None, _NOT_PROVIDED) else end_to_end,
        amount=amount,
        remittance=" ".join(lines) or None,
        references=references,
    )


def single_end_to_end(details: tuple[TxDetail, ...]) -> str | None:
    """The entry's end-to-end id when its details name exactly one (``NOTPROVIDED`` aside)."""
    ids = {detail.end_to_end_id for detail in details if detail.end_to_end_id}
    return ids.pop() if len(ids) == 1 else None


def read_entry(scope: Scope, element: Any, position: str) -> tuple[BankEntry, list[Issue]]:
    """One ``Ntry`` whatever its status, with the soft issues found in it.

    An entry without ``Sts`` (schema-invalid, but sent by real banks) is read
    as booked; the caller reports how many there were.
    """
    amount_element = scope.find(element, "Amt")
    if amount_element is None:
        raise scope.error("entry has no amount (Amt)", position, element)
    amount, currency = read_amount(scope, amount_element, f"{position}/Amt")
    if amount < 0:
        raise scope.error(
            "negative entry amount: the direction belongs in CdtDbtInd", f"{position}/Amt", element
        )
    direction = read_direction(scope, element, position)
    if direction is None:
        raise scope.error("entry has no CdtDbtInd", position, element)
    details = tuple(
        read_detail(scope, detail, currency, direction, f"{position}/NtryDtls/TxDtls[{index}]")
        for index, detail in enumerate(scope.findall(element, "NtryDtls/TxDtls"), start=1)
    )
    charges = read_charges(scope, element, currency, position)
    if charges is None:
        found = [
            read_charges(scope, detail, currency, position)
            for detail in scope.findall(element, "NtryDtls/TxDtls")
        ]
        charges = sum(value for value in found if value)
    remittance = " ".join(detail.remittance for detail in details if detail.remittance)
    entry = BankEntry(
        amount=amount,
        currency=currency,
        direction=direction,
        booking_date=read_date_choice(scope, element, "BookgDt", position),
        value_date=read_date_choice(scope, element, "ValDt", position),
        reversal=(scope.text(element, "RvslInd") or "").lower() in ("true", "1"),
        status=read_status(scope, element) or "BOOK",
        bank_ref=scope.text(element, "AcctSvcrRef") or scope.text(element, "NtryRef"),
        end_to_end_id=single_end_to_end(details),
        remittance=remittance or scope.text(element, "AddtlNtryInf"),
        details=details,
        charges=charges,
        position=position,
    )
    return entry, _entry_issues(scope, entry)


def _entry_issues(scope: Scope, entry: BankEntry) -> list[Issue]:
    issues: list[Issue] = []
    if entry.booking_date and entry.value_date and entry.value_date < entry.booking_date:
        issues.append(
            Issue(
                scope.source,
                entry.position,
                f"value date {entry.value_date} is before booking date {entry.booking_date}",
            )
        )
    amounts = [detail.amount for detail in entry.details]
    if amounts and all(amount is not None for amount in amounts):
        total = sum(amount for amount in amounts if amount is not None)
        if total != entry.amount:
            issues.append(
                Issue(
                    scope.source,
                    entry.position,
                    f"the {len(amounts)} transaction details (TxDtls) of entry "
                    f"{entry.bank_ref or entry.position} "
                    f"sum to {total}, not to the entry's {entry.amount} minor units of {entry.currency}",
                )
            )
    return issues
