"""A ministry's day and the dated rules, through the command line; a ministry's login sees only its own.

Business date Friday 2026-08-28. The Ministry of Public Security (``BCA`` in
``agencies.csv``) collects passport charges through the portal: obligations
with an empty ``province_code`` naming the agency, settled by VNPay to the
ministry's own treasury account. One is paid short (``UNDERPAID``), one is
settled to Hà Nội's account instead (``WRONG_PROVINCE``), one issued on
2025-12-31 asks the counter's 200 000 đ of an online payment when the online
charge was 180 000 (``FEE_SCHEDULE_MISMATCH``); all are reported with
``agency_code`` BCA and no province. Beside it, obligations issued on
either side of each dated change (the four domestic-car windows, motorbikes
in Hồ Chí Minh on 2025-06-30/07-01, an online construction permit in Hồ Chí
Minh in 2025, a Bình Dương plate in 2026) are clean at the amount the law
asked for on their issue date and flagged at the old one. Every batch is due
across the swapped Monday 2026-08-31 and the National Day holidays: credited
on Thursday 2026-09-03 it is on time; Bình Dương's, credited on 09-04, is late.

Everything runs through ``recon`` (init, ingest, run, report, statement, user
add, token add); the web application is then asked, with a Starlette test
client, what the ministry's login and token may see.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from starlette.testclient import TestClient

import reports
from adapters.db.engine import create_engine_for
from adapters.web.app import create_app
from reconcile.discrepancies import KEY_OF

DAY = "2026-08-28"
PAID_AT = f"{DAY}T10:00:00+07:00"
ON_TIME, LATE = "2026-09-03", "2026-09-04"
BCA = "7111902600001"  # the ministry's account in agencies.csv
PASSWORD = "correct horse battery"

#: The web application's session key in these tests (recon serve keeps one in its data folder).
SESSION_KEY = secrets.token_hex(32)


def account(province: str) -> str:
    return f"7111{province}0000001"


@dataclass(frozen=True)
class Case:
    """An obligation paid on D; ``expected`` is what the run should want when its amount is wrong."""

    code: str
    province: str
    issued: str
    amount: int
    expected: int | None = None
    kind: str = "registration_tax"
    asset_class: str = ""
    taxable: int | None = None
    procedure: str = ""

    @property
    def category(self) -> str:
        return "TAX_RATE_MISMATCH" if self.kind == "registration_tax" else "FEE_SCHEDULE_MISMATCH"


def _car(code: str, issued: str, amount: int, expected: int | None = None) -> Case:
    """A domestically built car in Hà Nội, 1 000 000 000 đ: 12 %, or 6 % inside a reduction window."""
    return Case(code, "01", issued, amount, expected, asset_class="car_first_domestic", taxable=1_000_000_000)


FULL, HALF = 120_000_000, 60_000_000
CASES = (
    # Decree 70/2020: 2020-06-28..2020-12-31
    _car("DOM-200627", "2020-06-27", FULL),
    _car("DOM-200628", "2020-06-28", HALF),
    _car("DOM-200628-OLD", "2020-06-28", FULL, HALF),
    _car("DOM-201231", "2020-12-31", HALF),
    _car("DOM-210101-HALF", "2021-01-01", HALF, FULL),
    # Decree 103/2021: 2021-12-01..2022-05-31
    _car("DOM-211130", "2021-11-30", FULL),
    _car("DOM-211201", "2021-12-01", HALF),
    _car("DOM-220531", "2022-05-31", HALF),
    _car("DOM-220601-HALF", "2022-06-01", HALF, FULL),
    # Decree 41/2023: 2023-07-01..2023-12-31
    _car("DOM-230630-HALF", "2023-06-30", HALF, FULL),
    _car("DOM-230701", "2023-07-01", HALF),
    _car("DOM-231231", "2023-12-31", HALF),
    _car("DOM-240101", "2024-01-01", FULL),
    # Decree 109/2024: 2024-09-01..2024-11-30
    _car("DOM-240831", "2024-08-31", FULL),
    _car("DOM-240901-OLD", "2024-09-01", FULL, HALF),
    _car("DOM-241130", "2024-11-30", HALF),
    _car("DOM-241201", "2024-12-01", FULL),
    # Hồ Chí Minh motorbike, 40 000 000 đ: 5 % to 2025-06-30, 2 % from 2025-07-01 (Decree 175/2025)
    Case("MB-250630", "79", "2025-06-30", 2_000_000, asset_class="motorbike_first", taxable=40_000_000),
    Case("MB-250701", "79", "2025-07-01", 800_000, asset_class="motorbike_first", taxable=40_000_000),
    Case(
        "MB-250701-OLD",
        "79",
        "2025-07-01",
        2_000_000,
        800_000,
        asset_class="motorbike_first",
        taxable=40_000_000,
    ),
    # Hồ Chí Minh construction permit paid online: 0 đ from 2024-05-29 to 2025-12-31
    Case("CPXD-240528", "79", "2024-05-28", 150_000, kind="charge", procedure="CAP_PHEP_XAY_DUNG"),
    Case("CPXD-250615", "79", "2025-06-15", 150_000, 0, kind="charge", procedure="CAP_PHEP_XAY_DUNG"),
    # Bình Dương car plate in 2026: Zone I of Hồ Chí Minh, 14 000 000 đ, no longer Zone III's 200 000
    Case("BSO-74-2026", "74", "2026-02-10", 14_000_000, kind="charge", procedure="BIEN_SO_OTO"),
    Case("BSO-74-2026-OLD", "74", "2026-02-10", 200_000, 14_000_000, kind="charge", procedure="BIEN_SO_OTO"),
)
FLAGGED = {case.code: case for case in CASES if case.expected is not None}

HEADER_OBLIGATIONS = (
    "payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,"
    "portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd"
)
HEADER_GATEWAY = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,"
    "settlement_date,batch_id,original_txn_id"
)
#: The ministry's passport charges: (payment code, due, paid, transaction, the account it went to,
#: issue date). Online, the charge was 180 000 đ from 2023-12-01 to 2025-12-31 (Thông tư 63/2023).
MINISTRY = (
    ("BCA-1", 200_000, 200_000, "TB1", BCA, "2026-08-27"),
    ("BCA-2", 200_000, 180_000, "TB2", BCA, "2026-08-27"),  # paid short
    ("BCA-3", 200_000, 200_000, "TB3", account("01"), "2026-08-27"),  # settled to Hà Nội's account
    ("BCA-231130", 200_000, 200_000, "TB4", BCA, "2023-11-30"),
    ("BCA-231201", 180_000, 180_000, "TB5", BCA, "2023-12-01"),
    ("BCA-251231-OLD", 200_000, 200_000, "TB6", BCA, "2025-12-31"),  # the counter's amount online
    ("BCA-260101", 200_000, 200_000, "TB7", BCA, "2026-01-01"),
)
#: The ministry's obligations assessed at the wrong amount for their issue date, and the right one.
MINISTRY_FLAGGED = {"BCA-251231-OLD": 180_000}


def _files() -> dict[str, str]:
    obligations = [HEADER_OBLIGATIONS]
    gateway = [HEADER_GATEWAY]
    credits: dict[str, int] = {}
    for number, case in enumerate(CASES, start=1):
        txn = f"T{number}"
        taxable = "" if case.taxable is None else str(case.taxable)
        obligations.append(
            f"{case.code},{case.province},{case.kind},A1,{case.procedure},{case.amount},"
            f"{case.issued}T09:00:00+07:00,paid,{txn},{PAID_AT},{case.asset_class},{taxable}"
        )
        gateway.append(
            f"{txn},{case.code},vnpay,{case.province},{account(case.province)},{case.amount},0,"
            f"SUCCESS,{PAID_AT},{ON_TIME},VNP-{case.province}-0828,"
        )
        credits[account(case.province)] = credits.get(account(case.province), 0) + case.amount
    for code, due, paid, txn, to, issued in MINISTRY:
        obligations.append(
            f"{code},,charge,BCA,CAP_HO_CHIEU,{due},{issued}T15:00:00+07:00,paid,{txn},{PAID_AT},,"
        )
        batch = "VNP-BCA-0828" if to == BCA else "VNP-01-0828"
        gateway.append(f"{txn},{code},vnpay,,{to},{paid},0,SUCCESS,{PAID_AT},{ON_TIME},{batch},")
        credits[to] = credits.get(to, 0) + paid
    statements = []
    for owner, total in sorted(credits.items()):
        batch = next(line.split(",")[10] for line in gateway[1:] if line.split(",")[4] == owner)
        booked = LATE if owner == account("74") else ON_TIME
        statements.append(
            f":20:STMT-{owner}\n:25:{owner}\n:28C:1/1\n:60F:C260902VND0,\n"
            f":61:{booked[2:4]}{booked[5:7]}{booked[8:10]}{booked[5:7]}{booked[8:10]}C{total},"
            f"NTRFNONREF//VCB-{owner}\n:86:{batch}\n:62F:C{booked[2:4]}{booked[5:7]}{booked[8:10]}VND{total},\n-\n"
        )
    return {
        "obligations.csv": "\n".join(obligations) + "\n",
        "vnpay.csv": "\n".join(gateway) + "\n",
        "treasury.sta": "".join(statements),
    }


def recon(config: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, input=stdin)


@dataclass(frozen=True)
class Day:
    directory: Path
    config: Path
    rows: list[dict[str, object]]
    token: str

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.directory / 'recon.db'}"


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Day:
    """The day reconciled and reported; the ministry's statements, login and token made."""
    directory = tmp_path_factory.mktemp("ministry-day")
    config = directory / "recon.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{directory / "recon.db"}"\n\n'
        '[[gateways]]\nname = "vnpay"\nsettlement_days = 1\nfee_mode = "gross"\n',
        encoding="utf-8",
    )
    for name, text in _files().items():
        (directory / name).write_text(text, encoding="utf-8")
    out = directory / "report.json"
    for command in (
        ["init"],
        ["ingest", *(str(directory / name) for name in _files())],
        ["run", "--date", DAY],
        ["report", "--date", DAY, "--format", "json", "--out", str(out)],
        *(
            [
                "statement",
                "--agency",
                "BCA",
                "--date",
                DAY,
                "--format",
                fmt,
                "--out",
                str(directory / f"bca.{fmt}"),
            ]
            for fmt in ("xml", "pdf", "xlsx")
        ),
        [
            "statement",
            "--province",
            "01",
            "--date",
            DAY,
            "--format",
            "xml",
            "--out",
            str(directory / "01.xml"),
        ],
    ):
        result = recon(config, *command)
        assert result.returncode == 0, (command, result.stderr)
    for name, role, bound in (
        ("bca", "agency", ["--agency", "BCA"]),
        ("hanoi", "province", ["--province", "01"]),
    ):
        made = recon(
            config, "user", "add", name, "--role", role, *bound, "--password-stdin", stdin=PASSWORD + "\n"
        )
        assert made.returncode == 0, made.stderr
    token = recon(config, "token", "add", "bca-system", "--role", "agency", "--agency", "BCA")
    assert token.returncode == 0, token.stderr
    rows: list[dict[str, object]] = json.loads(out.read_text(encoding="utf-8"))["discrepancies"]
    return Day(directory, config, rows, token.stdout.strip())


