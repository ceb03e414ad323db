"""Invariants of the matching core over generated small worlds (hypothesis).

**Money is conserved, to the đồng.** For a run of day D whose transactions
all fall on D and whose bank credits settle D's batches or are stray:

1. collections: Σ SUCCESS amounts paid on D = Σ amounts of the transactions
   matched to an obligation + Σ ``actual_vnd`` of the ``DUPLICATE_PAYMENT``
   rows + Σ ``actual_vnd`` of the ``ORPHAN_PAYMENT`` rows (each SUCCESS is
   exactly one of matched, duplicate, orphan);
2. amounts due: Σ (paid − due) over matched transactions = Σ
   ``difference_vnd`` of the ``UNDERPAID`` and ``OVERPAID`` rows;
3. settlement: Σ credited to D's batches − Σ expected of them = Σ
   ``difference_vnd`` of the ``SETTLEMENT_AMOUNT_MISMATCH`` and
   ``MISSING_BANK_CREDIT`` rows (a late credit is whole: difference 0);
4. bank: Σ VND credits booked on the treasury accounts (reversals negative)
   = Σ credited to D's batches + Σ ``actual_vnd`` of the
   ``UNEXPECTED_BANK_CREDIT`` rows of the runs of the booking dates (a
   stray credit belongs to the run of the day it was booked).

The result does not depend on the order of the input rows, and the same
inputs give the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_world import D, World, account

from reconcile.matching import MatchResult, reconcile_inputs
from reconcile.ports import DayInputs

NEXT = dt.date(2026, 11, 26)
LATE = dt.date(2026, 11, 27)
PROVINCES = ("01", "79")

payment = st.fixed_dictionaries(
    {
        "due": st.integers(1, 50).map(lambda n: n * 1_000),
        "paid": st.sampled_from(["exact", "less", "more", "twice", "unknown_code", "unrecorded", "none"]),
        "province": st.sampled_from(PROVINCES),
        "misdirected": st.booleans(),
        "refund": st.booleans(),
    }
)
credit = st.sampled_from(["exact", "short", "missing", "split", "late", "by_amount", "reversed_and_rebooked"])


@st.composite
def worlds(draw: st.DrawFn) -> World:
    world = World()
    for n, spec in enumerate(draw(st.lists(payment, min_size=1, max_size=8))):
        _add_payment(world, n, spec)
    for province in PROVINCES:
        _credit_batch(world, province, draw(credit))
    for n, amount in enumerate(draw(st.lists(st.integers(1, 10_000), max_size=2))):
        world.entry(amount, account(draw(st.sampled_from(PROVINCES))), NEXT, f"STRAY{n}", remittance="?")
    world.bank_covered = {account(p): LATE for p in PROVINCES}
    return world


def _add_payment(world: World, n: int, spec: dict[str, Any]) -> None:
    code, txn, due, kind = f"P{n}", f"T{n}", spec["due"], spec["paid"]
    province = spec["province"]
    paid = {"less": due - 500, "more": due + 500}.get(kind, due)
    if kind == "none":
        world.obligation(
            code, due, portal_status="paid", portal_txn_id=txn, portal_paid_date=D, province_code=province
        )
        return
    world.payment("X" + code if kind == "unknown_code" else code, txn, paid, province_code=province)
    world.obligation(code, due, province_code=province, **({} if kind == "unrecorded" else {
        "portal_status": "paid", "portal_txn_id": txn, "portal_paid_date": D}))  # fmt: skip
    if kind == "twice":
        world.txn(txn + "B", code, paid, province_code=province)
    if spec["misdirected"]:
        other = PROVINCES[1 - PROVINCES.index(province)]
        world.txns[-1].update(treasury_account=account(other), batch_id=f"B-{other}-20261125")
    if spec["refund"]:
        last = world.txns[-1]
        world.txn("R" + last["txn_id"], last["payment_code"], last["amount_vnd"] // 2, status="REFUND",
                  original_txn_id=last["txn_id"], treasury_account=last["treasury_account"],
                  batch_id=last["batch_id"])  # fmt: skip


def _credit_batch(world: World, province: str, how: str) -> None:
    batch = f"B-{province}-20261125"
    rows = [t for t in world.txns if t["batch_id"] == batch]
    if not rows or how == "missing":
        return
    expected = sum(t["amount_vnd"] if t["status"] == "SUCCESS" else -t["amount_vnd"] for t in rows)
    acct = account(province)
    if how == "split":
        world.entry(expected // 3, acct, NEXT, f"{batch}-1", end_to_end_id=batch)
        world.entry(expected - expected // 3, acct, NEXT, f"{batch}-2", remittance=f"QT {batch}")
    elif how == "reversed_and_rebooked":
        world.entry(expected, acct, NEXT, f"{batch}-1", end_to_end_id=batch)
        world.entry(expected, acct, NEXT, f"{batch}-R", direction="DBIT", reversal=True, end_to_end_id=batch)
        world.entry(expected, acct, NEXT, f"{batch}-2", end_to_end_id=batch)
    else:
        amount = expected - 700 if how == "short" else expected
        day = LATE if how == "late" else NEXT
        reference = {} if how == "by_amount" else {"end_to_end_id": batch}
        world.entry(amount, acct, day, f"{batch}-1", **reference)


def amounts(result: MatchResult, *categories: str, column: str = "actual_vnd") -> int:
    return sum(r[column] or 0 for r in result.discrepancies.to_pylist() if r["category"] in categories)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_money_is_conserved_to_the_dong(world: World) -> None:
    result = reconcile_inputs(world.inputs())
    counts = result.counts
    assert counts["amount_collected_vnd"] == (
        counts["amount_matched_vnd"]
        + amounts(result, "DUPLICATE_PAYMENT")
        + amounts(result, "ORPHAN_PAYMENT")
    )
    assert counts["amount_matched_vnd"] - counts["amount_due_matched_vnd"] == amounts(
        result, "UNDERPAID", "OVERPAID", column="difference_vnd"
    )
    assert counts["amount_settled_vnd"] - counts["amount_expected_vnd"] == amounts(
        result, "SETTLEMENT_AMOUNT_MISMATCH", "MISSING_BANK_CREDIT", column="difference_vnd"
    )
    booked = sum(e["amount"] if e["direction"] == "CRDT" else -e["amount"] for e in world.entries)
    days = sorted({e["booking_date"] for e in world.entries})
    stray = sum(amounts(reconcile_inputs(world.inputs(day)), "UNEXPECTED_BANK_CREDIT") for day in days)
    assert booked == counts["amount_settled_vnd"] + stray


def shuffled(inputs: DayInputs, seed: int) -> DayInputs:
    def shuffle(table: pa.Table) -> pa.Table:
        order = list(range(table.num_rows))
        random.Random(seed).shuffle(order)
        return table.take(pa.array(order, pa.int64()))

    return DayInputs(
        **{
            **{name: getattr(inputs, name) for name in DayInputs.__dataclass_fields__},
            "obligations": shuffle(inputs.obligations),
            "txns": shuffle(inputs.txns),
            "entries": shuffle(inputs.entries),
            "details": shuffle(inputs.details),
            "provinces": shuffle(inputs.provinces),
        }
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.integers(0, 2**32))
def test_the_result_does_not_depend_on_the_order_of_the_rows(world: World, seed: int) -> None:
    inputs = world.inputs()
    first = reconcile_inputs(inputs)
    again = reconcile_inputs(shuffled(inputs, seed))
    assert again.discrepancies.equals(first.discrepancies)
    assert again.counts == first.counts


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_the_same_inputs_give_the_same_rows(world: World) -> None:
    inputs = world.inputs()
    assert reconcile_inputs(inputs).discrepancies.equals(reconcile_inputs(inputs).discrepancies)
