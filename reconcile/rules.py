"""Reference rules on obligations: registration-tax rates and fee schedules (DESIGN.md §2).

Both are judged with the reference row valid on the obligation's issue date
(``issued_date``; both ends of a validity range inclusive, an empty
``valid_to`` open). Registration tax (lệ phí trước bạ) due is
``taxable_value_vnd × rate`` rounded half up to the đồng, exactly as
:func:`reconcile.money.apply_rate`, but on whole columns: the rate becomes an
integer numerator over 10⁹ (:func:`scaled_rates`) and the product is done in
128-bit integers, so no float ever touches the amount. Fees and charges (phí,
lệ phí) must equal the schedule's amount for the procedure when paid online
(the portal's channel: provinces waive or reduce fees paid online, so the
counter amount would be a false break). ``land_charge`` has
no rule. An obligation with no applicable reference row is not judged.

The rules judge every obligation the run reads; a mismatch belongs to the
run of the portal's paid date, else of the obligation's first payment, and
is carried from there like any other item.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import duckdb
import pyarrow as pa

from reconcile.money import parse_decimal_rate

#: Rates are exact decimals; this many decimal places are kept exactly, more is refused.
RATE_SCALE: Final = 10**9

_TAX: Final = """
SELECT 'TAX_RATE_MISMATCH' AS category, o.payment_code,
       coalesce(o.province_code, o.agency_code) AS province_code, o.portal_paid_date,
       ((o.taxable_value_vnd::HUGEINT * r.rate_scaled + {half}) // {scale})::BIGINT AS expected_vnd,
       o.amount_vnd AS actual_vnd,
       'taxable value ' || o.taxable_value_vnd || ' × rate ' || r.rate || ' (' || o.asset_class
           || ', valid from ' || r.valid_from || ')' AS detail
FROM obligations o
JOIN tax_rates r ON r.province_code = coalesce(o.province_code, o.agency_code)
 AND r.asset_class = o.asset_class
 AND o.issued_date BETWEEN r.valid_from AND coalesce(r.valid_to, DATE '9999-12-31')
WHERE o.kind = 'registration_tax' AND o.taxable_value_vnd IS NOT NULL
  AND o.amount_vnd <> ((o.taxable_value_vnd::HUGEINT * r.rate_scaled + {half}) // {scale})
"""

_FEE: Final = """
SELECT 'FEE_SCHEDULE_MISMATCH' AS category, o.payment_code,
       coalesce(o.province_code, o.agency_code) AS province_code, o.portal_paid_date,
       f.amount_vnd AS expected_vnd, o.amount_vnd AS actual_vnd,
       'schedule for ' || o.procedure_code || ' valid from ' || f.valid_from AS detail
FROM obligations o
JOIN fee_schedule f ON f.province_code = coalesce(o.province_code, o.agency_code)
 AND f.procedure_code = o.procedure_code
 AND o.issued_date BETWEEN f.valid_from AND coalesce(f.valid_to, DATE '9999-12-31')
WHERE o.kind IN ('fee', 'charge') AND o.amount_vnd <> f.amount_vnd
"""

#: Mis-assessed obligations, dated by the portal's paid date, else the first payment's, and owned by
#: the run of that date only (a payment at 23:59 the portal records the next day is the next day's).
_ROWS: Final = """
SELECT h.category, h.province_code, coalesce(h.portal_paid_date, f.first_paid) AS business_date,
       h.payment_code, NULL AS txn_id, NULL AS gateway, NULL AS batch_id, NULL::VARCHAR AS bank_ref,
       h.expected_vnd, h.actual_vnd, h.detail, false AS pending,
       coalesce(coalesce(h.portal_paid_date, f.first_paid) = $d, false) AS owned
FROM rule_hits h
LEFT JOIN (
    SELECT payment_code, min(paid_date) AS first_paid FROM txns
    WHERE payment_code IN (SELECT payment_code FROM rule_hits) GROUP BY payment_code
) f USING (payment_code)
"""


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Build ``rule_hits``: every obligation its reference data disagrees with."""
    tax = _TAX.format(half=RATE_SCALE // 2, scale=RATE_SCALE)
    con.execute(f"CREATE TEMP TABLE rule_hits AS {tax} UNION ALL {_FEE}")


def rows_sql() -> str:
    """One SELECT of the rule discrepancies, with the run's ownership of each."""
    return _ROWS


def scaled_rates(rates: pa.Table) -> pa.Table:
    """``rates`` with ``rate_scaled`` = rate × 10⁹ as an exact integer (few rows: a Python loop is fine)."""
    scaled = [_scaled(text) for text in rates.column("rate").to_pylist()]
    return rates.append_column("rate_scaled", pa.array(scaled, pa.int64()))


def _scaled(text: str) -> int:
    value = parse_decimal_rate(text) * RATE_SCALE
    if value != value.to_integral_value():
        raise ValueError(f"rate {text!r} has more than {len(str(RATE_SCALE)) - 1} decimal places")
    return int(value.to_integral_value())


def expected_tax(taxable_value_vnd: int, rate: Decimal) -> int:
    """The tax due for one obligation, for tests and single look-ups (same rounding as the SQL)."""
    scaled = _scaled(str(rate))
    return (taxable_value_vnd * scaled + RATE_SCALE // 2) // RATE_SCALE
