"""Which bank credits on a treasury account settle which batches, for one statement.

The reconciliation run decides breaks over all provinces at once in DuckDB
(:mod:`reconcile.settlement`); a statement needs the same links for one
account and a handful of batches, so it follows the same rules here, over
the few entries of that account:

1. the batch id as the entry's or a ``TxDtls``' ``EndToEndId``, or as the
   entry's MT940 reference for the account owner (``:61:`` before ``//``);
2. the batch id as a word of the remittance text (entry or detail);
3. a batch-booked entry whose ``TxDtls`` name transactions of exactly one batch;
4. last resort, the amount: the only unlinked credit of exactly the expected
   amount inside the batch's window, and the only batch it could be.

A reversal debit (``RvslInd``) counts negative when its reference names the
batch. Rule 4 is limited to the batch's window so that a credit of another
day's batch is not taken for this one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import Connection, and_, or_, select

from adapters.db.schema import bank_entries, bank_entry_details, bank_statements
from reports.statement_model import BankCredit

_WORDS: Final = re.compile(r"[^0-9A-Za-z_.\-]+")


@dataclass(slots=True)
class Entry:
    """A booked VND movement that may settle a batch; ``amount`` is signed."""

    entry_id: int
    bank_ref: str | None
    booking_date: dt.date | None
    amount: int
    end_to_end_id: str | None
    remittance: str | None
    details: list[tuple[str | None, str | None]] = field(default_factory=list)  # (EndToEndId, text)
    owner_ref: str | None = None

    def references(self) -> set[str]:
        refs = (self.end_to_end_id, self.owner_ref, *(e2e for e2e, _ in self.details))
        return {ref for ref in refs if ref}

    def words(self) -> set[str]:
        texts = [self.remittance, *(text for _, text in self.details)]
        return {word.strip(".") for text in texts if text for word in _WORDS.split(text) if word}


@dataclass(frozen=True, slots=True)
class BatchTarget:
    """What linking needs to know of a batch."""

    batch_id: str
    expected: int
    window_start: dt.date
    window_end: dt.date


def load_entries(conn: Connection, account: str, start: dt.date, end: dt.date) -> list[Entry]:
    """The account's booked VND credits and reversal debits in ``start..end``, from current statements."""
    e, s = bank_entries.c, bank_statements.c
    query = (
        select(e.id, e.bank_ref, e.booking_date, e.amount, e.direction)
        .add_columns(e.end_to_end_id, e.remittance, e.owner_ref)
        .join_from(bank_entries, bank_statements, s.id == e.statement_row_id)
        .where(
            s.current.is_(True),
            e.account == account,
            e.currency == "VND",
            e.status == "BOOK",
            e.booking_date.between(start, end),
            or_(
                and_(e.direction == "CRDT", e.reversal.is_(False)),
                and_(e.direction == "DBIT", e.reversal.is_(True)),
            ),
        )
        .order_by(e.booking_date, e.id)
    )
    entries = {
        row.id: Entry(
            row.id,
            row.bank_ref,
            row.booking_date,
            row.amount if row.direction == "CRDT" else -row.amount,
            row.end_to_end_id,
            row.remittance,
            owner_ref=row.owner_ref,
        )
        for row in conn.execute(query)
    }
    if entries:
        d = bank_entry_details.c
        details = select(d.entry_id, d.end_to_end_id, d.remittance).where(d.entry_id.in_(list(entries)))
        for row in conn.execute(details.order_by(d.id)):
            entries[row.entry_id].details.append((row.end_to_end_id, row.remittance))
    return list(entries.values())


def link_credits(
    entries: Sequence[Entry], batches: Sequence[BatchTarget], txn_batches: Mapping[str, str]
) -> dict[str, tuple[BankCredit, ...]]:
    """``batch_id → credits`` by the rules of the module docstring; each entry settles one batch."""
    known = {batch.batch_id for batch in batches}
    linked: dict[int, str] = {}
    for entry in entries:
        batch_id = _by_reference(entry, known) or _by_details(entry, txn_batches)
        if batch_id is not None:
            linked[entry.entry_id] = batch_id
    _link_by_amount(entries, batches, linked)
    found: dict[str, list[BankCredit]] = {batch.batch_id: [] for batch in batches}
    for entry in entries:
        if entry.entry_id in linked:
            found[linked[entry.entry_id]].append(BankCredit(entry.bank_ref, entry.booking_date, entry.amount))
    return {batch_id: tuple(credits) for batch_id, credits in found.items()}


def _by_reference(entry: Entry, known: set[str]) -> str | None:
    for candidates in (entry.references(), entry.words()):
        hits = sorted(candidates & known)
        if hits:
            return hits[0]
    return None


def _by_details(entry: Entry, txn_batches: Mapping[str, str]) -> str | None:
    batches = {txn_batches[e2e] for e2e, _ in entry.details if e2e is not None and e2e in txn_batches}
    return batches.pop() if len(batches) == 1 else None


def _link_by_amount(entries: Iterable[Entry], batches: Sequence[BatchTarget], linked: dict[int, str]) -> None:
    taken = set(linked.values())
    open_batches = [batch for batch in batches if batch.batch_id not in taken]
    candidates: dict[int, list[str]] = {}
    per_batch: dict[str, list[int]] = {}
    for entry in entries:
        if entry.entry_id in linked or entry.amount <= 0 or entry.booking_date is None:
            continue
        for batch in open_batches:
            if (
                entry.amount == batch.expected
                and batch.window_start <= entry.booking_date <= batch.window_end
            ):
                candidates.setdefault(entry.entry_id, []).append(batch.batch_id)
                per_batch.setdefault(batch.batch_id, []).append(entry.entry_id)
    for entry_id, batch_ids in candidates.items():
        if len(batch_ids) == 1 and len(per_batch[batch_ids[0]]) == 1:
            linked[entry_id] = batch_ids[0]
