"""An approved manual match takes effect in the result people see once the date is run again.

Hà Nội's bank booked two credits of the batch's amount on 2026-11-25 with no
reference (neither the batch id nor its transactions), so no rule can tell which
one settles VNPay's batch: the run reports the batch ``MISSING_BANK_CREDIT`` and
both credits ``UNEXPECTED_BANK_CREDIT``. A treasury user pairs the batch with the
first credit on the web, a second approves, and the approval runs the date again
(:func:`usecases.runs.rerun_after_decision`): the new version's report and the
province's XML statement show the batch settled by that credit, and the two items gone.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine, select
from starlette.testclient import TestClient
from web_world import DAY, GATEWAY, HANOI, OBLIGATIONS, PASSWORD, SAIGON, csrf_of, ingest, mt940, sign_in

from adapters.bootstrap import gateway_terms
from adapters.db.run_tables import discrepancies
from adapters.db.runs import SqlRunStore
from adapters.db.user_tables import discrepancy_actions
from adapters.db.users import SqlUserStore
from adapters.settings import GatewaySettings, Settings
from adapters.web.app import create_app
from adapters.web.auth import hash_password, secret_key
from reconcile.runs import reconcile_day

NS = {"s": "urn:recon:settlement-statement:1"}
BATCH = "VNP-HN-1"
#: Two unreferenced credits of the batch's 1.400.000 ₫, booked on the day itself.
HANOI_STATEMENT = (
    f":20:STMT-01\n:25:{HANOI}\n:28C:1/1\n:60F:C261125VND0,\n"
    ":61:2611251125C1400000,NTRFNONREF//VCB-01\n:86:Chuyen tien\n"
    ":61:2611251125C1400000,NTRFNONREF//VCB-02\n:86:Chuyen tien\n"
    ":62F:C261126VND2800000,\n-\n"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(gateways={"vnpay": GatewaySettings("vnpay")}, data_dir=str(tmp_path / "data"))


@pytest.fixture
def store(migrated_engine: Engine, settings: Settings, tmp_path: Path) -> SqlRunStore:
    files = {
        "obligations.csv": OBLIGATIONS,
        "vnpay.csv": GATEWAY,
        "hanoi.sta": HANOI_STATEMENT,
        "saigon.sta": mt940(SAIGON, "79", "2305000", "VNP-HCM-1"),
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        ingest(settings, migrated_engine, path)
    run_store = SqlRunStore(migrated_engine, gateway_terms(settings))
    reconcile_day(run_store, DAY)
    users = SqlUserStore(migrated_engine)
    password_hash = hash_password(PASSWORD)
    for name in ("thu", "vien"):
        users.add(name, password_hash, "treasury", None)
    return run_store


@pytest.fixture
def clients(migrated_engine: Engine, settings: Settings) -> Iterator[dict[str, TestClient]]:
    made = {}
    for name in ("thu", "vien"):
        client = TestClient(
            create_app(migrated_engine, secret_key(settings.data_dir)), base_url="http://testserver"
        )
        client.__enter__()
        sign_in(client, name)
        made[name] = client
    yield made
    for client in made.values():
        client.__exit__(None, None, None)


def post(client: TestClient, path: str, **fields: str) -> Any:
    page = client.get(path.rsplit("/", 1)[0])
    return client.post(path, data={**fields, "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def key(row: dict[str, Any]) -> tuple[str, str | None]:
    return row["category"], row["batch_id"] or row["bank_ref"] or row["txn_id"] or row["payment_code"]


def keys(rows: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [key(row) for row in rows]


def xml_batch(client: TestClient) -> tuple[str, int, list[str]]:
    response = client.get(f"/statements/01/{DAY}.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    (batch,) = [b for b in root.findall("s:Gateway/s:Batch", NS) if b.get("id") == BATCH]
    refs = [credit.findtext("s:BankRef", namespaces=NS) for credit in batch.findall("s:BankCredit", NS)]
    return (
        batch.findtext("s:Status", namespaces=NS) or "",
        int(batch.findtext("s:Credited", namespaces=NS) or 0),
        refs,
    )


def xml_items(client: TestClient) -> set[tuple[str | None, str | None]]:
    """``(category, batch id or bank reference)`` of the statement's discrepancies."""
    root = etree.fromstring(client.get(f"/statements/01/{DAY}.xml").content)
    return {
        (
            item.get("category"),
            item.findtext("s:BatchId", namespaces=NS) or item.findtext("s:BankRef", namespaces=NS),
        )
        for item in root.findall("s:Discrepancies/s:Discrepancy", NS)
    }


