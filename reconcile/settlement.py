"""Settlement batches against treasury bank credits, and their windows.

A batch (``batch_id``) groups one gateway's transactions for one treasury
account. Its expected credit is Σ SUCCESS − Σ REFUND, less Σ fees when the
gateway settles ``net``. Its business date is the latest ``paid_date`` of its
transactions, and it must be credited by ``calendar.add(date, settlement_days)``.

A credit (or a reversal debit, which counts negative: it negates what it
reverses) is linked to a batch by, in this order: an approved manual match
(:mod:`reconcile.manual`, ``manual_credits``); the batch id as the entry's
or a detail's ``EndToEndId`` or as the entry's MT940 reference for the
account owner (``owner_ref``); the batch id as a word of the remittance text;
the transactions named by a batch-booked entry's ``TxDtls``; and only then by
amount, when exactly one credit on the account within the window and exactly
one batch compete. A batch may be paid in several credits; they are summed.
A credit no batch explains is an ``UNEXPECTED_BANK_CREDIT``; so is any
non-VND credit on a treasury account (reported as the bank sent it, never
converted). Such a credit belongs to its booking date: the run of D reports
those booked on D (every date gets its run, weekends included), while
batches of D and of earlier dates whose windows reach D still explain them.
A run never reports a credit booked after D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

import duckdb
import pyarrow as pa

from reconcile.calendar import BusinessCalendar
from reconcile.gateways import GatewayTerms, terms_of, unconfigured_warnings

_BATCHES: Final = """
CREATE TEMP TABLE batch_raw AS
SELECT batch_id, min(gateway) AS gateway, min(treasury_account) AS account, max(paid_date) AS batch_date,
       min(province_code) AS txn_province, count(*) AS txn_count,
       coalesce(sum(amount_vnd) FILTER (WHERE status = 'SUCCESS'), 0)
         - coalesce(sum(amount_vnd) FILTER (WHERE status = 'REFUND'), 0) AS gross_vnd,
       coalesce(sum(fee_vnd), 0) AS fee_vnd
FROM txns WHERE batch_id IS NOT NULL GROUP BY batch_id
"""

_BATCH_TERMS: Final = """
CREATE TEMP TABLE batches AS
SELECT b.*, w.end_date AS window_end,
       b.gross_vnd - CASE WHEN g.fee_mode = 'net' THEN b.fee_vnd ELSE 0 END AS expected_vnd,
       coalesce(p.code, b.txn_province) AS province_code
FROM batch_raw b
JOIN terms g ON g.gateway = b.gateway
JOIN windows w ON w.start_date = b.batch_date AND w.days = g.settlement_days
LEFT JOIN provinces p ON p.treasury_account = b.account
"""

#: One row per booking: the same booking (account, bank reference, amount, date) delivered in two
#: statements (an intraday camt.054 and the day's camt.053, say) is counted once.
_BOOKINGS: Final = """
CREATE TEMP TABLE bookings AS
SELECT * FROM entries
QUALIFY bank_ref IS NULL OR row_number() OVER (
    PARTITION BY account, bank_ref, direction, amount, booking_date, reversal, currency ORDER BY entry_id
) = 1
"""

#: Booked VND movements on treasury accounts that can settle a batch, signed.
_CREDITS: Final = """
CREATE TEMP TABLE credits AS
SELECT entry_id, account, booking_date, bank_ref, end_to_end_id, owner_ref, remittance, amount,
       CASE WHEN direction = 'CRDT' THEN amount ELSE -amount END AS signed
FROM bookings
WHERE currency = 'VND' AND coalesce(status, 'BOOK') = 'BOOK'
  AND account IN (SELECT account FROM treasury_accounts)
  AND ((direction = 'CRDT' AND NOT reversal) OR (direction = 'DBIT' AND reversal))
