"""The data generator: reproducible, realistic, and labelled exactly.

The generated files are read back with the service's own parsers, so these
tests check what is on disk, not what the generator meant to write. The
strongest check hands the parsed day to the matching core (in memory, no
database) and asks for exactly the labelled problems, each once, and nothing
else.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import datetime as dt
import itertools
import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.formats.base import detect
from adapters.formats.registry import parsers_for
from adapters.settings import settings_from_mapping
from fixtures.gen_reference import load_reference
from fixtures.generator import World, generate_days, generate_world
from reconcile.calendar import BusinessCalendar
from reconcile.columns import ASSET_CLASSES as RULE_ASSET_CLASSES
from reconcile.columns import BANK_ENTRIES, BANK_ENTRY_DETAILS
from reconcile.discrepancies import DISCREPANCIES, KEY_OF, Category
from reconcile.matching import reconcile_inputs
from reconcile.money import apply_rate
from reconcile.ports import FEE_SCHEDULE, PROVINCES, TAX_RATES, DayInputs, GatewayTerms
from reconcile.records import BankStatement
from reconcile.statements import continuity_issue

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DAY = dt.date(2026, 11, 26)
BATCH_PROBLEMS = {"MISSING_BANK_CREDIT", "SETTLEMENT_AMOUNT_MISMATCH", "LATE_SETTLEMENT"}


def _reference(name: str) -> list[dict[str, str]]:
    """A reference file's rows; of the fee schedule only the online amounts, which portal payments owe."""
    with (FIXTURES / name).open(encoding="utf-8", newline="") as stream:
        return [row for row in csv.DictReader(stream) if row.get("channel", "online") in ("online", "")]


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _table(name: str, schema: pa.Schema) -> pa.Table:
    """A reference CSV as the store hands it to the core: dates as dates, amounts as integers."""
    rows = []
    for row in _reference(name):
        typed: dict[str, object] = dict(row)
        for column in ("valid_from", "valid_to"):
            if column in row:
                typed[column] = _date(row[column])
        if "amount_vnd" in row:
            typed["amount_vnd"] = int(row["amount_vnd"])
        rows.append({field: typed[field] for field in schema.names})
    return pa.Table.from_pylist(rows, schema=schema)


def _entry_tables(statements: list[BankStatement]) -> tuple[pa.Table, pa.Table]:
    """Bank entries and their ``TxDtls`` flattened as the store keeps them, numbered from 1."""
    entries: list[dict[str, object]] = []
    details: list[dict[str, object]] = []
    for statement in statements:
        for entry in statement.entries:
            entry_id = len(entries) + 1
            entries.append(
                {
                    "entry_id": entry_id,
                    "account": statement.account,
                    "currency": entry.currency,
                    "direction": entry.direction.value,
                    "amount": entry.amount,
                    "booking_date": entry.booking_date,
                    "value_date": entry.value_date,
                    "reversal": entry.reversal,
                    "status": entry.status,
                    "bank_ref": entry.bank_ref,
                    "end_to_end_id": entry.end_to_end_id,
                    "remittance": entry.remittance,
                }
            )
            details += [
                {
                    "entry_id": entry_id,
                    "end_to_end_id": d.end_to_end_id,
                    "amount": d.amount,
                    "remittance": d.remittance,
                }
                for d in entry.details
            ]
    return pa.Table.from_pylist(entries, schema=BANK_ENTRIES), pa.Table.from_pylist(
        details, schema=BANK_ENTRY_DETAILS
    )