def test_the_old_amount_on_either_side_of_each_change_is_flagged_and_the_right_one_is_clean(day: Day) -> None:
    flagged = {
        row["payment_code"]: (row["category"], row["expected_vnd"], row["actual_vnd"])
        for row in day.rows
        if row["category"] in ("TAX_RATE_MISMATCH", "FEE_SCHEDULE_MISMATCH")
    }
    assert flagged == {
        **{code: (case.category, case.expected, case.amount) for code, case in FLAGGED.items()},
        **{code: ("FEE_SCHEDULE_MISMATCH", right, 200_000) for code, right in MINISTRY_FLAGGED.items()},
    }


def test_the_ministrys_breaks_carry_its_agency_code_and_no_province_and_nothing_else_is_reported(
    day: Day,
) -> None:
    reported = {(row["category"], row[KEY_OF[str(row["category"])]]) for row in day.rows}
    assert reported == {
        *((case.category, code) for code, case in FLAGGED.items()),
        *(("FEE_SCHEDULE_MISMATCH", code) for code in MINISTRY_FLAGGED),
        ("UNDERPAID", "TB2"),
        ("WRONG_PROVINCE", "TB3"),
        ("LATE_SETTLEMENT", "VNP-74-0828"),  # credited a day after the window that 31/8 and 1–2/9 stretch
    }
    ministry = {
        row[KEY_OF[str(row["category"])]]: (row["province_code"], row["agency_code"])
        for row in day.rows
        if row["agency_code"]
    }
    assert ministry == {
        "TB2": (None, "BCA"),
        "TB3": (None, "BCA"),
        **{code: (None, "BCA") for code in MINISTRY_FLAGGED},
    }
    wrong = next(row for row in day.rows if row["txn_id"] == "TB3")
    assert f"instead of {BCA}" in str(wrong["detail"])