"""

#: A person's approved pairing (:mod:`reconcile.manual`) comes first: no rule below relinks its credit.
_LINK_BY_HAND: Final = """
CREATE TEMP TABLE links AS
SELECT c.entry_id, m.batch_id, 'manual' AS how FROM credits c
JOIN manual_credits m ON m.bank_ref = coalesce(c.bank_ref, 'entry-' || c.entry_id)
WHERE m.batch_id IN (SELECT batch_id FROM batches)
"""

_LINK_BY_REFERENCE: Final = """
INSERT INTO links
WITH refs AS (
    SELECT entry_id, end_to_end_id AS ref, 1 AS step FROM credits
    UNION ALL
    SELECT entry_id, owner_ref, 1 FROM credits
    UNION ALL
    SELECT d.entry_id, d.end_to_end_id, 1 FROM details d JOIN credits c USING (entry_id)
    UNION ALL
    SELECT entry_id, trim(unnest(string_split_regex(text, '[^0-9A-Za-z_.\\-]+')), '.'), 2
    FROM (SELECT entry_id, remittance AS text FROM credits
          UNION ALL SELECT d.entry_id, d.remittance FROM details d JOIN credits c USING (entry_id))
), hits AS (
    SELECT r.entry_id, b.batch_id, min(r.step) AS step FROM refs r JOIN batches b ON b.batch_id = r.ref
    GROUP BY ALL
)
SELECT entry_id, min(batch_id) AS batch_id, 'reference' AS how FROM hits h
WHERE step = (SELECT min(step) FROM hits x WHERE x.entry_id = h.entry_id)
  AND entry_id NOT IN (SELECT entry_id FROM links)
GROUP BY entry_id
"""

#: A batch-booked entry whose ``TxDtls`` name transactions of exactly one batch.
_LINK_BY_DETAILS: Final = """
INSERT INTO links
SELECT d.entry_id, min(t.batch_id), 'details' FROM details d
JOIN credits c USING (entry_id)
JOIN txns t ON t.txn_id = d.end_to_end_id
WHERE d.entry_id NOT IN (SELECT entry_id FROM links) AND t.batch_id IS NOT NULL
GROUP BY d.entry_id HAVING count(DISTINCT t.batch_id) = 1
"""

#: A reversal without a reference negates the latest earlier credit of its amount on its account.
_LINK_REVERSALS: Final = """
CREATE TEMP TABLE reversal_pairs AS
WITH r AS (SELECT * FROM credits WHERE signed < 0 AND entry_id NOT IN (SELECT entry_id FROM links)),
cand AS (
    SELECT r.entry_id AS reversal_id, c.entry_id AS credit_id,
           row_number() OVER (PARTITION BY r.entry_id ORDER BY c.booking_date DESC, c.entry_id DESC) AS rn
    FROM r JOIN credits c ON c.account = r.account AND c.amount = r.amount AND c.signed > 0
     AND c.booking_date <= r.booking_date
)
SELECT reversal_id, credit_id FROM cand WHERE rn = 1
QUALIFY row_number() OVER (PARTITION BY credit_id ORDER BY reversal_id) = 1;
INSERT INTO links
SELECT p.reversal_id, l.batch_id, 'reversal' FROM reversal_pairs p JOIN links l ON l.entry_id = p.credit_id;
"""

#: Last resort: the same amount on the batch's account within its window, one candidate each way.
_LINK_BY_AMOUNT: Final = """
INSERT INTO links
WITH cand AS (
    SELECT c.entry_id, b.batch_id FROM credits c
    JOIN batches b ON b.account = c.account AND b.expected_vnd = c.signed
     AND c.booking_date BETWEEN b.batch_date AND b.window_end
    WHERE c.signed > 0 AND c.entry_id NOT IN (SELECT entry_id FROM links)
      AND c.entry_id NOT IN (SELECT credit_id FROM reversal_pairs)
      AND b.batch_id NOT IN (SELECT batch_id FROM links)
)
SELECT entry_id, batch_id, 'amount' FROM cand
QUALIFY count(*) OVER (PARTITION BY entry_id) = 1 AND count(*) OVER (PARTITION BY batch_id) = 1
"""

_SETTLED: Final = """
CREATE TEMP TABLE settled AS
SELECT b.*, s.credited, s.last_booking, s.refs, coalesce(bc.covered_to >= b.window_end, false) AS covered
FROM batches b
LEFT JOIN (
    SELECT l.batch_id, sum(c.signed) AS credited, max(c.booking_date) AS last_booking,
           string_agg(coalesce(c.bank_ref, c.entry_id::VARCHAR), ', ' ORDER BY c.booking_date, c.entry_id)
             AS refs
    FROM links l JOIN credits c USING (entry_id) GROUP BY l.batch_id
) s USING (batch_id)
LEFT JOIN bank_coverage bc ON bc.name = b.account
"""

#: The one judgement of each batch: the batch-level rules below and the stored verdict
#: (:mod:`reconcile.verdict`) both read ``verdict``; ``covered`` says whether it may still change.
_JUDGED: Final = """
CREATE TEMP TABLE judged AS
SELECT *,
       CASE WHEN coalesce(credited, 0) <> 0 AND credited <> expected_vnd THEN 'mismatch'
            WHEN credited = expected_vnd AND last_booking > window_end THEN 'late'
            WHEN coalesce(credited, 0) = 0 AND expected_vnd > 0 THEN 'missing'
            ELSE 'matched' END AS verdict