class ReadBack:
    """A generated world as the service's parsers read it."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.settings = settings_from_mapping(tomllib.loads(world.config_text))
        parsers = parsers_for(self.settings.layouts)
        obligations: list[pa.Table] = []
        txns: list[pa.Table] = []
        statements: list[BankStatement] = []
        self.gateway_identities: list[str | None] = []
        for path in world.input_files:
            parsed = detect(path, parsers).parse(path)
            assert parsed.issues == (), parsed.issues
            if parsed.table is None:
                statements += parsed.statements
            elif parsed.format.startswith("obligations"):
                obligations.append(parsed.table)
            else:
                txns.append(parsed.table)
                self.gateway_identities.append(parsed.identity)
        self.obligations = pa.concat_tables(obligations)
        self.txns = pa.concat_tables(txns)
        self.statements: list[BankStatement] = statements

    def day_inputs(self) -> DayInputs:
        """What a run store would load for the world's first day, straight from the parsed files."""
        entries, details = _entry_tables(self.statements)
        covered: dict[str, dt.date] = {}
        for statement in self.statements:
            assert statement.to_date is not None
            covered[statement.account] = max(
                covered.get(statement.account, statement.to_date), statement.to_date
            )
        paid = self.txns.group_by("gateway").aggregate([("paid_date", "max")])
        return DayInputs(
            business_date=self.world.business_date,
            obligations=self.obligations,
            txns=self.txns,
            entries=entries,
            details=details,
            provinces=_table("provinces.csv", PROVINCES),
            tax_rates=_table("registration_tax_rates.csv", TAX_RATES),
            fee_schedule=_table("fee_schedule.csv", FEE_SCHEDULE),
            bank_coverage=pa.table(
                {"name": list(covered), "covered_to": pa.array(list(covered.values()), pa.date32())}
            ),
            gateway_coverage=pa.table({"name": paid["gateway"], "covered_to": paid["paid_date_max"]}),
            carried=DISCREPANCIES.empty_table(),
            calendar=BusinessCalendar.from_kinds(
                (dt.date.fromisoformat(r["date"]), r["kind"]) for r in _reference("holidays.csv")
            ),
            gateways={
                g.name: GatewayTerms(g.settlement_days, g.fee_mode) for g in self.settings.gateways.values()
            },
            merges={r["old_code"]: r["new_code"] for r in _reference("province_merges.csv")},
        )

    def reported(self, day: dt.date | None = None) -> list[tuple[str, str, str]]:
        """(category, key, status) of every row the matching core reports for ``day`` (default: the first)."""
        inputs = self.day_inputs()
        rows = reconcile_inputs(dataclasses.replace(inputs, business_date=day or inputs.business_date))
        rows = rows.discrepancies.to_pylist()
        return [(r["category"], r[KEY_OF[Category(r["category"])]], r["status"]) for r in rows]


@pytest.fixture(scope="module")
def moderate(tmp_path_factory: pytest.TempPathFactory) -> ReadBack:
    world = generate_world(
        tmp_path_factory.mktemp("moderate"), business_date=DAY, n_payments=4_000, seed=2026
    )
    return ReadBack(world)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = generate_world(tmp_path / "a", business_date=DAY, n_payments=400, seed=5)
    second = generate_world(tmp_path / "b", business_date=DAY, n_payments=400, seed=5)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert first.ground_truth == second.ground_truth


def test_another_seed_gives_another_day(tmp_path: Path) -> None:
    generate_world(tmp_path / "a", business_date=DAY, n_payments=400, seed=5)
    generate_world(tmp_path / "b", business_date=DAY, n_payments=400, seed=6)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert a["portal/obligations_20261126.csv"] != b["portal/obligations_20261126.csv"]


def test_every_category_is_labelled_in_a_moderate_day(moderate: ReadBack) -> None:
    labelled = collections.Counter(category for category, _ in moderate.world.ground_truth)
    assert set(labelled) == {category.value for category in Category}
    written = json.loads(moderate.world.ground_truth_file.read_text(encoding="utf-8"))
    assert [(row["category"], row["key"]) for row in written] == list(moderate.world.ground_truth)


def test_the_matcher_reports_exactly_the_labelled_problems(moderate: ReadBack) -> None:
    reported = moderate.reported()
    assert sorted((category, key) for category, key, _ in reported) == sorted(moderate.world.ground_truth)
    assert {status for _, _, status in reported} == {"open"}  # every window is covered: nothing pending


