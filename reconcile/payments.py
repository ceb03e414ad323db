"""Gateway transactions against the portal's obligations: which transaction pays what.

Whole columns in SQL (DuckDB over Arrow, DESIGN.md §9). A transaction pays
the obligation whose ``payment_code`` it carries. An obligation owed to a central
agency has no province: here its payee code is its ``agency_code`` (the
agency is a row of ``provinces`` for the run, :func:`reconcile.matching`), so it
must settle to the agency's account like a province's to the province's. Among the SUCCESS
transactions of one obligation, the one the portal recorded
(``portal_txn_id``) is *the* payment, else the earliest (``paid_at``, ties to
the smallest ``txn_id``); every other SUCCESS transaction for it is a
``DUPLICATE_PAYMENT`` and is not judged again for its amount. A refund of a
duplicate is ordinary: it offsets the duplicate in its batch.

Shape, for a million payments on two cores: one narrow table ``pay`` (row
number, flags, amounts; no text copied), ranks only for the few payment codes
paid more than once, and text only for the rows that are discrepancies. Every
row SELECT here and in :mod:`reconcile.settlement` and :mod:`reconcile.rules`
has the same columns (category, province_code, business_date, payment_code,
txn_id, gateway, batch_id, bank_ref, expected_vnd, actual_vnd, detail,
pending, owned); ``owned`` marks the rows of the run's own date (the
transaction's ``paid_date``, or the portal's ``portal_paid_date``).
"""

from __future__ import annotations

from typing import Final

import duckdb

#: SUCCESS payment codes paid more than once: only these need ranking (a few, out of millions).
_CONTESTED: Final = """
CREATE TEMP TABLE contested AS
SELECT payment_code FROM txns WHERE status = 'SUCCESS' AND payment_code IS NOT NULL
GROUP BY payment_code HAVING count(*) > 1
"""

_RANKS: Final = """
CREATE TEMP TABLE ranks AS
SELECT t.i, row_number() OVER w AS rank, first_value(t.txn_id) OVER w AS first_txn_id
FROM txns t JOIN obligations o ON o.payment_code = t.payment_code
WHERE t.status = 'SUCCESS' AND t.payment_code IN (SELECT payment_code FROM contested)
WINDOW w AS (
    PARTITION BY t.payment_code
    ORDER BY coalesce(t.txn_id = o.portal_txn_id, false) DESC, t.paid_at NULLS LAST, t.txn_id
)
"""

#: One narrow row per transaction (row number ``i``, flags, amounts): no text is copied.
_PAY: Final = """
CREATE TEMP TABLE pay AS
SELECT
    t.i, t.paid_date, t.status, t.amount_vnd,
    o.payment_code IS NOT NULL AS has_obligation, o.amount_vnd AS due,
    o.portal_status = 'unpaid' AS portal_unpaid, o.portal_paid_date,
    coalesce(o.province_code, o.agency_code, t.province_code, a.codes) AS province_code,
    (p.treasury_account IS NOT NULL AND t.treasury_account IS DISTINCT FROM p.treasury_account)
      OR (t.province_code IS NOT NULL AND t.province_code <> coalesce(o.province_code, '')
          AND t.province_code IS DISTINCT FROM m.new_code) AS misdirected,
    CASE WHEN t.status = 'SUCCESS' AND o.payment_code IS NOT NULL THEN coalesce(r.rank, 1) END AS rank
FROM txns t
LEFT JOIN obligations o ON o.payment_code = t.payment_code
LEFT JOIN provinces p ON p.code = coalesce(o.province_code, o.agency_code)
LEFT JOIN merges m ON m.old_code = o.province_code
LEFT JOIN ranks r ON r.i = t.i
LEFT JOIN account_owners a ON a.treasury_account = t.treasury_account AND o.payment_code IS NULL
"""

#: Which transactions fall in which category; only these few rows are dressed with text below.
_CANDIDATES: Final = """
SELECT i, 'ORPHAN_PAYMENT' AS category FROM pay WHERE status = 'SUCCESS' AND NOT has_obligation
UNION ALL SELECT i, 'DUPLICATE_PAYMENT' FROM pay WHERE rank > 1
UNION ALL SELECT i, 'UNDERPAID' FROM pay WHERE rank = 1 AND amount_vnd < due
UNION ALL SELECT i, 'OVERPAID' FROM pay WHERE rank = 1 AND amount_vnd > due
UNION ALL SELECT i, 'SETTLED_NOT_RECORDED' FROM pay WHERE rank = 1 AND portal_unpaid
UNION ALL SELECT i, 'WRONG_PROVINCE' FROM pay WHERE rank = 1 AND misdirected
UNION ALL SELECT r.i, 'UNMATCHED_REFUND' FROM txns r LEFT JOIN txns k ON k.txn_id = r.original_txn_id
          WHERE r.status = 'REFUND' AND k.txn_id IS NULL
"""

