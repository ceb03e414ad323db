"""The matching core: a day's inputs in, its discrepancy rows and counts out.

Everything runs as SQL in an in-process DuckDB over the Arrow tables of
:class:`~reconcile.ports.DayInputs` (DESIGN.md §9): no Python loop per
payment, integer money throughout. The modules each own one part of the
picture and add their rows to one union:

- :mod:`reconcile.payments`: transactions against obligations;
- :mod:`reconcile.settlement`: batches against bank credits;
- :mod:`reconcile.rules`: tax rates and fee schedules.

Which rows a run reports (DESIGN.md §5): the rows *of its date* (a
transaction paid on D, an obligation whose portal paid date, else first
payment, is D, a batch of D's transactions, a credit booked on D), never a
row dated after D, plus the carried items of the previous run, judged again
on today's data: one still broken is reported again, with its age; one whose
counterpart arrived closes itself and is not reported. Each (category, key)
appears once.

Severity is fixed per category (:data:`SEVERITY`): money missing or in the
wrong place is ``high``, money present but unexplained or mis-assessed is
``medium``, money that arrived late but whole is ``low``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Final

import duckdb
import numpy as np
import pyarrow as pa

from reconcile import manual, payments, rules, settlement, verdict
from reconcile.discrepancies import DISCREPANCIES, KEY_OF, Category, Severity
from reconcile.history import MAX_CARRY_DAYS
from reconcile.money import difference_totals
from reconcile.ports import PROVINCES, DayInputs, MatchMemory

SEVERITY: Final[dict[Category, Severity]] = {
    Category.PAID_NOT_SETTLED: Severity.HIGH,
    Category.MISSING_BANK_CREDIT: Severity.HIGH,
    Category.SETTLEMENT_AMOUNT_MISMATCH: Severity.HIGH,
    Category.WRONG_PROVINCE: Severity.HIGH,
    Category.UNDERPAID: Severity.HIGH,
    Category.ORPHAN_PAYMENT: Severity.MEDIUM,
    Category.OVERPAID: Severity.MEDIUM,
    Category.DUPLICATE_PAYMENT: Severity.MEDIUM,
    Category.SETTLED_NOT_RECORDED: Severity.MEDIUM,
    Category.UNEXPECTED_BANK_CREDIT: Severity.MEDIUM,
    Category.UNMATCHED_REFUND: Severity.MEDIUM,
    Category.TAX_RATE_MISMATCH: Severity.MEDIUM,
    Category.FEE_SCHEDULE_MISMATCH: Severity.MEDIUM,
    Category.LATE_SETTLEMENT: Severity.LOW,
}


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What a run found.

    Attributes:
        discrepancies: rows of :data:`~reconcile.discrepancies.DISCREPANCIES`, sorted by
            business date, province, category and key.
        counts: what was examined and matched, money totals (``*_vnd``), and the rows per
            category and per status.
        warnings: soft problems of the run itself (an unconfigured gateway).
        verdict: every batch of the date and every credit, as judged (:mod:`reconcile.verdict`).
    """

    discrepancies: pa.Table
    counts: dict[str, Any]
    warnings: tuple[str, ...]
    verdict: verdict.RunVerdict = field(default_factory=verdict.RunVerdict)


def reconcile_inputs(inputs: DayInputs, provinces: Sequence[str] = ()) -> MatchResult:
    """Match one day's inputs; ``provinces`` limits the rows and counts (empty: all).

    ``provinces`` names payees: province codes and central agencies' codes alike (a
    ministry's rows are its payee's inside the run, see :func:`_register`).
    """
    con = duckdb.connect()
    try:
        _limit(con, inputs.memory)
        _register(con, inputs, provinces)
        params = {"d": inputs.business_date}
        payments.prepare(con)
        warnings = settlement.prepare(con, inputs.calendar, inputs.gateways)
        rules.prepare(con)
        found = _arrow(con, _SELECTION.format(union=_union(), key=_key_case()), params)
        con.register("found", found)
        con.register("ages", _ages(inputs, found))
        rows = _arrow(con, _FINAL.format(severity=_severity_case()), params)
        judged = _verdict(con, params)
        counts = _counts(con, params, bool(provinces))
        counts["obligations_examined"] = counts["obligations_paid_on_day"] + counts.pop(
            "obligations_paid_off_day"
        )
        counts.update(_row_counts(rows))
        return MatchResult(rows.cast(DISCREPANCIES), counts, warnings, judged)
    finally:
        con.close()


