"""An independently written world, reconciled through the ``recon`` command line.

The files come from :mod:`independent_world`, written from DESIGN.md §2–§7
alone. Every category is injected; DESIGN.md §5 says each problem "must be
reported exactly once, under its category and key, and a clean item must
not be reported at all". Where the product disagrees with the text of
DESIGN.md the test keeps the contract and is a strict xfail whose reason
says what the product does and what it should do.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))

from independent_world import (
    CORRECTED,
    CORRECTED_TXN,
    DAY,
    GATEWAYS,
    MT940_ACCOUNTS,
    MT940_PERIODS,
    NEXT_BUSINESS_DAY,
    PREVIOUS_DAY,
    UNCONFIGURED_GATEWAY,
    Expected,
    World,
    build_world,
    notified,
    statement_totals,
    write_follow_up,
    write_noise,
    write_world,
)

KEY_OF = {
    "ORPHAN_PAYMENT": "txn_id",
    "UNDERPAID": "txn_id",
    "OVERPAID": "txn_id",
    "DUPLICATE_PAYMENT": "txn_id",
    "WRONG_PROVINCE": "txn_id",
    "PAID_NOT_SETTLED": "payment_code",
    "SETTLED_NOT_RECORDED": "txn_id",
    "MISSING_BANK_CREDIT": "batch_id",
    "SETTLEMENT_AMOUNT_MISMATCH": "batch_id",
    "LATE_SETTLEMENT": "batch_id",
    "UNEXPECTED_BANK_CREDIT": "bank_ref",
    "UNMATCHED_REFUND": "txn_id",
    "TAX_RATE_MISMATCH": "payment_code",
    "FEE_SCHEDULE_MISMATCH": "payment_code",
}
INGEST_KEYS = {"path", "sha256", "format", "status", "statements", "entries", "totals", "warnings", "error"}
SCHEMA = Path(__file__).resolve().parents[2] / "reports" / "settlement_statement.xsd"
AMOUNTS = ("expected_vnd", "actual_vnd", "difference_vnd")
CONTRACT_COLUMNS = {
    "category",
    "severity",
    "status",
    "province_code",
    "business_date",
    "payment_code",
    "txn_id",
    "gateway",
    "batch_id",
    "bank_ref",
    "expected_vnd",
    "actual_vnd",
    "difference_vnd",
    "age_days",
    "detail",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    config: Path
    world: World
    files: list[Path]
    ingested: list[dict[str, Any]]
    run_output: str
    report: dict[str, Any]
    earlier: dict[str, dict[str, Any]]  # reports of the runs made before D's, by date

    def found(self, category: str, key: str) -> list[dict[str, Any]]:
        return [
            r
            for r in self.report["discrepancies"]
            if r["category"] == category and r[KEY_OF[category]] == key
        ]


#: The ground truth, known at collection time (the world is pure data until written).
INJECTED = build_world().expected
PRICED = [e for e in INJECTED if e.expected_vnd is not None]
ALL_KEYS = sorted((e.category, e.key) for e in INJECTED)


def cases(items: list[Expected]) -> list[Any]:
    """One parameter per injected problem."""
    return [pytest.param(e, id=f"{e.category}-{e.key}") for e in items]


def recon(config: Path, *args: str, status: int = 0) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == status, f"recon {' '.join(args)}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return reconcile(build_world(), tmp_path_factory.mktemp("independent-world"))


def reconcile(world: World, directory: Path, earlier_runs: tuple[str, ...] = ()) -> Outcome:
    """Write the world; ``init``, ``ingest --json``, the ``earlier_runs``, then ``run`` and ``report`` D."""
    files = [*write_world(world, directory), *write_noise(world, directory)]
    config = directory / "recon.toml"
    gateways = "".join(
        f'\n[[gateways]]\nname = "{name}"\nsettlement_days = {days}\nfee_mode = "{mode}"\n'
        for name, (days, mode) in GATEWAYS.items()
    )
    config.write_text(f'[database]\nurl = "sqlite:///{directory / "recon.db"}"\n{gateways}', encoding="utf-8")
    recon(config, "init")
    ingest = recon(config, "ingest", *map(str, files), "--json", status=1)  # one file is rejected
    ingested = [json.loads(line) for line in ingest.stdout.splitlines() if line.strip()]
    earlier = {}
    for day in earlier_runs:
        recon(config, "run", "--date", day)
        recon(config, "report", "--date", day, "--format", "json", "--out", str(directory / f"{day}.json"))
        earlier[day] = json.loads((directory / f"{day}.json").read_text(encoding="utf-8"))
    run = recon(config, "run", "--date", DAY.isoformat())
    out = directory / "report.json"
    recon(config, "report", "--date", DAY.isoformat(), "--format", "json", "--out", str(out))
    report = json.loads(out.read_text(encoding="utf-8"))
    return Outcome(config, world, files, ingested, run.stdout + run.stderr, report, earlier)


def test_every_file_gets_one_contract_json_line_with_its_status(outcome: Outcome) -> None:
    """The re-sent gateway file under another name is not a correction (it warns instead); the
    later obligations export is not either; the restated statement is; the copy of a statement is
    a duplicate; the file with a bad amount is rejected."""
    copy, broken = outcome.files[-2:]
    status = {
        "kbnn-statements.camt053.xml": "correction",  # restates Quảng Nam's statement
        copy.name: "duplicate",
    }
    assert len(outcome.ingested) == len(outcome.files)
    for line, path in zip(outcome.ingested, outcome.files, strict=True):
        assert set(line) >= INGEST_KEYS, line
        if path == broken:
            assert line["status"] == "rejected", line
            assert broken.name in line["error"], line
            assert "line 3" in line["error"], line
            continue
        assert (line["status"], line["error"]) == (status.get(path.name, "accepted"), None), line
        assert line["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert Path(line["path"]).name == path.name


def test_the_re_sent_gateway_file_warns_that_it_carries_the_same_transactions_one_changed(
    outcome: Outcome,
) -> None:
    name = f"{CORRECTED[0]}-{CORRECTED[1].isoformat()}.csv"
    (line,) = [line for line in outcome.ingested if Path(line["path"]).name == name]
    first = f"{CORRECTED[0]}-{CORRECTED[1].isoformat()}-v1.csv"
    warnings = "\n".join(line["warnings"])
    changed = f"1 transaction(s) carried by other files with different content (e.g. {CORRECTED_TXN} in"
    assert f"{changed} {first}: amount_vnd" in warnings
    assert "already carried by other files with the same content" in warnings
    assert "each counts once" in warnings


def test_ingest_counts_the_statements_entries_and_totals_of_each_bank_file(outcome: Outcome) -> None:
    lines = {Path(line["path"]).name: line for line in outcome.ingested}
    entries = outcome.world.entries
    camt = [e for e in entries if e.account not in MT940_ACCOUNTS]
    mt940 = [e for e in entries if e.account in MT940_ACCOUNTS]
    expected = {
        "kbnn-statements.camt053.xml": (len({e.account for e in camt}), len(camt), statement_totals(camt)),
        "kbnn-haiphong.sta": (len(MT940_PERIODS), len(mt940), statement_totals(mt940)),
        "kbnn-hanoi-notification.camt054.xml": (1, 1, statement_totals(notified(outcome.world))),
    }
    for name, (statements, count, totals) in expected.items():
        line = lines[name]
        assert (line["statements"], line["entries"], line["totals"]) == (statements, count, totals), line
    for name, line in lines.items():
        if name.endswith(".csv"):
            assert line["statements"] is None, line


@pytest.mark.parametrize(
    "name",
    [
        "kbnn-statements.camt053.xml",
        "kbnn-haiphong.sta",
    ],
)
def test_a_statement_whose_balances_agree_reports_no_continuity_break(outcome: Outcome, name: str) -> None:
    """Opening + booked credits − booked debits (reversals included) = closing, in every statement."""
    (line,) = [line for line in outcome.ingested if Path(line["path"]).name == name]
    assert not [w for w in line["warnings"] if "continuity" in w], line["warnings"]


def test_a_gateway_missing_from_the_configuration_gets_a_warning(outcome: Outcome) -> None:
    warnings = [w for line in outcome.ingested for w in line["warnings"]]
    assert UNCONFIGURED_GATEWAY in " ".join(warnings) + outcome.run_output


def test_every_category_is_injected(outcome: Outcome) -> None:
    assert {e.category for e in outcome.world.expected} == set(KEY_OF)


@pytest.mark.parametrize("injected", cases(INJECTED))
def test_each_injected_problem_is_reported_once_under_its_category_and_key(
    outcome: Outcome, injected: Expected
) -> None:
    rows = outcome.found(injected.category, injected.key)
    assert len(rows) == 1, (injected, rows, _summary(outcome.report))


def test_nothing_but_the_injected_problems_is_reported(outcome: Outcome) -> None:
    injected = {(e.category, e.key) for e in outcome.world.expected}
    reported = [
        (r["category"], r.get(KEY_OF.get(r["category"], "txn_id"))) for r in outcome.report["discrepancies"]
    ]
    extra = [
        r
        for r in outcome.report["discrepancies"]
        if (r["category"], r.get(KEY_OF.get(r["category"], ""))) not in injected
    ]
    assert not extra, json.dumps(extra, indent=1, ensure_ascii=False)
    assert len(reported) == len(set(reported))


def test_report_amounts_are_integers_with_one_sign_convention(outcome: Outcome) -> None:
    signs = set()
    for row in outcome.report["discrepancies"]:
        for column in AMOUNTS:
            assert row[column] is None or type(row[column]) is int, (column, row)
        expected, actual, difference = (row[c] for c in AMOUNTS)
        if None not in (expected, actual, difference) and expected != actual:
            assert abs(difference) == abs(actual - expected), row
            signs.add(difference == actual - expected)
    assert len(signs) <= 1, "difference_vnd is actual − expected in some rows and expected − actual in others"


@pytest.mark.parametrize("injected", cases(PRICED))
def test_report_amounts_match_what_was_injected(outcome: Outcome, injected: Expected) -> None:
    rows = outcome.found(injected.category, injected.key)
    assert len(rows) == 1, f"{injected.category} {injected.key} not reported once"
    row = rows[0]
    assert row["expected_vnd"] == injected.expected_vnd, row
    if injected.actual_vnd is None:
        assert row["actual_vnd"] in (None, 0), row
    else:
        assert row["actual_vnd"] == injected.actual_vnd, row
        assert abs(row["difference_vnd"]) == abs(injected.actual_vnd - (injected.expected_vnd or 0)), row


def test_a_foreign_currency_credit_is_reported_without_a_vnd_amount(outcome: Outcome) -> None:
    """1 500.00 USD is not 150 000 VND: ``actual_vnd`` must not hold the cents."""
    rows = outcome.found("UNEXPECTED_BANK_CREDIT", "KB48-USD-0001")
    assert len(rows) == 1, rows
    assert rows[0]["actual_vnd"] is None, rows[0]


def test_every_row_is_dated_d_aged_zero_and_pending_only_while_its_window_is_not_covered(
    outcome: Outcome,
) -> None:
    """Windows are judged against the data: only Cần Thơ's statement stops short of its batch's window."""
    status = {(e.category, e.key): e.status for e in outcome.world.expected}
    for row in outcome.report["discrepancies"]:
        key = (row["category"], row.get(KEY_OF.get(row["category"], "")))
        assert (row["status"], row["business_date"], row["age_days"]) == (
            status.get(key),
            DAY.isoformat(),
            0,
        ), row


def test_every_row_has_the_contract_columns_and_values(outcome: Outcome) -> None:
    for row in outcome.report["discrepancies"]:
        assert set(row) >= CONTRACT_COLUMNS, row
        assert row["severity"] in ("high", "medium", "low"), row
        assert row["status"] in ("pending", "open", "resolved", "written_off"), row


def test_the_csv_report_has_the_same_rows_as_the_json(outcome: Outcome, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    recon(outcome.config, "report", "--date", DAY.isoformat(), "--format", "csv", "--out", str(out))
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(_keys(rows)) == sorted(_keys(outcome.report["discrepancies"]))


@pytest.fixture(scope="module")
def rerun_report(outcome: Outcome) -> dict[str, Any]:
    """Cần Thơ's next statement arrives; ``recon rerun`` of D; its report."""
    follow_up = write_follow_up(outcome.world, outcome.files[0].parent)
    ingest = recon(outcome.config, "ingest", str(follow_up), "--json")
    (line,) = [json.loads(text) for text in ingest.stdout.splitlines() if text.strip()]
    assert (line["status"], line["warnings"]) == ("accepted", []), line
    recon(outcome.config, "rerun", "--date", DAY.isoformat(), "--reason", "Cần Thơ statement arrived")
    out = follow_up.parent / "rerun.json"
    recon(outcome.config, "report", "--date", DAY.isoformat(), "--format", "json", "--out", str(out))
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert report["run"]["version"] == 2
    return report