_TXN_ROWS: Final = (
    """
SELECT c.category, pay.province_code, t.paid_date AS business_date, t.payment_code, t.txn_id, t.gateway,
       t.batch_id, NULL::VARCHAR AS bank_ref,
       CASE WHEN c.category IN ('UNDERPAID', 'OVERPAID', 'SETTLED_NOT_RECORDED') THEN pay.due END
           AS expected_vnd,
       t.amount_vnd AS actual_vnd,
       CASE c.category
           WHEN 'ORPHAN_PAYMENT' THEN 'no obligation with payment code ' || coalesce(t.payment_code, '(none)')
           WHEN 'DUPLICATE_PAYMENT' THEN 'obligation already paid by transaction ' || r.first_txn_id
           WHEN 'UNDERPAID' THEN 'paid less than the amount due'
           WHEN 'OVERPAID' THEN 'paid more than the amount due'
           WHEN 'SETTLED_NOT_RECORDED' THEN 'the portal still shows the obligation unpaid'
           WHEN 'WRONG_PROVINCE' THEN 'settled to account ' || coalesce(t.treasury_account, '(none)')
               || ' (' || coalesce('province ' || q.codes, 'no province''s account') || ') instead of '
               || coalesce(p.treasury_account, '?') || ' (province ' || pay.province_code || ')'
               || CASE WHEN t.province_code IS DISTINCT FROM pay.province_code
                        AND t.province_code IS DISTINCT FROM q.codes
                       THEN '; the transaction names province ' || coalesce(t.province_code, '(none)')
                       ELSE '' END
           WHEN 'UNMATCHED_REFUND'
               THEN 'refund of unknown transaction ' || coalesce(t.original_txn_id, '(none)')
       END AS detail,
       false AS pending, t.paid_date = $d AS owned
FROM ("""
    + _CANDIDATES
    + """) c
JOIN pay USING (i)
JOIN txns t USING (i)
LEFT JOIN ranks r USING (i)
LEFT JOIN provinces p ON p.code = pay.province_code
LEFT JOIN account_owners q ON q.treasury_account = t.treasury_account
"""
)

#: The province(s) owning each treasury account, one row per account (a join must not copy rows).
_ACCOUNT_OWNERS: Final = """
CREATE TEMP TABLE account_owners AS
SELECT treasury_account, string_agg(code, '/' ORDER BY code) AS codes FROM provinces GROUP BY treasury_account
"""

#: Obligations the portal shows paid with no SUCCESS gateway transaction of that id.
_PAID_NOT_SETTLED: Final = """
SELECT 'PAID_NOT_SETTLED' AS category, coalesce(o.province_code, o.agency_code) AS province_code,
       o.portal_paid_date AS business_date,
       o.payment_code, o.portal_txn_id AS txn_id, NULL AS gateway, NULL AS batch_id,
       NULL::VARCHAR AS bank_ref, o.amount_vnd AS expected_vnd, 0::BIGINT AS actual_vnd,
       'the portal shows it paid by transaction ' || coalesce(o.portal_txn_id, '(none)')
           || '; no gateway has settled it' AS detail,
       NOT coalesce((SELECT min(covered_to) FROM gateway_coverage) >= o.portal_paid_date, false)
           AS pending,
       o.portal_paid_date = $d AS owned
FROM obligations o
LEFT JOIN (SELECT txn_id FROM txns WHERE status = 'SUCCESS') k ON k.txn_id = o.portal_txn_id
WHERE o.portal_status = 'paid' AND o.portal_paid_date IS NOT NULL AND k.txn_id IS NULL
"""


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Build ``pay``: every transaction (by row number ``i``) with its obligation's facts and rank."""
    con.execute(_CONTESTED)
    con.execute(_RANKS)
    con.execute(_ACCOUNT_OWNERS)
    con.execute(_PAY)


def rows_sql() -> str:
    """One SELECT of every transaction- and payment-level discrepancy."""
    return f"{_TXN_ROWS}\nUNION ALL\n{_PAID_NOT_SETTLED}"


COUNTS_SQL: Final = """
SELECT
    count(*) AS txns_examined,
    count(*) FILTER (WHERE rank = 1) AS txns_matched,
    coalesce(sum(amount_vnd) FILTER (WHERE status = 'SUCCESS'), 0) AS amount_collected_vnd,
    coalesce(sum(amount_vnd) FILTER (WHERE status = 'REFUND'), 0) AS amount_refunded_vnd,
    coalesce(sum(amount_vnd) FILTER (WHERE rank = 1), 0) AS amount_matched_vnd,
    coalesce(sum(due) FILTER (WHERE rank = 1), 0) AS amount_due_matched_vnd,
    coalesce(sum(amount_vnd) FILTER (WHERE rank > 1), 0) AS amount_duplicate_vnd,
    coalesce(sum(amount_vnd) FILTER (WHERE status = 'SUCCESS' AND NOT has_obligation), 0)
        AS amount_orphan_vnd,
    count(*) FILTER (WHERE rank = 1 AND portal_paid_date IS DISTINCT FROM $d) AS obligations_paid_off_day
FROM pay WHERE paid_date = $d AND {province_filter}
"""
