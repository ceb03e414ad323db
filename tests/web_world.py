"""One small day of two provinces for the web application's tests (integration and browser).

Hà Nội (01) and Hồ Chí Minh (79), business date 2026-11-25: the portal's
obligations export, a VNPay settlement file and an MT940 statement per
treasury account, as the service receives them. Each province has its own
breaks, and payment codes start with the province (``HN-``, ``HCM-``), so a
page that leaks another province's rows is easy to spot:

- 01: ``UNDERPAID`` T1 (HN-1 paid 900.000 of 1.000.000 ₫), ``SETTLED_NOT_RECORDED`` T2 (HN-2);
- 79: ``SETTLED_NOT_RECORDED`` T12 (HCM-2), ``ORPHAN_PAYMENT`` T19 whose
  payment code is a spreadsheet formula.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import Engine
from starlette.testclient import TestClient

from adapters.bootstrap import file_formats, gateway_terms
from adapters.db.engine import create_engine_for, migrate, write_transaction
from adapters.db.reference import fixtures_dir, load_reference_data
from adapters.db.runs import SqlRunStore
from adapters.db.users import SqlUserStore
from adapters.ingest import ingest_file
from adapters.settings import Settings
from adapters.web.auth import hash_password
from reconcile.runs import reconcile_day

DAY = dt.date(2026, 11, 25)
PASSWORD = "correct horse battery"
HANOI, SAIGON = "7111010000001", "7111790000001"

OBLIGATIONS = """\
payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd
HN-1,01,land_charge,A1,,1000000,2026-11-24T09:00:00+07:00,paid,T1,2026-11-25T09:00:00+07:00,,
HN-2,01,land_charge,A1,,500000,2026-11-24T09:00:00+07:00,unpaid,,,,
HCM-1,79,land_charge,B1,,2000000,2026-11-24T09:00:00+07:00,paid,T11,2026-11-25T09:30:00+07:00,,
HCM-2,79,land_charge,B1,,300000,2026-11-24T09:00:00+07:00,unpaid,,,,
"""
GATEWAY = f"""\
txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,settlement_date,batch_id,original_txn_id
T1,HN-1,vnpay,01,{HANOI},900000,0,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-HN-1,
T2,HN-2,vnpay,01,{HANOI},500000,0,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNP-HN-1,
T11,HCM-1,vnpay,79,{SAIGON},2000000,0,SUCCESS,2026-11-25T09:30:00+07:00,2026-11-26,VNP-HCM-1,
T12,HCM-2,vnpay,79,{SAIGON},300000,0,SUCCESS,2026-11-25T11:00:00+07:00,2026-11-26,VNP-HCM-1,
T19,=HYPERLINK("http://x"),vnpay,79,{SAIGON},5000,0,SUCCESS,2026-11-25T12:00:00+07:00,2026-11-26,VNP-HCM-1,
"""


def mt940(account: str, number: str, credit: str, batch: str, extra: str = "") -> str:
    return (
        f":20:STMT-{number}\n:25:{account}\n:28C:1/1\n:60F:C261125VND0,\n"
        f":61:2611261126C{credit},NTRFNONREF//VCB-{number}\n:86:Thanh toan lo {batch}\n{extra}"
        f":62F:C261126VND{credit},\n-\n"
    )


FILES = {
    "obligations.csv": OBLIGATIONS,
    "vnpay.csv": GATEWAY,
    "hanoi.sta": mt940(HANOI, "01", "1400000", "VNP-HN-1"),
    "saigon.sta": mt940(SAIGON, "79", "2305000", "VNP-HCM-1"),
}
USERS = {
    "thu": ("treasury", None),
    "vien": ("treasury", None),
    "ops": ("ops", None),
    "admin": ("admin", None),
    "hanoi": ("province", "01"),
    "saigon": ("province", "79"),
}


def write_world_files(directory: Path) -> list[Path]:
    """The day's input files in ``directory``, in ingestion order."""
    paths = []
    for name, text in FILES.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def ingest(settings: Settings, engine: Engine, path: Path) -> str:
    outcome = ingest_file(path, file_formats(settings), engine)
    assert outcome.error is None, outcome.error
    return outcome.status


def build_world(settings: Settings, inbox: Path) -> Engine:
    """The migrated, ingested and reconciled database of ``settings``, with one user of each kind."""
    engine = create_engine_for(settings.database_url)
    migrate(engine)
    with write_transaction(engine) as conn:
        load_reference_data(conn, fixtures_dir())
    for path in write_world_files(inbox):
        ingest(settings, engine, path)
    reconcile_day(SqlRunStore(engine, gateway_terms(settings)), DAY)
    users = SqlUserStore(engine)
    password_hash = hash_password(PASSWORD)  # one hash for all: scrypt is slow on purpose
    for name, (role, province) in USERS.items():
        users.add(name, password_hash, role, province)
    return engine


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf_token field in the page"
    return found[1]


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