def test_the_ministrys_statement_lists_its_own_batch_and_breaks_and_validates(day: Day) -> None:
    schema = etree.XMLSchema(etree.parse(str(Path(reports.__file__).parent / "settlement_statement.xsd")))
    ns = {"s": "urn:recon:settlement-statement:1"}
    document = etree.parse(str(day.directory / "bca.xml"))
    schema.assertValid(document)
    assert document.xpath("/s:SettlementStatement/s:Agency/@code", namespaces=ns) == ["BCA"]
    assert document.xpath("/s:SettlementStatement/s:Agency/s:TreasuryAccount/text()", namespaces=ns) == [BCA]
    assert document.xpath("//s:Batch/@id", namespaces=ns) == ["VNP-BCA-0828"]
    credited = sum(paid for _code, _due, paid, _txn, to, _issued in MINISTRY if to == BCA)
    assert document.xpath("//s:Batch/s:Credited/text()", namespaces=ns) == [str(credited)]
    assert sorted(document.xpath("//s:Discrepancy/@category", namespaces=ns)) == [
        "FEE_SCHEDULE_MISMATCH",
        "UNDERPAID",
        "WRONG_PROVINCE",
    ]
    assert (day.directory / "bca.pdf").read_bytes().startswith(b"%PDF")
    assert (day.directory / "bca.xlsx").read_bytes().startswith(b"PK")
    hanoi = etree.parse(str(day.directory / "01.xml"))
    schema.assertValid(hanoi)
    assert "BCA-" not in etree.tostring(hanoi.xpath("//s:Discrepancies", namespaces=ns)[0]).decode()


