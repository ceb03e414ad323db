"""One verdict, many views: on generated days every statement says what the run stored.

Hypothesis builds days whose batches are settled in every way the banks do
it: a clean credit, a partial one, a late one, none, the same booking
delivered in two statements, a credit and its reversal with or without a
reference, a credit split in two, a credit with no reference at all, plus
unexplained credits, and bank data that does or does not yet cover the
window. The day is reconciled through the run use case into the in-memory
store; each province's statement is then rendered as XML (parsed back and
validated) and as Excel (read back), and must show exactly the stored
verdict: every batch's status, expected and credited amounts, totals that
add up to the run's own, and the same net and absolute differences as the
report's rows of the province.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from matching_world import D, FakeRunStore, World, account

from reconcile.money import difference_totals
from reconcile.runs import reconcile_day
from reconcile.verdict import BatchStatus
from reports.statement_build import statement_of_run
from reports.statement_xlsx import BATCH_HEADERS, statement_xlsx_bytes
from reports.statement_xml import statement_xml_bytes, validate_statement_xml

NEXT = dt.date(2026, 11, 26)  # the end of D's one-business-day window
LATE = dt.date(2026, 11, 27)
NS = {"s": "urn:recon:settlement-statement:1"}
PROVINCES = ("01", "79")
SCENARIOS = (
    "clean",
    "partial",
    "late",
    "missing",
    "repeated_booking",
    "reversal_with_reference",
    "reversal_without_reference",
    "split",
    "by_amount",
)
BATCH_CATEGORIES = {
    "MISSING_BANK_CREDIT": BatchStatus.MISSING,
    "SETTLEMENT_AMOUNT_MISMATCH": BatchStatus.MISMATCH,
    "LATE_SETTLEMENT": BatchStatus.LATE,
}

_batch = st.tuples(
    st.sampled_from(PROVINCES),
    st.sampled_from(SCENARIOS),
    st.lists(st.integers(1, 50).map(lambda n: n * 10_000), min_size=1, max_size=3),
)


def _settle(world: World, batch_id: str, acct: str, expected: int, scenario: str, n: int) -> None:
    ref = f"VCB-{n}"
    if scenario == "clean":
        world.entry(expected, acct, NEXT, ref, end_to_end_id=batch_id)
    elif scenario == "partial":
        world.entry(expected - 5_000, acct, NEXT, ref, end_to_end_id=batch_id)
    elif scenario == "late":
        world.entry(expected, acct, LATE, ref, remittance=f"QUYET TOAN {batch_id}")
    elif scenario == "repeated_booking":  # an intraday statement and the day's both carry it
        world.entry(expected, acct, NEXT, ref, end_to_end_id=batch_id)
        world.entry(expected, acct, NEXT, ref, end_to_end_id=batch_id)
    elif scenario == "reversal_with_reference":
        world.entry(expected, acct, NEXT, ref, end_to_end_id=batch_id)
        world.entry(expected, acct, NEXT, f"{ref}-R", direction="DBIT", reversal=True, end_to_end_id=batch_id)
    elif scenario == "reversal_without_reference":
        world.entry(expected, acct, NEXT, ref, end_to_end_id=batch_id)
        world.entry(expected, acct, NEXT, f"{ref}-R", direction="DBIT", reversal=True)
    elif scenario == "split":
        world.entry(expected // 2, acct, NEXT, f"{ref}-A", end_to_end_id=batch_id)
        world.entry(expected - expected // 2, acct, NEXT, f"{ref}-B", remittance=batch_id)
    elif scenario == "by_amount":
        world.entry(expected, acct, NEXT, ref, remittance="CHUYEN TIEN")


@st.composite
def days(draw: st.DrawFn) -> World:
    world = World()
    for n, (province, scenario, amounts) in enumerate(draw(st.lists(_batch, min_size=1, max_size=6))):
        batch_id = f"B-{province}-{n}"
        for i, amount in enumerate(amounts):
            world.payment(f"P{n}-{i}", f"T{n}-{i}", amount, province_code=province, batch_id=batch_id)
        _settle(world, batch_id, account(province), sum(amounts), scenario, n)
    for n, province in enumerate(draw(st.lists(st.sampled_from(PROVINCES), max_size=2))):
        world.entry(draw(st.integers(1, 9)) * 1_000, account(province), D, f"STRAY-{n}", remittance="?")
    for province in PROVINCES:
        world.bank_covered[account(province)] = draw(st.sampled_from([D, LATE]))
    return world


def _xml_batches(xml: bytes) -> dict[str, tuple[str, int, int]]:
    root = etree.fromstring(xml)
    return {
        batch.get("id"): (
            batch.findtext("s:Status", namespaces=NS),
            int(batch.findtext("s:ExpectedCredit", namespaces=NS)),
            int(batch.findtext("s:Credited", namespaces=NS)),
        )
        for batch in root.iterfind("s:Gateway/s:Batch", NS)
    }


def _xlsx_batches(body: bytes) -> dict[str, tuple[str, int, int]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True)["Lô quyết toán"]
    cells = sheet.iter_rows(min_row=2, values_only=True)
    rows = [dict(zip(BATCH_HEADERS, row, strict=False)) for row in cells]
    return {
        row["batch_id"]: (row["status"], row["expected_credit_vnd"], row["credited_vnd"])
        for row in rows
        if row["batch_id"] is not None
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=days())
def test_every_statement_format_shows_the_runs_stored_verdict(world: World, tmp_path_factory: Any) -> None:
    store = FakeRunStore(world)
    run = store.get_run(reconcile_day(store, D).id)
    verdict, rows = store.verdict(run.id), store.discrepancies(run.id)
    stored = {
        row["batch_id"]: (row["status"], row["expected_vnd"], row["credited_vnd"])
        for row in verdict.batches.to_pylist()
    }
    assert len(stored) == len({txn["batch_id"] for txn in world.txns})
    shown: dict[str, tuple[str, int, int]] = {}
    expected_total = credited_total = 0
    for code in PROVINCES:
        statement = statement_of_run(code, f"Tỉnh {code}", account(code), run, verdict, rows)
        xml = statement_xml_bytes(statement)
        path = tmp_path_factory.mktemp("xml") / f"{code}.xml"
        path.write_bytes(xml)
        validate_statement_xml(path)
        in_xml = _xml_batches(xml)
        assert _xlsx_batches(statement_xlsx_bytes(statement)) == in_xml
        assert not in_xml.keys() & shown.keys()
        shown |= in_xml
        totals = etree.fromstring(xml).find("s:Totals", NS)
        expected_total += int(totals.findtext("s:Expected", namespaces=NS))
        credited_total += int(totals.findtext("s:Credited", namespaces=NS))
        reported = [row for row in rows.to_pylist() if row["province_code"] == code]
        assert {d.key for d in statement.discrepancies} == {_key(row) for row in reported}
        differences = difference_totals(row["difference_vnd"] for row in reported)
        listed = etree.fromstring(xml).find("s:Discrepancies", NS)
        assert (
            int(listed.findtext("s:NetDifference", namespaces=NS)),
            int(listed.findtext("s:AbsoluteDifference", namespaces=NS)),
        ) == (differences.net, differences.absolute)
    assert shown == stored
    everything = difference_totals(rows.column("difference_vnd").to_pylist())
    assert (run.counts["net_difference_vnd"], run.counts["absolute_difference_vnd"]) == (
        everything.net,
        everything.absolute,
    )
    assert (expected_total, credited_total) == (
        run.counts["amount_expected_vnd"],
        run.counts["amount_settled_vnd"],
    )
    for row in rows.to_pylist():
        if row["category"] in BATCH_CATEGORIES:
            status, expected, credited = stored[row["batch_id"]]
            judged = BatchStatus.PENDING if row["status"] == "pending" else BATCH_CATEGORIES[row["category"]]
            assert (status, expected, credited) == (judged, row["expected_vnd"], row["actual_vnd"])
    flagged = {row["batch_id"] for row in rows.to_pylist() if row["category"] in BATCH_CATEGORIES}
    assert all(status == BatchStatus.MATCHED for b, (status, _, _) in stored.items() if b not in flagged)


def _key(row: dict[str, Any]) -> str:
    from reconcile.discrepancies import KEY_OF, Category

    value: str = row[KEY_OF[Category(row["category"])]]
    return value
