"""A ministry's day run on its own (``recon rerun --agency BCA``) after a corrected file.

On SQLite and PostgreSQL. Friday 2026-08-28: the Ministry of Public Security
(``BCA`` in ``agencies.csv``) collects passport charges settled by VNPay to its
own treasury account, beside land charges in Hà Nội (01) and Hồ Chí Minh (79).
The ministry has a short payment (TB2) and a payment settled to Hà Nội's
account (TB3); Hà Nội a short payment, Hồ Chí Minh an orphan payment. Every
batch is credited on Thursday 09-03, on time across the swapped Monday and the
National Day holidays. The date is run for every payee. Then VNPay corrects
TB2 (it was 200 000 đ, not 180 000 đ): the short payment is gone, and the
ministry's batch now wants 20 000 đ more than its account was credited. The
date is run again for the ministry alone, then for Hà Nội alone. Each scoped
run is a new version of its payee only: the report of the date, the web API and
the ministry's statement show each payee's latest version, the ministry's
items once, and every province's items as the national run left them.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from db_fixtures import _fresh_postgres_database
from lxml import etree
from starlette.testclient import TestClient

from adapters.db.engine import create_engine_for
from adapters.web.app import create_app
from reconcile.discrepancies import KEY_OF

DAY = "2026-08-28"
PAID_AT = f"{DAY}T10:00:00+07:00"
CREDITED = "2026-09-03"
BCA = "7111902600001"  # the ministry's account in agencies.csv
NATIONAL, MINISTRY, HANOI = f"{DAY}-v1", f"{DAY}-BCA-v1", f"{DAY}-01-v1"
HEADER_OBLIGATIONS = (
    "payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,"
    "portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd"
)
HEADER_GATEWAY = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,"
    "settlement_date,batch_id,original_txn_id"
)
#: (payment code, province or "" for the ministry, due, paid, transaction, account paid to, batch)
PAYMENTS = (
    ("BCA-1", "", 200_000, 200_000, "TB1", BCA, "VNP-BCA-0828"),
    ("BCA-2", "", 200_000, 180_000, "TB2", BCA, "VNP-BCA-0828"),  # paid short, until corrected
    ("BCA-3", "", 200_000, 200_000, "TB3", "7111010000001", "VNP-01-0828"),  # to Hà Nội's account
    ("HN-1", "01", 1_000_000, 1_000_000, "T1", "7111010000001", "VNP-01-0828"),
    ("HN-2", "01", 500_000, 450_000, "T2", "7111010000001", "VNP-01-0828"),  # paid short
    ("HCM-1", "79", 300_000, 300_000, "T5", "7111790000001", "VNP-79-0828"),
    ("NO-SUCH", "79", None, 70_000, "T6", "7111790000001", "VNP-79-0828"),  # no obligation
)
CORRECTION = f"{HEADER_GATEWAY}\nTB2,BCA-2,vnpay,,{BCA},200000,0,SUCCESS,{PAID_AT},{CREDITED},VNP-BCA-0828,\n"
NS = {"s": "urn:recon:settlement-statement:1"}
SESSION_KEY = secrets.token_hex(32)
PASSWORD = "correct horse battery"

Rows = list[dict[str, Any]]


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database on each backend for the module's day."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('agency-runs') / 'recon.db'}"
        return
    with _fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        yield url


def _files() -> dict[str, str]:
    obligations, gateway = [HEADER_OBLIGATIONS], [HEADER_GATEWAY]
    credits: dict[str, tuple[int, str]] = {}
    for code, province, due, paid, txn, to, batch in PAYMENTS:
        if due is not None:
            kind, agency, procedure = (
                ("land_charge", "A1", "") if province else ("charge", "BCA", "CAP_HO_CHIEU")
            )
            obligations.append(
                f"{code},{province},{kind},{agency},{procedure},{due},2026-08-27T15:00:00+07:00,paid,"
                f"{txn},{PAID_AT},,"
            )
        gateway.append(f"{txn},{code},vnpay,{province},{to},{paid},0,SUCCESS,{PAID_AT},{CREDITED},{batch},")
        credits[to] = (credits.get(to, (0, batch))[0] + paid, batch)
    statements = [
        f":20:STMT-{owner}\n:25:{owner}\n:28C:1/1\n:60F:C260902VND0,\n"
        f":61:2609030903C{total},NTRFNONREF//VCB-{owner}\n:86:{batch}\n:62F:C260903VND{total},\n-\n"
        for owner, (total, batch) in sorted(credits.items())
    ]
    return {
        "obligations.csv": "\n".join(obligations) + "\n",
        "vnpay.csv": "\n".join(gateway) + "\n",
        "treasury.sta": "".join(statements),
    }


def recon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def ok(config: Path, *args: str) -> list[str]:
    result = recon(config, *args)
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout.splitlines()


@dataclass(frozen=True)
class Day:
    """What the commands printed and wrote at each step."""

    config: Path
    directory: Path
    database_url: str
    printed: dict[str, list[str]]
    reports: dict[str, dict[str, Any]]
    token: str

    def rows(self, step: str) -> Rows:
        rows: Rows = self.reports[step]["discrepancies"]
        return rows


def report(config: Path, out: Path, *which: str) -> dict[str, Any]:
    ok(config, "report", *which, "--format", "json", "--out", str(out))
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def day(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Day:
    directory = tmp_path_factory.mktemp("agency-day")
    config = directory / "recon.toml"
    config.write_text(
        f'[database]\nurl = "{database_url}"\n\n'
        '[[gateways]]\nname = "vnpay"\nsettlement_days = 1\nfee_mode = "gross"\n',
        encoding="utf-8",
    )
    for name, text in _files().items():
        (directory / name).write_text(text, encoding="utf-8")
    (directory / "vnpay-bca-correction.csv").write_text(CORRECTION, encoding="utf-8")
    printed, reports = {}, {}
    ok(config, "init")
    ok(config, "ingest", *(str(directory / name) for name in _files()))
    printed["national"] = ok(config, "run", "--date", DAY)
    reports["national"] = report(config, directory / "national.json", "--date", DAY)
    ok(config, "ingest", str(directory / "vnpay-bca-correction.csv"))
    printed["ministry"] = ok(
        config, "rerun", "--date", DAY, "--agency", "BCA", "--reason", "VNPay corrected TB2"
    )
    reports["ministry"] = report(config, directory / "ministry.json", "--date", DAY)
    reports["ministry-diff"] = report(
        config, directory / "ministry-diff.json", "--run", MINISTRY, "--diff", NATIONAL
    )
    ok(config, *_statement("BCA", directory / "bca.xml"))
    printed["hanoi"] = ok(config, "rerun", "--date", DAY, "--province", "01", "--reason", "checking Hà Nội")
    reports["hanoi"] = report(config, directory / "hanoi.json", "--date", DAY)
    token = ok(config, "token", "add", "ops-system", "--role", "ops")[0].strip()
    login = ["user", "add", "bca", "--role", "agency", "--agency", "BCA", "--password-stdin"]
    made = subprocess.run(
        [str(Path(sys.executable).parent / "recon"), "--config", str(config), *login],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return Day(config, directory, database_url, printed, reports, token)


def _statement(code: str, out: Path) -> list[str]:
    return ["statement", "--agency", code, "--date", DAY, "--format", "xml", "--out", str(out)]


def keys(rows: Rows) -> set[tuple[str, str]]:
    return {(row["category"], row[KEY_OF[row["category"]]]) for row in rows}


def ministry(rows: Rows) -> Rows:
    return [row for row in rows if row["agency_code"] == "BCA"]


def others(rows: Rows) -> Rows:
    return [row for row in rows if row["agency_code"] != "BCA"]


def test_a_rerun_limited_to_the_ministry_is_its_own_version(day: Day) -> None:
    assert day.printed["national"][0] == NATIONAL
    assert day.printed["ministry"][0] == MINISTRY
    assert "  discrepancies 2" in day.printed["ministry"]
    assert day.printed["hanoi"][0] == HANOI


def test_the_report_of_the_date_shows_the_ministrys_new_items_and_every_province_unchanged(day: Day) -> None:
    assert keys(ministry(day.rows("national"))) == {("UNDERPAID", "TB2"), ("WRONG_PROVINCE", "TB3")}
    assert {
        (row["province_code"], row["category"], row["txn_id"]) for row in others(day.rows("national"))
    } == {
        ("01", "UNDERPAID", "T2"),
        ("79", "ORPHAN_PAYMENT", "T6"),
    }
    after = day.rows("ministry")
    assert keys(ministry(after)) == {
        ("WRONG_PROVINCE", "TB3"),
        ("SETTLEMENT_AMOUNT_MISMATCH", "VNP-BCA-0828"),
    }
    mismatch = next(row for row in after if row["batch_id"] == "VNP-BCA-0828")
    assert (mismatch["expected_vnd"], mismatch["actual_vnd"]) == (400_000, 380_000)
    assert (mismatch["province_code"], mismatch["agency_code"]) == (None, "BCA")
    assert others(after) == others(day.rows("national"))
    assert day.reports["ministry"]["run"]["results"] == [
        {"run": MINISTRY, "provinces": ["BCA"]},
        {"run": NATIONAL, "provinces": None},
    ]
    assert day.reports["ministry"]["run"]["counts"]["discrepancies"] == len(after)


def test_the_ministrys_diff_is_against_the_ministry_in_the_national_run(day: Day) -> None:
    diff = day.reports["ministry-diff"]["diff"]
    assert diff["against"] == NATIONAL
    changes = {(item["change"], item["category"]) for item in diff["items"]}
    assert changes == {("gone", "UNDERPAID"), ("new", "SETTLEMENT_AMOUNT_MISMATCH")}


def test_the_ministrys_statement_reads_its_new_version(day: Day) -> None:
    document = etree.parse(str(day.directory / "bca.xml"))
    assert document.xpath("//s:Run/@id", namespaces=NS) == [MINISTRY]
    assert document.xpath("//s:Batch/s:ExpectedCredit/text()", namespaces=NS) == ["400000"]
    assert document.xpath("//s:Batch/s:Credited/text()", namespaces=NS) == ["380000"]
    assert sorted(document.xpath("//s:Discrepancy/@category", namespaces=NS)) == [
        "SETTLEMENT_AMOUNT_MISMATCH",
        "WRONG_PROVINCE",
    ]


def test_a_run_limited_to_a_province_neither_drops_nor_repeats_the_ministrys_items(day: Day) -> None:
    after = day.rows("hanoi")
    assert ministry(after) == ministry(day.rows("ministry"))
    assert len(after) == len(day.rows("ministry"))
    assert others(after) == others(day.rows("national"))
    parts = day.reports["hanoi"]["run"]["results"]
    assert parts == [
        {"run": HANOI, "provinces": ["01"]},
        {"run": MINISTRY, "provinces": ["BCA"]},
        {"run": NATIONAL, "provinces": None},
    ]


def test_the_api_lists_the_same_latest_result(day: Day) -> None:
    engine = create_engine_for(day.database_url)
    try:
        with TestClient(create_app(engine, SESSION_KEY), base_url="http://testserver") as client:
            answer = client.get(
                "/api/v1/discrepancies",
                params={"date": DAY, "page_size": 500},
                headers={"Authorization": f"Bearer {day.token}"},
            )
            by_agency = client.get(
                "/api/v1/discrepancies",
                params={"date": DAY, "agency": "BCA"},
                headers={"Authorization": f"Bearer {day.token}"},
            )
    finally:
        engine.dispose()
    assert answer.status_code == 200
    assert keys(answer.json()["items"]) == keys(day.rows("hanoi"))
    assert answer.json()["total"] == len(day.rows("hanoi"))
    assert keys(by_agency.json()["items"]) == keys(ministry(day.rows("hanoi")))


def test_the_ministrys_login_lists_its_own_runs_and_not_a_provinces(day: Day) -> None:
    engine = create_engine_for(day.database_url)
    try:
        with TestClient(create_app(engine, SESSION_KEY), base_url="http://testserver") as client:
            csrf = client.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            signed = client.post(
                "/login",
                data={"username": "bca", "password": PASSWORD, "csrf_token": csrf},
                follow_redirects=False,
            )
            assert signed.status_code == 303
            page = client.get("/", params={"date": DAY}).text
            items = client.get("/api/v1/discrepancies", params={"date": DAY}).json()["items"]
    finally:
        engine.dispose()
    assert MINISTRY in page
    assert NATIONAL in page
    assert HANOI not in page
    assert keys(items) == keys(ministry(day.rows("hanoi")))


def test_province_also_takes_an_agency_code(day: Day) -> None:
    again = recon(
        day.config, "rerun", "--date", DAY, "--province", "BCA", "--reason", "as an operator types it"
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == f"{DAY}-BCA-v2"


def test_unknown_and_inactive_agencies_are_refused_with_one_line(day: Day) -> None:
    for args, named in (
        (["--agency", "BXX"], "BXX (unknown)"),
        (["--agency", "BQP"], "BQP (inactive)"),
        (["--province", "01", "--agency", "BXX"], "BXX"),
        (["--province", "BXX"], "BXX"),
    ):
        refused = recon(day.config, "run", "--date", DAY, *args)
        assert refused.returncode == 2, (args, refused.stderr)
        assert refused.stderr.strip().count("\n") == 0
        assert named in refused.stderr
    lowercase = recon(day.config, "run", "--date", DAY, "--agency", "bca")
    assert lowercase.returncode != 0
    assert "bca" in lowercase.stderr
