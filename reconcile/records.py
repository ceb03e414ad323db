"""Domain records: small, immutable, exact.

Bank statements are few and rich (balances, batch details), so they are
records. Obligations and gateway transactions come in millions, so they
travel as Arrow tables with the columns of :mod:`reconcile.columns`; a
parser never builds one Python object per payment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from reconcile.entry_columns import EntryColumns


class Direction(StrEnum):
    """Booking direction on the account holder's side."""

    CREDIT = "CRDT"
    DEBIT = "DBIT"


@dataclass(frozen=True, slots=True)
class Issue:
    """A soft problem found while reading: the file is kept, the issue is reported.

    Attributes:
        source: the file name.
        where: a line (``"line 7"``) or element path (``"Stmt[1]/Bal[2]"``), or ``None``.
        message: what is wrong, in words an accountant can act on.
    """

    source: str
    where: str | None
    message: str

    def __str__(self) -> str:
        location = ", ".join(part for part in (self.source, self.where) if part)
        return f"{location}: {self.message}"


@dataclass(frozen=True, slots=True)
class Balance:
    """A statement balance (camt ``Bal`` or MT940 ``:60F:``/``:62F:``...).

    Attributes:
        kind: ``OPBD``, ``PRCD``, ``CLBD``, ``CLAV``, ``ITBD``... (MT940 tags map onto these).
        amount: signed minor units; a debit balance is negative.
        currency: ISO 4217 code.
        date: the balance date.
    """

    kind: str
    amount: int
    currency: str
    date: dt.date | None


@dataclass(frozen=True, slots=True)
class TxDetail:
    """One transaction inside a (possibly batch-booked) entry: camt ``TxDtls``.

    Attributes:
        end_to_end_id: ``Refs/EndToEndId`` (``NOTPROVIDED`` is kept as ``None``).
        amount: minor units in the entry's currency, ``None`` if the detail has no amount.
        remittance: the unstructured remittance text (``RmtInf/Ustrd``), joined.
        references: other references (``AcctSvcrRef``, ``InstrId``, ``TxId``, ``UETR``).
    """

    end_to_end_id: str | None
    amount: int | None
    remittance: str | None
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BankEntry:
    """One booking on a statement: camt ``Ntry`` or MT940 ``:61:`` (+ ``:86:``).

    Attributes:
        amount: unsigned minor units; ``direction`` says which way.
        direction: credit or debit as booked (a reversal keeps the booked direction).
        reversal: camt ``RvslInd`` true, MT940 ``RC``/``RD``.
        status: camt ``Sts`` (``BOOK``, ``PDNG``, ``INFO``); MT940 entries are ``BOOK``, except
            the expected ones (marks ``EC``/``ED``), which are ``PDNG``.
        bank_ref: ``AcctSvcrRef``, else ``NtryRef``; MT940 the reference after ``//``.
        end_to_end_id: the entry's single end-to-end reference, if it has exactly one; MT940 the
            ``:86:`` ``/EREF/`` (or SEPA ``EREF+``), else the reference for the account owner.
        remittance: the entry's remittance text (camt ``Ustrd``/``AddtlNtryInf``, MT940 ``:86:``).
        details: the entry's ``TxDtls``; empty for MT940.
        charges: total charges reported on the entry, minor units (0 if none).
        position: where in the file (``"Stmt[1]/Ntry[3]"`` or ``"line 14"``), for messages.
        owner_ref: MT940 ``:61:`` reference for the account owner (before ``//``), as written;
            ``None`` for camt and for ``NONREF``. Linking tries it beside ``end_to_end_id``.
        purpose: the structured purpose text: MT940 ``:86:`` ``/REMI/`` or German ``?20``–``?29``.
    """

    amount: int
    currency: str
    direction: Direction
    booking_date: dt.date | None
    value_date: dt.date | None
    reversal: bool = False
    status: str = "BOOK"
    bank_ref: str | None = None
    end_to_end_id: str | None = None
    remittance: str | None = None
    details: tuple[TxDetail, ...] = ()
    charges: int = 0
    position: str | None = None
    owner_ref: str | None = None
    purpose: str | None = None

    @property
    def signed_amount(self) -> int:
        """Credits positive, debits negative, as booked."""
        return self.amount if self.direction is Direction.CREDIT else -self.amount


@dataclass(frozen=True, slots=True)
class BankStatement:
    """One account statement (camt ``Stmt``/``Rpt``/``Ntfctn``, or one MT940 ``:20:`` block).

    Attributes:
        statement_id: camt ``Id``; MT940 ``:20:`` reference.
        sequence: camt ``ElctrncSeqNb``/``LglSeqNb``; MT940 ``:28C:``; ``None`` when absent.
        account: IBAN or other account id as written.
        currency: the account currency (from ``Acct/Ccy``, else the balances or entries).
        balances: every balance in file order.
        entries: every entry in file order, whatever its status.
        from_date, to_date: the period the statement covers (camt ``FrToDt``, else the
            balance and booking dates); how far the data for this account reaches. An
            intraday report (camt.052) has no ``to_date``: it never says a day is complete.
    """

    statement_id: str
    sequence: str | None
    account: str
    currency: str | None
    created_at: dt.datetime | None
    balances: tuple[Balance, ...]
    entries: tuple[BankEntry, ...]
    from_date: dt.date | None = None
    to_date: dt.date | None = None

    @property
    def opening(self) -> Balance | None:
        """OPBD, else PRCD (MT940 ``:60F:``/``:60M:``)."""
        return _first(self.balances, ("OPBD", "PRCD"))

    @property
    def closing(self) -> Balance | None:
        """CLBD (MT940 ``:62F:``/``:62M:``)."""
        return _first(self.balances, ("CLBD",))

    @property
    def identity(self) -> str:
        """The business identity: a later statement with the same one is a correction."""
        return f"statement:{self.account}:{self.statement_id}:{self.sequence or ''}"


def _first(balances: tuple[Balance, ...], kinds: tuple[str, ...]) -> Balance | None:
    for kind in kinds:
        for balance in balances:
            if balance.kind == kind:
                return balance
    return None


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a parser read from one file.

    Exactly one of ``table`` (obligations or gateway transactions, with the
    columns of :mod:`reconcile.columns`) and ``statements`` is filled.

    Attributes:
        format: the detected format (``camt.053.001.08``, ``mt940``, ``obligations``,
            ``gateway:vnpay``...).
        identity: the business identity of the file's content, for corrections
            (``gateway:vnpay:2026-11-25``); bank files carry it per statement.
        issues: soft problems; the file is still accepted.
        entry_columns: the statements' entries and details as columns
            (:class:`reconcile.entry_columns.EntryColumns`), when they were read out
            once already; the same values as ``statements``, never other ones.
    """

    format: str
    table: pa.Table | None = None
    statements: tuple[BankStatement, ...] = ()
    identity: str | None = None
    issues: tuple[Issue, ...] = field(default=())
    entry_columns: EntryColumns | None = field(default=None, compare=False, repr=False)