def test_a_day_without_problems_reports_nothing(tmp_path: Path) -> None:
    world = generate_world(tmp_path, business_date=DAY, n_payments=500, seed=9, problems=False)
    assert world.ground_truth == ()
    assert ReadBack(world).reported() == []


def test_clean_batches_are_credited_their_successes_less_refunds_and_net_fees(moderate: ReadBack) -> None:
    net = {name for name, g in moderate.settings.gateways.items() if g.fee_mode == "net"}
    t = moderate.txns
    refund = pc.equal(t["status"], "REFUND")
    fee = pc.if_else(pc.is_in(t["gateway"], pa.array(sorted(net))), t["fee_vnd"], 0)
    signed = pc.if_else(refund, pc.negate(t["amount_vnd"]), pc.subtract(t["amount_vnd"], fee))
    expected = {
        row["batch_id"]: row["signed_sum"]
        for row in pa.table({"batch_id": t["batch_id"], "signed": signed})
        .group_by("batch_id")
        .aggregate([("signed", "sum")])
        .to_pylist()
    }
    credited = _credits_by_batch(moderate.statements, moderate.txns)
    troubled = {key for category, key in moderate.world.ground_truth if category in BATCH_PROBLEMS}
    assert troubled <= expected.keys()
    assert sum(1 for batch_id in expected if batch_id not in troubled) > 10
    for batch_id, amount in expected.items():
        if batch_id not in troubled:
            assert credited.get(batch_id) == amount, batch_id


def _credits_by_batch(statements: list[BankStatement], txns: pa.Table) -> dict[str, int]:
    """What the statements credit to each batch, found by the batch id or by the TxDtls' transactions."""
    batch_of: dict[str | None, str] = dict(
        zip(txns["txn_id"].to_pylist(), txns["batch_id"].to_pylist(), strict=True)
    )
    batches = set(batch_of.values())
    credited: dict[str, int] = {}
    for statement in statements:
        for entry in statement.entries:
            words = set((entry.remittance or "").split()) | {entry.end_to_end_id or ""}
            named = words & batches or {
                batch_of[d.end_to_end_id] for d in entry.details if d.end_to_end_id in batch_of
            }
            if named:
                (batch_id,) = named
                credited[batch_id] = credited.get(batch_id, 0) + entry.signed_amount
    return credited


def test_statements_are_continuous_within_and_between_days(moderate: ReadBack) -> None:
    calendar = moderate.day_inputs().calendar
    by_account: dict[str, list[BankStatement]] = {}
    for statement in moderate.statements:
        assert continuity_issue(statement, "generated") is None
        by_account.setdefault(statement.account, []).append(statement)
    assert len(by_account) == 54 + len(load_reference().agencies)  # the provinces' and the ministries'
    assert len(load_reference().agencies) == 4
    for statements in by_account.values():
        ordered = sorted(statements, key=lambda s: s.to_date or DAY)
        days = [s.to_date for s in ordered]
        assert days[0] == DAY
        assert days == [calendar.add(DAY, i) for i in range(len(days))]  # every business day, none skipped
        for before, after in itertools.pairwise(ordered):
            assert before.closing is not None
            assert after.opening is not None
            assert before.closing.amount == after.opening.amount


def test_obligation_amounts_follow_the_reference_data_except_the_injected_mismatches(
    moderate: ReadBack,
) -> None:
    assert _misjudged(moderate.obligations) == _rule_labels(moderate.world)
    assert set(moderate.obligations["kind"].to_pylist()) == {
        "fee",
        "charge",
        "land_charge",
        "registration_tax",
    }