FROM settled
"""

_BATCH_ROW: Final = """
SELECT '{category}' AS category, province_code, batch_date AS business_date, NULL AS payment_code,
       NULL AS txn_id, gateway, batch_id, {bank_ref} AS bank_ref, expected_vnd,
       coalesce(credited, 0) AS actual_vnd, {detail} AS detail, {pending} AS pending,
       batch_date = $d AS owned
FROM judged WHERE {where}
"""

_BATCH_RULES: Final = (
    (
        "SETTLEMENT_AMOUNT_MISMATCH",
        "refs",
        "'credited by ' || refs",
        "NOT covered",
        "verdict = 'mismatch'",
    ),
    (
        "LATE_SETTLEMENT",
        "refs",
        "'booked ' || last_booking || ', window ended ' || window_end",
        "false",
        "verdict = 'late'",
    ),
    (
        "MISSING_BANK_CREDIT",
        "NULL",
        "'no credit on account ' || account || ' by ' || window_end",
        "NOT covered",
        "verdict = 'missing'",
    ),
)

#: Credits nobody explains, and every non-VND credit on a treasury account.
_UNEXPECTED: Final = """
SELECT 'UNEXPECTED_BANK_CREDIT' AS category, p.code AS province_code, e.booking_date AS business_date,
       NULL AS payment_code, NULL AS txn_id, NULL AS gateway, NULL AS batch_id,
       coalesce(e.bank_ref, 'entry-' || e.entry_id) AS bank_ref, NULL::BIGINT AS expected_vnd,
       CASE WHEN e.currency = 'VND' THEN e.amount END AS actual_vnd,
       CASE WHEN e.currency = 'VND' THEN 'no settlement batch explains this credit'
            ELSE 'credit in ' || e.currency || ' (' || e.amount || ' minor units), reported, not converted'
       END AS detail,
       NOT coalesce((SELECT min(covered_to) FROM gateway_coverage) >= pd.previous, false) AS pending,
       e.booking_date = $d AS owned
FROM bookings e
LEFT JOIN provinces p ON p.treasury_account = e.account
LEFT JOIN previous_days pd ON pd.day = e.booking_date
WHERE e.direction = 'CRDT' AND NOT e.reversal AND coalesce(e.status, 'BOOK') = 'BOOK'
  AND e.account IN (SELECT account FROM treasury_accounts)
  AND e.entry_id NOT IN (SELECT entry_id FROM links)
  AND e.entry_id NOT IN (SELECT credit_id FROM reversal_pairs)
