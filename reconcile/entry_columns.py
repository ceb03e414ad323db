"""A file's bank entries and their details as Arrow columns, read out of the records once.

A statement's entries are records (:class:`~reconcile.records.BankEntry`), but
what is done with all of them at once — checking their bounds, digesting a
statement's content, storing its rows — reads one field of every entry at a
time. :meth:`EntryColumns.of` reads each field once into a column; the
checks and the store then work on the columns, in C.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from operator import attrgetter
from typing import Final

import numpy as np
import pyarrow as pa

from reconcile.records import BankStatement

#: The entry's own fields, each read for all entries at once, and their types.
ENTRY_FIELDS: Final[dict[str, pa.DataType]] = {
    "currency": pa.string(),
    "amount": pa.int64(),
    "booking_date": pa.date32(),
    "value_date": pa.date32(),
    "reversal": pa.bool_(),
    "status": pa.string(),
    "bank_ref": pa.string(),
    "end_to_end_id": pa.string(),
    "remittance": pa.string(),
    "charges": pa.int64(),
    "position": pa.string(),
    "owner_ref": pa.string(),
    "purpose": pa.string(),
}
_DETAILS: Final = attrgetter("details")
_DIRECTION: Final = attrgetter("direction")


@dataclass(frozen=True, slots=True)
class EntryColumns:
    """The entries of every statement of a file, in the file's order, and their details.

    ``entries`` has the statement's ``account``, the entry's ``direction`` (``CRDT``,
    ``DBIT``) and :data:`ENTRY_FIELDS`; a statement's entries are one slice of it
    (``starts``, with the end last). ``details`` has, for each detail, the place of
    its entry in ``entries`` (``entry``), its ``end_to_end_id``, ``amount`` and
    ``remittance``, and its ``references`` as a JSON list of strings; a statement's
    details are one slice too (``detail_starts``).
    """

    entries: pa.Table
    details: pa.Table
    starts: list[int]
    detail_starts: list[int]

    @classmethod
    def of(cls, statements: tuple[BankStatement, ...]) -> EntryColumns:
        entries = [entry for statement in statements for entry in statement.entries]
        counts = np.fromiter(map(len, map(_DETAILS, entries)), np.int64, len(entries))
        starts = [0, *itertools.accumulate(len(statement.entries) for statement in statements)]
        detail_starts = np.concatenate([[0], np.cumsum(counts)])[starts].tolist()
        statement_of_entry = np.repeat(np.arange(len(statements)), np.diff(starts))
        columns = {
            "account": pa.array([statement.account for statement in statements], pa.string()).take(
                statement_of_entry
            ),
            "direction": pa.array(list(map(_DIRECTION, entries)), pa.string()),  # a StrEnum: its code
        }
        for name, kind in ENTRY_FIELDS.items():
            columns[name] = pa.array(list(map(attrgetter(name), entries)), kind)
        details = [detail for entry in entries for detail in entry.details]
        detail_columns = {
            "entry": pa.array(np.repeat(np.arange(len(entries), dtype=np.int64), counts)),
            "end_to_end_id": pa.array(list(map(attrgetter("end_to_end_id"), details)), pa.string()),
            "amount": pa.array(list(map(attrgetter("amount"), details)), pa.int64()),
            "remittance": pa.array(list(map(attrgetter("remittance"), details)), pa.string()),
            "references": pa.array([_references(detail.references) for detail in details], pa.string()),
        }
        return cls(
            entries=pa.table(columns),
            details=pa.table(detail_columns),
            starts=starts,
            detail_starts=detail_starts,
        )


def _references(references: tuple[str, ...]) -> str:
    """A detail's references as a JSON list (most details have none: ``[]`` without the encoder)."""
    return json.dumps(list(references), ensure_ascii=False) if references else "[]"