@pytest.mark.parametrize(
    ("day", "province", "column", "key", "change"),
    [
        # the 5 % city rate for a first motorbike registration ends on 2025-06-30 (Decree 175/2025)
        (dt.date(2025, 7, 3), "01", "asset_class", "motorbike_first", dt.date(2025, 7, 1)),
        # a domestically built car pays half the rate from 2024-09-01 (Decree 109/2024)
        (dt.date(2024, 9, 4), None, "asset_class", "car_first_domestic", dt.date(2024, 9, 1)),
        # the car plate charge drops on 2026-01-01 everywhere
        (dt.date(2026, 1, 5), None, "procedure_code", "BIEN_SO_OTO", dt.date(2026, 1, 1)),
    ],
)
def test_obligations_issued_either_side_of_a_reference_change_are_priced_by_their_issue_date(
    tmp_path: Path, day: dt.date, province: str | None, column: str, key: str, change: dt.date
) -> None:
    world = generate_world(tmp_path, business_date=day, n_payments=8_000, seed=11)
    obligations = ReadBack(world).obligations
    assert _misjudged(obligations) == _rule_labels(world)
    issued = {
        row["issued_date"] >= change
        for row in obligations.to_pylist()
        if row[column] == key and province in (None, row["province_code"])
    }
    assert issued == {False, True}  # the day holds obligations priced under both versions


def test_a_day_holds_every_asset_class_and_owes_nothing_through_a_gateway_for_free(
    moderate: ReadBack,
) -> None:
    rows = moderate.obligations.to_pylist()
    classes = {row["asset_class"] for row in rows if row["kind"] == "registration_tax"}
    # an electric car costs 0 ₫ in 2026: it is in the register only unpaid, or wrongly charged
    assert set(RULE_ASSET_CLASSES) - {"ev_car_first"} <= classes
    free = [row for row in rows if row["amount_vnd"] == 0]
    assert all(row["portal_status"] == "unpaid" for row in free)
    flagged = _rule_labels(moderate.world)
    paid_evs = [
        row for row in rows if row["asset_class"] == "ev_car_first" and row["portal_status"] == "paid"
    ]
    assert all(row["payment_code"] in flagged for row in paid_evs)


@pytest.mark.parametrize(
    ("day", "due"),
    [(dt.date(2025, 12, 31), 180_000), (dt.date(2026, 1, 2), 200_000), (dt.date(2023, 12, 1), 200_000)],
)
def test_a_ministrys_passport_charge_is_priced_by_the_schedule_on_its_issue_date(
    tmp_path: Path, day: dt.date, due: int
) -> None:
    """Online, 180 000 đ from 2023-12-01 to 2025-12-31 (Thông tư 63/2023); issued the day before payment."""
    world = generate_world(tmp_path, business_date=day, n_payments=800, seed=3)
    obligations = ReadBack(world).obligations
    passports = {row["amount_vnd"] for row in obligations.to_pylist() if row["agency_code"] == "BCA"}
    assert passports == {due}
    assert _misjudged(obligations) == _rule_labels(world)


def test_after_the_zero_rate_years_an_electric_car_pays_half_the_car_rate(tmp_path: Path) -> None:
    world = generate_world(tmp_path, business_date=dt.date(2027, 3, 10), n_payments=4_000, seed=5)
    obligations = ReadBack(world).obligations
    assert _misjudged(obligations) == _rule_labels(world)
    evs = [
        row
        for row in obligations.to_pylist()
        if row["asset_class"] == "ev_car_first" and row["payment_code"] not in _rule_labels(world)
    ]
    assert evs
    for row in evs:
        car = Decimal("0.12") if row["province_code"] in ("01", "31") else Decimal("0.10")
        assert row["amount_vnd"] == apply_rate(row["taxable_value_vnd"], car / 2)


def _rule_labels(world: World) -> set[str]:
    rules = {"TAX_RATE_MISMATCH", "FEE_SCHEDULE_MISMATCH"}
    return {key for category, key in world.ground_truth if category in rules}


