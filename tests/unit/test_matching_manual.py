"""Approved manual matches: a credit paired with a batch, a transaction with an obligation."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching_world import D, FakeRunStore, World, account, found

from reconcile.manual import ManualPairings, Pairing, pairing_of
from reconcile.matching import reconcile_inputs
from reconcile.runs import reconcile_day
from usecases.runs import rerun_after_decision

BATCH = "B-01-20261125"
NEXT = dt.date(2026, 11, 26)


def unexplained_credit(amount: int = 300_000) -> World:
    """D's batch of 300 000 and, the next day, a credit no rule links to it (another amount's twin)."""
    world = World()
    world.payment("P1", "T1", 200_000)
    world.payment("P2", "T2", 100_000)
    world.entry(amount, account("01"), NEXT, "BANK1", remittance="CHUYEN TIEN")
    world.entry(amount, account("01"), NEXT, "BANK2", remittance="CHUYEN TIEN")  # amount cannot choose
    return world


def test_the_two_keys_say_what_is_paired_in_either_order() -> None:
    assert pairing_of("MISSING_BANK_CREDIT:B1", "UNEXPECTED_BANK_CREDIT:R1") == Pairing("credit", "R1", "B1")
    assert pairing_of("UNEXPECTED_BANK_CREDIT:R1", "SETTLEMENT_AMOUNT_MISMATCH:B1") == Pairing(
        "credit", "R1", "B1"
    )
    assert pairing_of("ORPHAN_PAYMENT:T9", "PAID_NOT_SETTLED:P5") == Pairing("payment", "T9", "P5")
    assert pairing_of("PAID_NOT_SETTLED:P5", "UNDERPAID:T9") == Pairing("payment", "T9", "P5")


@pytest.mark.parametrize(
    ("item", "other"),
    [
        ("UNEXPECTED_BANK_CREDIT:R1", "UNEXPECTED_BANK_CREDIT:R2"),
        ("MISSING_BANK_CREDIT:B1", "ORPHAN_PAYMENT:T1"),
        ("NOT_A_CATEGORY:X", "MISSING_BANK_CREDIT:B1"),
        ("MISSING_BANK_CREDIT:", "UNEXPECTED_BANK_CREDIT:R1"),
    ],
)
def test_a_pair_the_core_cannot_honour_pairs_nothing(item: str, other: str) -> None:
    assert pairing_of(item, other) is None


def test_without_the_pairing_the_batch_and_both_credits_are_reported() -> None:
    world = unexplained_credit()
    assert ("MISSING_BANK_CREDIT", BATCH) in found(reconcile_inputs(world.inputs()).discrepancies)
    assert ("UNEXPECTED_BANK_CREDIT", "BANK1") in found(reconcile_inputs(world.inputs(NEXT)).discrepancies)


def test_a_paired_credit_settles_the_batch_and_is_no_longer_unexpected() -> None:
    world = unexplained_credit()
    world.manual = ManualPairings(credits={"BANK1": BATCH})
    result = reconcile_inputs(world.inputs())
    assert found(result.discrepancies) == set()
    batch = result.verdict.batches.to_pylist()
    assert [(b["batch_id"], b["status"], b["credited_vnd"]) for b in batch] == [(BATCH, "matched", 300_000)]
    next_day = found(reconcile_inputs(world.inputs(NEXT)).discrepancies)
    assert next_day == {("UNEXPECTED_BANK_CREDIT", "BANK2")}
    links = {
        c["bank_ref"]: (c["batch_id"], c["link"])
        for c in reconcile_inputs(world.inputs(NEXT)).verdict.credits.to_pylist()
    }
    assert links["BANK1"] == (BATCH, "manual")


def test_a_pairing_never_hides_a_wrong_amount() -> None:
    world = unexplained_credit(amount=250_000)
    world.manual = ManualPairings(credits={"BANK1": BATCH})
    rows = reconcile_inputs(world.inputs()).discrepancies.to_pylist()
    assert [(r["category"], r["batch_id"], r["expected_vnd"], r["actual_vnd"]) for r in rows] == [
        ("SETTLEMENT_AMOUNT_MISMATCH", BATCH, 300_000, 250_000)
    ]


def test_a_pairing_beats_a_reference_naming_another_batch() -> None:
    world = World()
    world.payment("P1", "T1", 100_000)
    world.payment("P2", "T2", 100_000, batch_id="B-OTHER")
    world.entry(100_000, account("01"), NEXT, "BANK1", end_to_end_id="B-OTHER")
    world.manual = ManualPairings(credits={"BANK1": BATCH})
    assert found(reconcile_inputs(world.inputs()).discrepancies) == {("MISSING_BANK_CREDIT", "B-OTHER")}


def test_a_pairing_naming_an_unknown_batch_links_nothing() -> None:
    world = unexplained_credit()
    world.manual = ManualPairings(credits={"BANK1": "B-NOWHERE"})
    assert ("UNEXPECTED_BANK_CREDIT", "BANK1") in found(reconcile_inputs(world.inputs(NEXT)).discrepancies)


def orphan_and_unsettled(paid: int = 100_000) -> World:
    """T9 carries a mistyped code; the portal shows P5 paid by an id no gateway knows."""
    world = World()
    world.obligation(
        "P5", 100_000, portal_status="paid", portal_txn_id="GW-77", portal_paid_date=D, portal_paid_at=None
    )
    world.txn("T9", "P5X", paid)
    world.settle_all()
    return world


def test_without_the_pairing_the_orphan_and_the_unsettled_obligation_are_reported() -> None:
    assert found(reconcile_inputs(orphan_and_unsettled().inputs()).discrepancies) == {
        ("ORPHAN_PAYMENT", "T9"),
        ("PAID_NOT_SETTLED", "P5"),
    }


def test_a_paired_transaction_pays_the_obligation() -> None:
    world = orphan_and_unsettled()
    world.manual = ManualPairings(payments={"T9": "P5"})
    result = reconcile_inputs(world.inputs())
    assert found(result.discrepancies) == set()
    assert result.counts["txns_matched"] == 1


def test_a_paired_transaction_of_the_wrong_amount_is_still_underpaid() -> None:
    world = orphan_and_unsettled(paid=90_000)
    world.manual = ManualPairings(payments={"T9": "P5"})
    rows = reconcile_inputs(world.inputs()).discrepancies.to_pylist()
    assert [(r["category"], r["txn_id"], r["payment_code"], r["difference_vnd"]) for r in rows] == [
        ("UNDERPAID", "T9", "P5", -10_000)
    ]


def test_a_paired_transaction_is_the_payment_and_another_one_the_duplicate() -> None:
    world = World()
    world.obligation("P5", 100_000, portal_status="paid", portal_txn_id="T1", portal_paid_date=D)
    world.txn("T1", "P5")
    world.txn("T9", "P5X")
    world.settle_all()
    world.manual = ManualPairings(payments={"T9": "P5"})
    assert found(reconcile_inputs(world.inputs()).discrepancies) == {("DUPLICATE_PAYMENT", "T1")}


@settings(max_examples=25, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=5_000_000), min_size=1, max_size=4),
    credited=st.integers(min_value=1, max_value=20_000_000),
)
def test_a_paired_credit_is_judged_by_the_amounts_alone(amounts: list[int], credited: int) -> None:
    world = World()
    for n, amount in enumerate(amounts):
        world.payment(f"P{n}", f"T{n}", amount)
    world.entry(credited, account("01"), NEXT, "BANK1", remittance="CHUYEN TIEN")
    world.entry(credited, account("01"), NEXT, "BANK2", remittance="CHUYEN TIEN")
    world.manual = ManualPairings(credits={"BANK1": BATCH})
    expected = sum(amounts)
    result = reconcile_inputs(world.inputs())
    wanted = set() if credited == expected else {("SETTLEMENT_AMOUNT_MISMATCH", BATCH)}
    assert found(result.discrepancies) == wanted
    (batch,) = result.verdict.batches.to_pylist()
    assert batch["credited_vnd"] == credited
    assert ("UNEXPECTED_BANK_CREDIT", "BANK1") not in found(
        reconcile_inputs(world.inputs(NEXT)).discrepancies
    )


def test_a_rerun_after_a_decision_runs_each_date_of_the_items_for_their_provinces() -> None:
    world = unexplained_credit()
    store = FakeRunStore(world)
    reconcile_day(store, D)
    assert ("MISSING_BANK_CREDIT", BATCH) in found(store.discrepancies(store.latest_run(D).id))
    world.manual = ManualPairings(credits={"BANK1": BATCH})
    done = rerun_after_decision(store, [(NEXT, "01"), (D, "01"), (D, "79")], "vien")
    assert [(s.run.business_date, s.run.provinces, s.run.reason) for s in done] == [
        (D, ("01", "79"), "manual match approved by vien"),
        (NEXT, ("01",), "manual match approved by vien"),
    ]
    assert found(store.discrepancies(done[0].id)) == set()
    assert found(store.discrepancies(done[1].id)) == {("UNEXPECTED_BANK_CREDIT", "BANK2")}


def test_an_item_of_no_province_reruns_every_province_of_its_date() -> None:
    store = FakeRunStore(unexplained_credit())
    (summary,) = rerun_after_decision(store, [(D, "01"), (D, None)], "vien", decision="write-off")
    assert (summary.run.provinces, summary.run.reason) == ((), "write-off approved by vien")


def test_a_ministrys_item_reruns_its_date_for_that_ministry_alone() -> None:
    store = FakeRunStore(unexplained_credit())
    (summary,) = rerun_after_decision(store, [(D, "BCA"), (D, "01")], "vien")
    assert (summary.id, summary.run.provinces) == ("2026-11-25-01-BCA-v1", ("01", "BCA"))