def _lines(document: etree._ElementTree) -> dict[str | None, tuple[int, int]]:
    ns = {"s": "urn:recon:settlement-statement:1"}
    return {
        line.get("subItem"): (
            int(line.findtext("s:Transactions", namespaces=ns)),
            int(line.findtext("s:Collected", namespaces=ns)),
        )
        for line in document.xpath("//s:BudgetClassification/s:Line", namespaces=ns)
    }


def test_statements_group_collections_by_treasury_chapter_and_sub_item(day: Day) -> None:
    ns = {"s": "urn:recon:settlement-statement:1"}
    hanoi = etree.parse(str(day.directory / "01.xml"))
    # 2026: the regional treasury of Hà Nội since 2025-03-01, the cars under 2802, the
    # ministry's passport settled here by mistake under no sub-item of a province's
    [treasury] = hanoi.xpath("//s:Province/s:Treasury", namespaces=ns)
    assert (treasury.get("code"), treasury.text, treasury.get("chapter")) == (
        "9901",
        "Kho bạc Nhà nước khu vực I",
        "757",
    )
    cars = [case for case in CASES if case.province == "01"]
    assert _lines(hanoi) == {"2802": (len(cars), sum(case.amount for case in cars)), None: (1, 200_000)}
    ministry = etree.parse(str(day.directory / "bca.xml"))
    [treasury] = ministry.xpath("//s:Agency/s:Treasury", namespaces=ns)
    assert (treasury.get("code"), treasury.get("chapter")) == ("9000", "026")
    to_ministry = [paid for _code, _due, paid, _txn, to, _issued in MINISTRY if to == BCA]
    assert _lines(ministry) == {None: (len(to_ministry), sum(to_ministry))}