PAIR = {("MISSING_BANK_CREDIT", BATCH), ("UNEXPECTED_BANK_CREDIT", "VCB-01")}


def test_an_approved_manual_match_settles_the_batch_in_the_rerun_report_and_statement(
    migrated_engine: Engine, store: SqlRunStore, clients: dict[str, TestClient]
) -> None:
    first = store.latest_run(DAY)
    before_rows = clients["thu"].get(f"/reports/{first.id}.json").json()["discrepancies"]
    before = keys(before_rows)
    assert {("MISSING_BANK_CREDIT", BATCH), ("UNEXPECTED_BANK_CREDIT", "VCB-01")} <= set(before)
    assert ("UNEXPECTED_BANK_CREDIT", "VCB-02") in before
    assert xml_batch(clients["thu"])[:2] == ("missing", 0)
    assert xml_items(clients["thu"]) >= PAIR

    d = discrepancies.c
    with migrated_engine.connect() as conn:
        batch_row = conn.execute(
            select(d.id).where(d.run_id == first.id, d.category == "MISSING_BANK_CREDIT", d.batch_id == BATCH)
        ).scalar_one()
        credit_row = conn.execute(
            select(d.id).where(d.run_id == first.id, d.bank_ref == "VCB-01")
        ).scalar_one()
    requested = post(
        clients["thu"],
        f"/discrepancies/{batch_row}/request",
        kind="manual_match",
        note="VCB-01 is VNPay's settlement of 25/11",
        match_with=str(credit_row),
    )
    assert requested.status_code == 303
    a = discrepancy_actions.c
    with migrated_engine.connect() as conn:
        request_id = conn.execute(select(a.id).where(a.kind == "request_manual_match")).scalar_one()
    # Not approved yet: a rerun changes nothing.
    assert store.load_inputs(DAY, ()).manual.credits == {}
    decided = post(
        clients["vien"], f"/discrepancies/{batch_row}/decide", request_id=str(request_id), decision="approve"
    )
    assert decided.status_code == 303

    # The approval itself ran Hà Nội's date again: the pairing is in the result everyone sees.
    rerun = store.latest_run(DAY)
    assert rerun.id != first.id
    assert rerun.provinces == ("01",)
    assert rerun.reason == "manual match approved by vien"
    audit_log = clients["thu"].get("/audit").text
    assert rerun.id in audit_log
    report = clients["thu"].get(f"/reports/{rerun.id}.json").json()
    assert report["run"]["reason"] == "manual match approved by vien"
    after = set(keys(report["discrepancies"]))
    assert ("MISSING_BANK_CREDIT", BATCH) not in after
    assert ("UNEXPECTED_BANK_CREDIT", "VCB-01") not in after
    assert ("UNEXPECTED_BANK_CREDIT", "VCB-02") in after  # the other credit is still unexplained
    hanoi_before = {key(row) for row in before_rows if row["province_code"] == "01"}
    assert after == hanoi_before - {("MISSING_BANK_CREDIT", BATCH), ("UNEXPECTED_BANK_CREDIT", "VCB-01")}
    assert xml_batch(clients["thu"]) == ("matched", 1_400_000, ["VCB-01"])
    assert not PAIR & xml_items(clients["thu"])
    assert ("UNEXPECTED_BANK_CREDIT", "VCB-02") in xml_items(clients["thu"])
    (stored,) = [b for b in store.verdict(rerun.id).batches.to_pylist() if b["batch_id"] == BATCH]
    assert (stored["status"], stored["credited_vnd"]) == ("matched", 1_400_000)
    assert [c["link"] for c in store.verdict(rerun.id).credits.to_pylist() if c["bank_ref"] == "VCB-01"] == [
        "manual"
    ]