def test_a_pending_batch_closes_itself_when_its_credit_arrives(rerun_report: dict[str, Any]) -> None:
    still = [
        r
        for r in rerun_report["discrepancies"]
        if r["batch_id"] == "VNPT-92-0213" and r["status"] in ("pending", "open")
    ]
    assert not still, still


def test_the_rerun_keeps_every_other_break(outcome: Outcome, rerun_report: dict[str, Any]) -> None:
    before = {
        k for k in _keys(outcome.report["discrepancies"]) if k != ("MISSING_BANK_CREDIT", "VNPT-92-0213")
    }
    open_after = [r for r in rerun_report["discrepancies"] if r["status"] in ("pending", "open")]
    assert sorted(_keys(open_after)) == sorted(before)


def _keys(rows: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(r["category"], r.get(KEY_OF.get(r["category"], "")) or None) for r in rows]


def _summary(report: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(
        (r["category"], r.get(KEY_OF.get(r["category"], "txn_id"))) for r in report["discrepancies"]
    )


SATURDAY_FILE = "vnptpay-2026-02-14.csv"


@pytest.fixture(scope="module")
def weekend(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """The same world plus the gateway's file of Saturday's collections."""
    return reconcile(build_world(saturday=True), tmp_path_factory.mktemp("independent-weekend"))


def test_the_file_of_saturdays_collections_is_not_a_correction_of_fridays(weekend: Outcome) -> None:
    (line,) = [line for line in weekend.ingested if Path(line["path"]).name == SATURDAY_FILE]
    assert line["status"] == "accepted", line


def test_fridays_problems_are_still_reported_once_saturdays_file_arrives(weekend: Outcome) -> None:
    assert sorted(_keys(weekend.report["discrepancies"])) == sorted(
        (e.category, e.key) for e in weekend.world.expected
    )


@pytest.fixture(scope="module")
def next_day_report(outcome: Outcome, rerun_report: dict[str, Any]) -> dict[str, Any]:
    """The run of the next business day, Monday after Tết, with no new data of its own."""
    recon(outcome.config, "run", "--date", NEXT_BUSINESS_DAY.isoformat())
    out = outcome.files[0].parent / "next-day.json"
    recon(
        outcome.config,
        "report",
        "--date",
        NEXT_BUSINESS_DAY.isoformat(),
        "--format",
        "json",
        "--out",
        str(out),
    )
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def test_the_next_business_day_carries_every_open_break_aged_one_business_day_across_tet(
    rerun_report: dict[str, Any], next_day_report: dict[str, Any]
) -> None:
    """2026-02-13 → 2026-02-23 is ten calendar days but one business day (weekends and Tết skipped)."""
    still_open = [r for r in rerun_report["discrepancies"] if r["status"] in ("pending", "open")]
    carried = next_day_report["discrepancies"]
    assert sorted(_keys(carried)) == sorted(_keys(still_open))
    for row in carried:
        assert (row["business_date"], row["age_days"], row["status"]) == (DAY.isoformat(), 1, "open"), row


def test_an_unambiguous_amount_match_settles_a_batch_whose_credit_names_no_batch(
    outcome: Outcome, next_day_report: dict[str, Any]
) -> None:
    """Khánh Hòa: the issue's last resort, "(account, amount, date window) when that is unambiguous"."""
    for report in (outcome.report, next_day_report):
        rows = [
            r
            for r in report["discrepancies"]
            if r["batch_id"] == "PAYOO-56-0213" or r["bank_ref"] == "KB56-0001"
        ]
        assert rows == [], rows


@pytest.mark.parametrize("province", ["01", "79"])
def test_the_xml_settlement_statement_validates_against_the_shipped_schema(
    outcome: Outcome, province: str, tmp_path: Path
) -> None:
    out = tmp_path / f"statement-{province}.xml"
    recon(
        outcome.config,
        "statement",
        "--province",
        province,
        "--date",
        DAY.isoformat(),
        "--format",
        "xml",
        "--out",
        str(out),
    )
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    document = etree.parse(str(out), parser)
    assert schema.validate(document), schema.error_log


HA_NOI_PROBLEMS = [
    ("DUPLICATE_PAYMENT", "MOMO-T-DUP-A"),
    ("DUPLICATE_PAYMENT", "MOMO-T-DUP2"),
    ("SETTLED_NOT_RECORDED", "VNPT-T-SNR"),
    ("TAX_RATE_MISMATCH", "TB01-TAX"),
    ("UNDERPAID", "VNPT-T-UNDER"),
    ("UNEXPECTED_BANK_CREDIT", "KB01-UNX-0001"),
    ("UNMATCHED_REFUND", "PAYOO-T-REF-X"),
]


@pytest.fixture(scope="module")
def province_runs(outcome: Outcome, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """``rerun --province`` for Hà Nội, then for Hải Phòng, on a copy of the database after the first run.

    Each province run's own report (``--run`` with the id the rerun printed): the report of the
    date composes every province's latest version, so only the run itself shows what it found.
    """
    directory = tmp_path_factory.mktemp("independent-province")
    shutil.copyfile(outcome.config.parent / "recon.db", directory / "recon.db")
    config = directory / "recon.toml"
    text = outcome.config.read_text(encoding="utf-8")
    config.write_text(text.replace(str(outcome.config.parent), str(directory)), encoding="utf-8")
    reports = {}
    for province in ("01", "31"):
        rerun = recon(
            config, "rerun", "--date", DAY.isoformat(), "--province", province, "--reason", "province check"
        )
        (run_id,) = set(re.findall(rf"{DAY.isoformat()}-{province}-v\d+", rerun.stdout))
        out = directory / f"{province}.json"
        recon(config, "report", "--run", run_id, "--format", "json", "--out", str(out))
        reports[province] = json.loads(out.read_text(encoding="utf-8"))
    return reports


def test_a_province_run_reports_exactly_that_provinces_problems(
    province_runs: dict[str, dict[str, Any]],
) -> None:
    """Hà Nội's obligations and account carry seven of the injected problems; Hải Phòng's none."""
    assert sorted(_keys(province_runs["01"]["discrepancies"])) == sorted(HA_NOI_PROBLEMS)
    assert province_runs["31"]["discrepancies"] == []


@pytest.fixture(scope="module")
def day_by_day(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """The same world, reconciled the way a scheduler does: Thursday's run first, then Friday's."""
    directory = tmp_path_factory.mktemp("independent-day-by-day")
    return reconcile(build_world(), directory, earlier_runs=(PREVIOUS_DAY.isoformat(),))


def test_a_run_reports_nothing_of_a_later_business_date(day_by_day: Outcome) -> None:
    """Thursday's window reaches Friday's bookings, but a Friday credit no batch explains is Friday's."""
    rows = day_by_day.earlier[PREVIOUS_DAY.isoformat()]["discrepancies"]
    assert [r for r in rows if r["business_date"] > PREVIOUS_DAY.isoformat()] == []


def test_running_the_day_before_first_changes_nothing_in_fridays_report(day_by_day: Outcome) -> None:
    assert sorted(_keys(day_by_day.report["discrepancies"])) == ALL_KEYS