"""


def prepare(
    con: duckdb.DuckDBPyConnection, calendar: BusinessCalendar, terms: Mapping[str, GatewayTerms]
) -> tuple[str, ...]:
    """Build ``batches``, ``credits`` and ``links``; return a warning per unconfigured gateway."""
    con.execute(_BATCHES)
    gateways = [row[0] for row in con.execute("SELECT DISTINCT gateway FROM batch_raw ORDER BY 1").fetchall()]
    warnings = tuple(unconfigured_warnings(terms, gateways))
    chosen = {name: terms_of(terms, name) for name in gateways}
    con.register(
        "terms",
        pa.table(
            {
                "gateway": pa.array(list(chosen), pa.string()),
                "settlement_days": pa.array([t.settlement_days for t in chosen.values()], pa.int64()),
                "fee_mode": pa.array([t.fee_mode for t in chosen.values()], pa.string()),
            }
        ),
    )
    pairs = con.execute(
        "SELECT DISTINCT b.batch_date, g.settlement_days FROM batch_raw b JOIN terms g USING (gateway)"
        " WHERE b.batch_date IS NOT NULL"
    ).fetchall()
    con.register("windows", window_table(calendar, pairs))
    con.execute(_BATCH_TERMS)
    con.execute(
        "CREATE TEMP TABLE treasury_accounts AS SELECT treasury_account AS account FROM provinces"
        " UNION SELECT account FROM batches WHERE account IS NOT NULL"
    )
    con.execute(_BOOKINGS)
    con.execute(_CREDITS)
    con.execute(_LINK_BY_HAND)
    con.execute(_LINK_BY_REFERENCE)
    con.execute(_LINK_BY_DETAILS)
    con.execute(_LINK_REVERSALS)
    con.execute(_LINK_BY_AMOUNT)
    con.execute(_SETTLED)
    con.execute(_JUDGED)
    days = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT booking_date FROM entries WHERE booking_date IS NOT NULL"
        ).fetchall()
    ]
    con.register(
        "previous_days",
        pa.table(
            {
                "day": pa.array(days, pa.date32()),
                "previous": pa.array([calendar.previous(d) for d in days], pa.date32()),
            }
        ),
    )
    return warnings


def window_table(calendar: BusinessCalendar, pairs: list[tuple[dt.date, int]]) -> pa.Table:
    """``(start_date, days, end_date)`` for each distinct start and window: a few hundred rows at most."""
    return pa.table(
        {
            "start_date": pa.array([start for start, _ in pairs], pa.date32()),
            "days": pa.array([days for _, days in pairs], pa.int64()),
            "end_date": pa.array([calendar.add(start, days) for start, days in pairs], pa.date32()),
        }
    )


def rows_sql() -> str:
    """One SELECT (a UNION ALL) of every batch- and entry-level discrepancy."""
    parts = [
        _BATCH_ROW.format(category=category, bank_ref=ref, detail=detail, pending=pending, where=where)
        for category, ref, detail, pending, where in _BATCH_RULES
    ]
    return "\nUNION ALL\n".join([*parts, _UNEXPECTED])


COUNTS_SQL: Final = """
SELECT
    (SELECT count(*) FROM settled WHERE batch_date = $d AND {province_filter}) AS batches_examined,
    (SELECT count(*) FROM settled WHERE batch_date = $d AND credited IS NOT NULL AND {province_filter})
        AS batches_credited,
    (SELECT coalesce(sum(expected_vnd), 0) FROM settled WHERE batch_date = $d AND {province_filter})
        AS amount_expected_vnd,
    (SELECT coalesce(sum(credited), 0) FROM settled WHERE batch_date = $d AND {province_filter})
        AS amount_settled_vnd,
    (SELECT count(*) FROM credits c LEFT JOIN provinces p ON p.treasury_account = c.account
      WHERE c.booking_date = $d AND {province_filter_p}) AS entries_examined,
    (SELECT coalesce(sum(c.signed), 0) FROM credits c LEFT JOIN provinces p ON p.treasury_account = c.account
      WHERE c.booking_date = $d AND {province_filter_p}) AS amount_credited_vnd,
    (SELECT count(*) FROM credits c LEFT JOIN provinces p ON p.treasury_account = c.account
      WHERE c.booking_date = $d AND {province_filter_p}
        AND c.entry_id IN (SELECT entry_id FROM links)) AS entries_matched
"""