def _misjudged(obligations: pa.Table) -> set[str]:
    """Payment codes whose amount differs from the reference row valid on their issue date."""
    fees = _reference("fee_schedule.csv")
    rates = _reference("registration_tax_rates.csv")
    wrong: set[str] = set()
    for row in obligations.to_pylist():
        if row["kind"] in ("fee", "charge"):
            dues = [
                int(f["amount_vnd"])
                for f in fees
                if _applies(f, row, "procedure_code", row["procedure_code"])
            ]
            if (
                row["province_code"] is None and not dues
            ):  # a ministry's procedure the schedule does not price
                continue
            (due,) = dues
        elif row["kind"] == "registration_tax":
            (rate,) = (
                Decimal(r["rate"]) for r in rates if _applies(r, row, "asset_class", row["asset_class"])
            )
            due = apply_rate(row["taxable_value_vnd"], rate)
        else:
            continue
        if due != row["amount_vnd"]:
            wrong.add(row["payment_code"])
    return wrong


def _applies(reference: dict[str, str], obligation: dict[str, object], column: str, value: object) -> bool:
    day = obligation["issued_date"]
    assert isinstance(day, dt.date)
    start, end = _date(reference["valid_from"]), _date(reference["valid_to"])
    in_force = start is not None and start <= day and (end is None or day <= end)
    payee = obligation["province_code"] or obligation["agency_code"]  # a ministry's rows are under its code
    return reference["province_code"] == payee and reference[column] == value and in_force


def test_the_configuration_fragment_declares_a_net_and_a_two_day_gateway(moderate: ReadBack) -> None:
    gateways = moderate.settings.gateways
    assert set(gateways) == {"vnptpay", "viettelmoney", "vnpay", "momo", "payoo", "napas"}
    assert any(g.fee_mode == "net" for g in gateways.values())
    assert any(g.settlement_days == 2 for g in gateways.values())
    assert set(moderate.txns["gateway"].to_pylist()) == set(gateways)


def test_transaction_ids_are_unique_and_payments_fall_on_the_business_date(moderate: ReadBack) -> None:
    ids = moderate.txns["txn_id"]
    assert len(pc.unique(ids)) == len(ids)
    assert set(moderate.txns["paid_date"].to_pylist()) == {DAY}
    assert pc.all(pc.less(moderate.obligations["issued_date"], pa.scalar(DAY, pa.date32()))).as_py()


def test_consecutive_days_each_report_their_own_labels(tmp_path: Path) -> None:
    world = generate_days(tmp_path, start=dt.date(2026, 11, 27), days=3, n_payments=300, seed=4)
    assert world.business_dates == (dt.date(2026, 11, 27), dt.date(2026, 11, 30), dt.date(2026, 12, 1))
    read = ReadBack(world)
    for day in world.business_dates:
        reported = {(category, key) for category, key, _ in read.reported(day)}
        # each run reports its own day's problems and nothing of a later day (no runs carry here)
        assert reported == set(world.ground_truth_by_date[day])
    rows = json.loads(world.ground_truth_file.read_text(encoding="utf-8"))
    assert {row["business_date"] for row in rows} == {day.isoformat() for day in world.business_dates}
    assert len(world.obligation_files) == 3
    # one file per gateway and settlement date; none may pass for a correction of another
    assert len(read.gateway_identities) == len(world.gateway_files)
    assert len(set(read.gateway_identities)) == len(read.gateway_identities), read.gateway_identities


def test_a_day_too_small_for_every_problem_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too small"):
        generate_world(tmp_path, business_date=DAY, n_payments=3, seed=1)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_payments=st.integers(60, 600),
    day=st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
)
def test_any_small_day_reports_exactly_its_labels(
    tmp_path_factory: pytest.TempPathFactory, seed: int, n_payments: int, day: dt.date
) -> None:
    world = generate_world(
        tmp_path_factory.mktemp("any"), business_date=day, n_payments=n_payments, seed=seed
    )
    reported = ReadBack(world).reported()
    assert sorted((category, key) for category, key, _ in reported) == sorted(world.ground_truth)
    assert {status for _, _, status in reported} == {"open"}
