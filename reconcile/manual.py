"""Manual matches: two items a person paired and a second person approved, as pairings a run honours.

A manual match (đối chiếu thủ công) names two discrepancies by their item keys
(``CATEGORY:key``, :data:`reconcile.discrepancies.KEY_OF`). Their key columns say what
is paired:

- a bank credit (``bank_ref``) with a settlement batch (``batch_id``): the credit is
  linked to the batch before any other rule links credits
  (:mod:`reconcile.settlement`), so the batch is judged on its credits as the amounts say;
- a gateway transaction (``txn_id``) with an obligation (``payment_code``): the
  transaction pays that obligation (:mod:`reconcile.payments`), as if it carried its
  payment code and the portal had recorded it.

Any other pair (two credits, two batches, a batch with a transaction...) pairs
nothing the core can honour: :func:`pairing_of` returns ``None`` for it. A pairing
never hides an amount: a batch credited less or more than expected is still a
``SETTLEMENT_AMOUNT_MISMATCH``, a transaction for less or more than due still
``UNDERPAID`` / ``OVERPAID``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from reconcile.discrepancies import KEY_OF, Category


@dataclass(frozen=True, slots=True)
class Pairing:
    """One approved pairing: ``kind`` ``credit`` (``left`` a bank_ref, ``right`` a batch_id) or
    ``payment`` (``left`` a txn_id, ``right`` a payment_code)."""

    kind: Literal["credit", "payment"]
    left: str
    right: str


@dataclass(frozen=True, slots=True)
class ManualPairings:
    """The approved pairings a run honours.

    Attributes:
        credits: ``bank_ref`` (as a discrepancy reports it: the bank's reference, else
            ``entry-<entry_id>``) → ``batch_id``.
        payments: ``txn_id`` → ``payment_code``.
    """

    credits: Mapping[str, str] = field(default_factory=dict)
    payments: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, pairings: Iterable[Pairing]) -> ManualPairings:
        """Collect pairings; a later one for the same credit or transaction wins (the newer approval)."""
        credits: dict[str, str] = {}
        payments: dict[str, str] = {}
        for pairing in pairings:
            (credits if pairing.kind == "credit" else payments)[pairing.left] = pairing.right
        return cls(credits, payments)

    def __bool__(self) -> bool:
        return bool(self.credits or self.payments)


def _column_and_value(item_key: str) -> tuple[str, str] | None:
    category, _, value = item_key.partition(":")
    if not value or category not in KEY_OF:
        return None
    return KEY_OF[Category(category)], value


def pairing_of(item_key: str, match_key: str) -> Pairing | None:
    """What a manual match of ``item_key`` with ``match_key`` pairs, or ``None`` if nothing it can."""
    one, other = _column_and_value(item_key), _column_and_value(match_key)
    if one is None or other is None:
        return None
    by_column = {one[0]: one[1], other[0]: other[1]}
    if len(by_column) != 2:
        return None
    if "bank_ref" in by_column and "batch_id" in by_column:
        return Pairing("credit", by_column["bank_ref"], by_column["batch_id"])
    if "txn_id" in by_column and "payment_code" in by_column:
        return Pairing("payment", by_column["txn_id"], by_column["payment_code"])
    return None


def paid_as_paired(
    txns: pa.Table, obligations: pa.Table, payments: Mapping[str, str]
) -> tuple[pa.Table, pa.Table]:
    """``txns`` and ``obligations`` with each paired transaction paying its obligation.

    A paired transaction carries the obligation's ``payment_code``, and the obligation names
    the transaction as the one the portal recorded (``portal_txn_id``): it is *the* payment,
    not a duplicate, and the portal's paid obligation is no longer unsettled. Without
    pairings the tables are returned as they are (no copy).
    """
    if not payments:
        return txns, obligations
    txn_ids = pa.array(list(payments), pa.string())
    codes = pa.array(list(payments.values()), pa.string())
    given = pc.take(codes, pc.index_in(txns.column("txn_id"), value_set=txn_ids))
    paying = pc.coalesce(given, txns.column("payment_code"))
    txns = txns.set_column(txns.schema.get_field_index("payment_code"), "payment_code", paying)
    by_code = {code: txn_id for txn_id, code in payments.items()}
    paid_codes = pa.array(list(by_code), pa.string())
    paid_by = pa.array(list(by_code.values()), pa.string())
    recorded = pc.take(paid_by, pc.index_in(obligations.column("payment_code"), value_set=paid_codes))
    portal = pc.coalesce(recorded, obligations.column("portal_txn_id"))
    obligations = obligations.set_column(
        obligations.schema.get_field_index("portal_txn_id"), "portal_txn_id", portal
    )
    return txns, obligations
