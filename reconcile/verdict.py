"""The run's settlement verdict: every batch of the day judged once, every credit linked once.

The discrepancy rows say what is wrong; the verdict says what was found for
*every* batch of the run's date, broken or not (its expected credit, the
credits linked to it, what they add up to, and its status), and for every
credit booked on that date which batch it settles, if any. It is computed by
the core from the same tables as the discrepancies (:mod:`reconcile.settlement`
builds ``judged``, ``credits``, ``links`` and ``reversal_pairs``) and stored with
the run, so a statement, a report or a page renders what the run decided and
never links or judges again (DESIGN.md §6, "One verdict").

A batch's status is one of :class:`BatchStatus`. It is the batch-level
discrepancy's own judgement: ``mismatch``, ``missing`` and ``late`` are the
batches reported as ``SETTLEMENT_AMOUNT_MISMATCH``, ``MISSING_BANK_CREDIT``
and ``LATE_SETTLEMENT``; ``pending`` is a mismatch or missing credit whose
account's statements do not yet reach the end of the window; ``matched`` is
everything the run does not report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import pyarrow as pa


class BatchStatus(StrEnum):
    """How a batch's bank credits compare with what it should be."""

    MATCHED = "matched"
    MISMATCH = "mismatch"
    MISSING = "missing"
    LATE = "late"
    PENDING = "pending"


class CreditLink(StrEnum):
    """How a credit was tied to its batch (``reversed``: negated by a reversal, settles nothing;
    ``manual``: an approved manual match, :mod:`reconcile.manual`)."""

    MANUAL = "manual"
    REFERENCE = "reference"
    DETAILS = "details"
    REVERSAL = "reversal"
    AMOUNT = "amount"
    REVERSED = "reversed"


#: One row per batch of the run's date (and of its provinces), in gateway and batch order.
BATCH_VERDICTS: Final = pa.schema(
    [
        ("batch_id", pa.string()),
        ("gateway", pa.string()),
        ("province_code", pa.string()),
        ("treasury_account", pa.string()),
        ("business_date", pa.date32()),  # the latest paid_date of its transactions
        ("settlement_date", pa.date32()),  # what the gateway says
        ("window_end", pa.date32()),
        ("fee_mode", pa.string()),
        ("transactions", pa.int64()),
        ("collected_vnd", pa.int64()),
        ("refunded_vnd", pa.int64()),
        ("fee_vnd", pa.int64()),
        ("expected_vnd", pa.int64()),
        ("credited_vnd", pa.int64()),  # Σ of the linked credits, signed; 0 when none
        ("last_booking", pa.date32()),
        ("status", pa.string()),  # BatchStatus
    ]
)

#: One row per credit booked on the run's date, or linked to one of its batches, in booking order.
CREDIT_LINKS: Final = pa.schema(
    [
        ("entry_id", pa.int64()),
        ("account", pa.string()),
        ("province_code", pa.string()),
        ("booking_date", pa.date32()),
        ("bank_ref", pa.string()),
        ("amount_vnd", pa.int64()),  # signed: a reversal debit is negative
        ("batch_id", pa.string()),  # null: no batch explains it
        ("link", pa.string()),  # CreditLink, null when unlinked
    ]
)


@dataclass(frozen=True, slots=True)
class RunVerdict:
    """The batches and credits of a run (:data:`BATCH_VERDICTS`, :data:`CREDIT_LINKS`)."""

    batches: pa.Table = field(default_factory=BATCH_VERDICTS.empty_table)
    credits: pa.Table = field(default_factory=CREDIT_LINKS.empty_table)


#: The batches of the run's date in the run's provinces (``judged`` is built by the settlement module).
BATCHES_SQL: Final = """
WITH sums AS (
    SELECT batch_id, min(settlement_date) AS settlement_date,
           coalesce(sum(amount_vnd) FILTER (WHERE status = 'SUCCESS'), 0) AS collected_vnd,
           coalesce(sum(amount_vnd) FILTER (WHERE status = 'REFUND'), 0) AS refunded_vnd
    FROM txns WHERE batch_id IS NOT NULL GROUP BY batch_id
)
SELECT j.batch_id, j.gateway, j.province_code, j.account AS treasury_account,
       j.batch_date AS business_date, s.settlement_date, j.window_end, g.fee_mode,
       j.txn_count AS transactions, s.collected_vnd, s.refunded_vnd, j.fee_vnd, j.expected_vnd,
       coalesce(j.credited, 0) AS credited_vnd, j.last_booking,
       CASE WHEN j.verdict IN ('mismatch', 'missing') AND NOT j.covered THEN 'pending' ELSE j.verdict END
         AS status
FROM judged j JOIN sums s USING (batch_id) JOIN terms g USING (gateway)
WHERE j.batch_date = $d
  AND ((SELECT count(*) FROM run_provinces) = 0 OR j.province_code IN (SELECT code FROM run_provinces))
ORDER BY j.gateway, j.batch_id
"""

#: Credits booked on the run's date, and every credit linked to one of its batches.
CREDITS_SQL: Final = """
SELECT c.entry_id, c.account, p.code AS province_code, c.booking_date, c.bank_ref,
       c.signed AS amount_vnd, l.batch_id,
       coalesce(l.how, CASE WHEN c.entry_id IN (SELECT credit_id FROM reversal_pairs) THEN 'reversed' END)
         AS link
FROM credits c
LEFT JOIN links l USING (entry_id)
LEFT JOIN provinces p ON p.treasury_account = c.account
WHERE (c.booking_date = $d OR l.batch_id IN (SELECT batch_id FROM verdict_batches))
  AND ((SELECT count(*) FROM run_provinces) = 0 OR p.code IN (SELECT code FROM run_provinces))
ORDER BY c.booking_date, c.entry_id
"""