def test_an_unknown_agency_has_no_statement(day: Day) -> None:
    result = recon(
        day.config, "statement", "--agency", "BXX", "--date", DAY, "--format", "xml", "--out", "x.xml"
    )
    assert result.returncode != 0
    assert "BXX" in result.stderr


@pytest.fixture
def web(day: Day) -> Iterator[tuple[TestClient, TestClient]]:
    """Clients signed in as the ministry's login and as Hà Nội's."""
    engine = create_engine_for(day.database_url)
    clients = []
    for name in ("bca", "hanoi"):
        client = TestClient(create_app(engine, SESSION_KEY), base_url="http://testserver")
        client.__enter__()
        page = client.get("/login").text
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            "/login",
            data={"username": name, "password": PASSWORD, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        clients.append(client)
    yield clients[0], clients[1]
    for client in clients:
        client.__exit__(None, None, None)
    engine.dispose()


#: The ministry's breaks by their keys: paid short, settled elsewhere, assessed at the wrong amount.
MINISTRY_KEYS = {"TB2", "TB3", *MINISTRY_FLAGGED}


def _key(item: dict[str, object]) -> object:
    return item[KEY_OF[str(item["category"])]]


def test_a_ministry_login_sees_only_its_own_rows_and_statements(web: tuple[TestClient, TestClient]) -> None:
    ministry, hanoi = web
    mine = ministry.get("/api/v1/discrepancies", params={"date": DAY, "page_size": 500}).json()
    assert {(_key(item), item["agency_code"], item["province_code"]) for item in mine["items"]} == {
        (key, "BCA", None) for key in MINISTRY_KEYS
    }
    assert ministry.get(f"/statements/BCA/{DAY}.xml").status_code == 200
    assert ministry.get(f"/statements/01/{DAY}.xml").status_code == 404
    assert ministry.get("/api/v1/discrepancies", params={"date": DAY, "province": "01"}).json()["total"] == 0
    by_agency = ministry.get("/api/v1/discrepancies", params={"date": DAY, "agency": "BCA"}).json()
    assert {_key(item) for item in by_agency["items"]} == MINISTRY_KEYS
    assert ministry.get("/api/v1/discrepancies", params={"date": DAY, "agency": "BNG"}).json()["total"] == 0
    theirs = hanoi.get("/api/v1/discrepancies", params={"date": DAY, "page_size": 500}).json()["items"]
    assert theirs
    assert all(item["province_code"] == "01" and item["agency_code"] is None for item in theirs)
    assert hanoi.get(f"/statements/BCA/{DAY}.xml").status_code == 404
    assert hanoi.get("/api/v1/discrepancies", params={"date": DAY, "agency": "BCA"}).json()["total"] == 0


def test_a_ministry_token_is_scoped_like_its_login(day: Day) -> None:
    engine = create_engine_for(day.database_url)
    try:
        with TestClient(create_app(engine, SESSION_KEY), base_url="http://testserver") as client:
            answer = client.get(
                "/api/v1/discrepancies",
                params={"date": DAY},
                headers={"Authorization": f"Bearer {day.token}"},
            )
    finally:
        engine.dispose()
    assert answer.status_code == 200
    assert {_key(item) for item in answer.json()["items"]} == MINISTRY_KEYS
