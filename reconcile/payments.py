"""Gateway transactions against the portal's obligations: which transaction pays what.

One SQL pass over whole columns (DuckDB over Arrow, DESIGN.md §9). A
transaction pays the obligation whose ``payment_code`` it carries. Among the
SUCCESS transactions of one obligation, the one the portal recorded
(``portal_txn_id``) is *the* payment, else the earliest (``paid_at``, ties to
the smallest ``txn_id``); every other SUCCESS transaction for it is a
``DUPLICATE_PAYMENT`` and is not judged again for its amount. A refund of a
duplicate is ordinary: it offsets the duplicate in its batch.

Each category's rows have the columns of :data:`reconcile.matching.ROW_COLUMNS`;
``owned`` marks the rows that belong to the run's own date (the transaction's
``paid_date``, or the portal's ``portal_paid_date``).
"""

from __future__ import annotations

from typing import Final

import duckdb

#: Every transaction with the obligation it names and its rank among that obligation's payments.
_PAY: Final = """
CREATE TEMP TABLE pay AS
SELECT
    t.txn_id, t.payment_code, t.gateway, t.province_code AS txn_province, t.treasury_account,
    t.amount_vnd, t.status, t.paid_at, t.paid_date, t.batch_id, t.original_txn_id,
    o.payment_code IS NOT NULL AS has_obligation,
    o.province_code AS o_province, o.amount_vnd AS due, o.portal_status, o.portal_txn_id,
    p.treasury_account AS o_account,
    coalesce(o.province_code, t.province_code) AS province_code,
    CASE WHEN t.status = 'SUCCESS' AND o.payment_code IS NOT NULL THEN row_number() OVER w END AS rank,
    CASE WHEN t.status = 'SUCCESS' AND o.payment_code IS NOT NULL THEN first_value(t.txn_id) OVER w END
        AS first_txn_id
FROM txns t
LEFT JOIN obligations o ON o.payment_code = t.payment_code
LEFT JOIN provinces p ON p.code = o.province_code
WINDOW w AS (
    PARTITION BY t.payment_code, (t.status = 'SUCCESS' AND o.payment_code IS NOT NULL)
    ORDER BY coalesce(t.txn_id = o.portal_txn_id, false) DESC, t.paid_at NULLS LAST, t.txn_id
)
"""

_SELECT: Final = """
SELECT '{category}' AS category, province_code, paid_date AS business_date, payment_code, txn_id,
       gateway, batch_id, NULL::VARCHAR AS bank_ref, {expected} AS expected_vnd,
       amount_vnd AS actual_vnd, {detail} AS detail, false AS pending, paid_date = $d AS owned
FROM pay WHERE {where}
"""

#: (category, expected, detail, condition) for the transaction-level categories.
_TXN_RULES: Final = (
    (
        "ORPHAN_PAYMENT",
        "NULL::BIGINT",
        "'no obligation with payment code ' || coalesce(payment_code, '(none)')",
        "status = 'SUCCESS' AND NOT has_obligation",
    ),
    (
        "DUPLICATE_PAYMENT",
        "NULL::BIGINT",
        "'obligation already paid by transaction ' || first_txn_id",
        "rank > 1",
    ),
    ("UNDERPAID", "due", "'paid less than the amount due'", "rank = 1 AND amount_vnd < due"),
    ("OVERPAID", "due", "'paid more than the amount due'", "rank = 1 AND amount_vnd > due"),
    (
        "SETTLED_NOT_RECORDED",
        "due",
        "'the portal still shows the obligation unpaid'",
        "rank = 1 AND portal_status = 'unpaid'",
    ),
    (
        "WRONG_PROVINCE",
        "NULL::BIGINT",
        "'settled to account ' || coalesce(treasury_account, '(none)') || ' (province '"
        " || coalesce(txn_province, '?') || ') instead of ' || coalesce(o_account, '?')"
        " || ' (province ' || o_province || ')'",
        "rank = 1 AND ((o_account IS NOT NULL AND treasury_account IS DISTINCT FROM o_account)"
        " OR (txn_province IS NOT NULL AND txn_province <> o_province"
        " AND txn_province IS DISTINCT FROM (SELECT new_code FROM merges m WHERE m.old_code = o_province)))",
    ),
    (
        "UNMATCHED_REFUND",
        "NULL::BIGINT",
        "'refund of unknown transaction ' || coalesce(original_txn_id, '(none)')",
        "status = 'REFUND' AND (original_txn_id IS NULL"
        " OR NOT EXISTS (SELECT 1 FROM txns k WHERE k.txn_id = pay.original_txn_id))",
    ),
)

#: Obligations the portal shows paid with no gateway transaction of that id.
_PAID_NOT_SETTLED: Final = """
SELECT 'PAID_NOT_SETTLED' AS category, o.province_code, o.portal_paid_date AS business_date,
       o.payment_code, o.portal_txn_id AS txn_id, NULL AS gateway, NULL AS batch_id,
       NULL::VARCHAR AS bank_ref, o.amount_vnd AS expected_vnd, 0::BIGINT AS actual_vnd,
       'the portal shows it paid by transaction ' || coalesce(o.portal_txn_id, '(none)')
           || '; no gateway has settled it' AS detail,
       NOT coalesce((SELECT min(covered_to) FROM gateway_coverage) >= o.portal_paid_date, false)
           AS pending,
       o.portal_paid_date = $d AS owned
FROM obligations o
WHERE o.portal_status = 'paid' AND o.portal_paid_date IS NOT NULL
  AND (o.portal_txn_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM txns k WHERE k.txn_id = o.portal_txn_id AND k.status = 'SUCCESS'))
"""


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Build the ``pay`` table: every transaction with its obligation and rank."""
    con.execute(_PAY)


def rows_sql() -> str:
    """One SELECT (a UNION ALL) of every transaction- and payment-level discrepancy."""
    parts = [
        _SELECT.format(category=category, expected=expected, detail=detail, where=where)
        for category, expected, detail, where in _TXN_RULES
    ]
    return "\nUNION ALL\n".join([*parts, _PAID_NOT_SETTLED])


COUNTS_SQL: Final = """
SELECT
    count(*) AS txns_examined,
    count(*) FILTER (WHERE rank = 1) AS txns_matched,
    coalesce(sum(amount_vnd) FILTER (WHERE status = 'SUCCESS'), 0) AS amount_collected_vnd,
    coalesce(sum(amount_vnd) FILTER (WHERE status = 'REFUND'), 0) AS amount_refunded_vnd,
    coalesce(sum(amount_vnd) FILTER (WHERE rank = 1), 0) AS amount_matched_vnd,
    coalesce(sum(amount_vnd) FILTER (WHERE rank > 1), 0) AS amount_duplicate_vnd,
    coalesce(sum(amount_vnd) FILTER (WHERE status = 'SUCCESS' AND NOT has_obligation), 0)
        AS amount_orphan_vnd
FROM pay WHERE paid_date = $d AND {province_filter}
"""