def _limit(con: duckdb.DuckDBPyConnection, memory: MatchMemory) -> None:
    """DuckDB's memory limit and spill directory for this run's connection (none given: its defaults).

    The directory is the connection's own (``recon-match-<pid>-<n>``), so runs in parallel never
    share spill files; DuckDB creates it when it first spills and removes it on close.
    """
    if memory.spill_directory is not None:
        own = PurePath(memory.spill_directory, f"recon-match-{os.getpid()}-{next(_SPILLS)}")
        con.execute("SET temp_directory = $d", {"d": str(own)})
    if memory.limit is not None:
        con.execute("SET memory_limit = $m", {"m": memory.limit})


#: Connections opened with a spill directory by this process, for their directories' names.
_SPILLS: Final = itertools.count(1)


def _verdict(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> verdict.RunVerdict:
    batches = _arrow(con, verdict.BATCHES_SQL, params).cast(verdict.BATCH_VERDICTS)
    con.register("verdict_batches", batches)
    credits = _arrow(con, verdict.CREDITS_SQL, params).cast(verdict.CREDIT_LINKS)
    return verdict.RunVerdict(batches, credits)


def _register(con: duckdb.DuckDBPyConnection, inputs: DayInputs, provinces: Sequence[str]) -> None:
    txns_in, obligations = manual.paid_as_paired(inputs.txns, inputs.obligations, inputs.manual.payments)
    con.register("obligations", obligations)
    txns = txns_in.append_column("i", pa.array(np.arange(txns_in.num_rows, dtype=np.int64)))
    con.register("txns", txns)
    con.register("entries", inputs.entries)
    con.register("details", inputs.details)
    # A central agency is a payee like a province (its own treasury account): inside the run its
    # code stands where a province code would; the rows split it out again (``agency_code``).
    payees = pa.concat_tables([inputs.provinces.cast(PROVINCES), inputs.agencies.cast(PROVINCES)])
    con.register("provinces", payees)
    con.register("agency_codes", inputs.agencies.select(["code"]).cast(pa.schema([("code", pa.string())])))
    con.register("tax_rates", rules.scaled_rates(inputs.tax_rates))
    con.register("fee_schedule", inputs.fee_schedule)
    con.register("bank_coverage", inputs.bank_coverage)
    con.register("gateway_coverage", inputs.gateway_coverage)
    con.register(
        "merges",
        pa.table(
            {
                "old_code": pa.array(list(inputs.merges), pa.string()),
                "new_code": pa.array(list(inputs.merges.values()), pa.string()),
            }
        ),
    )
    con.register(
        "manual_credits",
        pa.table(
            {
                "bank_ref": pa.array(list(inputs.manual.credits), pa.string()),
                "batch_id": pa.array(list(inputs.manual.credits.values()), pa.string()),
            }
        ),
    )
    con.register("run_provinces", pa.table({"code": pa.array(sorted(set(provinces)), pa.string())}))
    con.register(
        "decisions",
        pa.table(
            {
                "item_key": pa.array(list(inputs.decisions), pa.string()),
                "decision": pa.array(list(inputs.decisions.values()), pa.string()),
            }
        ),
    )
    carried = inputs.carried
    horizon = inputs.business_date - dt.timedelta(days=MAX_CARRY_DAYS)
    con.register("carried", carried)
    con.execute(
        # SQL composed from this module's constants only, never from outside text.
        f"CREATE TEMP TABLE carried_subjects AS SELECT DISTINCT {_subject_case('carried')} AS subject"  # noqa: S608
        " FROM carried WHERE business_date >= $horizon",
        {"horizon": horizon},
    )
    # Items older than the loaded history cannot be judged again: they are carried as they were.
    con.execute(
        "CREATE TEMP TABLE carried_as_is AS SELECT * FROM carried WHERE business_date < $horizon",
        {"horizon": horizon},
    )


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    return con.execute(sql, used) if used else con.execute(sql)


def _arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pa.Table:
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    return con.sql(sql, params=used or None).to_arrow_table()


def _union() -> str:
    return "\nUNION ALL\n".join(
        f"SELECT * FROM ({part})"  # noqa: S608 - the modules' own constant SQL
        for part in (payments.rows_sql(), settlement.rows_sql(), rules.rows_sql())
    )


def _key_case() -> str:
    whens = " ".join(f"WHEN '{category}' THEN {column}" for category, column in KEY_OF.items())
    return f"CASE category {whens} END"


def _subject_case(table: str) -> str:
    """``column:value`` of a row's key: the thing a carried item is about, whatever its category."""
    whens = " ".join(
        f"WHEN '{category}' THEN '{column}:' || {table}.{column}" for category, column in KEY_OF.items()
    )
    return f"CASE {table}.category {whens} END"


_SELECTION: Final = """
WITH found AS ({union}),
keyed AS (SELECT *, {key} AS key FROM found)
SELECT * EXCLUDE (owned) FROM keyed
WHERE key IS NOT NULL
  AND (owned OR {subject} IN (SELECT subject FROM carried_subjects))
  AND coalesce(business_date <= $d, true)  -- a later date's problem is that date's run's
  AND ((SELECT count(*) FROM run_provinces) = 0 OR province_code IN (SELECT code FROM run_provinces))
QUALIFY row_number() OVER (PARTITION BY category, key ORDER BY business_date, detail, actual_vnd) = 1
""".replace("{subject}", _subject_case("keyed"))

_FINAL: Final = """
SELECT category, {severity} AS severity,
       coalesce(d.decision, CASE WHEN pending THEN 'pending' ELSE 'open' END) AS status,
       CASE WHEN g.code IS NULL THEN province_code END AS province_code, f.business_date, payment_code,
       txn_id, gateway, batch_id, bank_ref,
       expected_vnd, actual_vnd, actual_vnd - expected_vnd AS difference_vnd, a.age_days, detail,
       g.code AS agency_code
FROM found f LEFT JOIN ages a ON a.business_date = f.business_date
LEFT JOIN decisions d ON d.item_key = f.category || ':' || f.key
LEFT JOIN agency_codes g ON g.code = f.province_code
UNION ALL
SELECT category, severity, status, province_code, c.business_date, payment_code, txn_id, gateway,
       batch_id, bank_ref, expected_vnd, actual_vnd, difference_vnd, a.age_days, detail, agency_code
FROM carried_as_is c LEFT JOIN ages a ON a.business_date = c.business_date
ORDER BY business_date, province_code NULLS FIRST, agency_code NULLS FIRST, category, coalesce(txn_id, ''),
         coalesce(batch_id, ''), coalesce(bank_ref, ''), coalesce(payment_code, '')
"""


def _severity_case() -> str:
    whens = " ".join(f"WHEN '{category}' THEN '{severity}'" for category, severity in SEVERITY.items())
    return f"CASE category {whens} ELSE 'medium' END"


def _ages(inputs: DayInputs, found: pa.Table) -> pa.Table:
    """Business days from each row's date to the run's (few distinct dates: a Python loop is fine)."""
    dates = set(found.column("business_date").drop_null().to_pylist())
    dates |= set(inputs.carried.column("business_date").drop_null().to_pylist())
    ordered = sorted(dates)
    ages = [inputs.calendar.between(day, inputs.business_date) for day in ordered]
    return pa.table({"business_date": pa.array(ordered, pa.date32()), "age_days": pa.array(ages, pa.int64())})


def _counts(con: duckdb.DuckDBPyConnection, params: dict[str, Any], filtered: bool) -> dict[str, Any]:
    # ``run_provinces`` holds payee codes: a province's, or a central agency's (``--agency BCA``).
    where = "province_code IN (SELECT code FROM run_provinces)" if filtered else "true"
    where_p = "p.code IN (SELECT code FROM run_provinces)" if filtered else "true"
    counts: dict[str, Any] = {}
    for sql in (payments.COUNTS_SQL, settlement.COUNTS_SQL, _OBLIGATION_COUNTS):
        query = sql.format(province_filter=where, province_filter_p=where_p)
        cursor = _execute(con, query, params)
        names = [column[0] for column in cursor.description or ()]
        values = cursor.fetchone() or ()
        counts.update({name: int(value) for name, value in zip(names, values, strict=True)})
    return counts


_OBLIGATION_COUNTS: Final = """
SELECT count(*) AS obligations_paid_on_day
FROM (SELECT portal_status, portal_paid_date, coalesce(province_code, agency_code) AS province_code
      FROM obligations)
WHERE portal_status = 'paid' AND portal_paid_date = $d AND {province_filter}
"""


def _row_counts(rows: pa.Table) -> dict[str, Any]:
    categories = rows.column("category").to_pylist()
    statuses = rows.column("status").to_pylist()
    return {
        **difference_totals(rows.column("difference_vnd").to_pylist()).as_dict(),
        "discrepancies": rows.num_rows,
        "by_category": {name: categories.count(name) for name in sorted(set(categories))},
        "by_status": {name: statuses.count(name) for name in sorted(set(statuses))},
    }
