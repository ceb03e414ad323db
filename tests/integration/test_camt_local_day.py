"""A camt booking given as a date-time is dated by its day in Hà Nội, through ingest and run.

Banks outside Vietnam, and some inside, stamp bookings in UTC
(``<BookgDt><DtTm>2026-08-27T20:10:00+00:00</DtTm></BookgDt>``). That moment
is 03:10 on 28 August in Asia/Ho_Chi_Minh, and a business date is a local
date (DESIGN.md §2): the booking belongs to 28 August, whatever the offset
it was written with. Each case ingests a real day (obligations, a gateway
file, a camt.053 of Hà Nội's treasury account) and reconciles it on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.bootstrap import file_formats, gateway_terms
from adapters.db.runs import SqlRunStore
from adapters.ingest import ingest_file
from adapters.settings import GatewaySettings, Settings
from reconcile.runs import item_key, reconcile_day

HANOI = "7111010000001"
SETTINGS = Settings(gateways={"vnpay": GatewaySettings("vnpay")})
WED, THU, FRI = dt.date(2026, 8, 26), dt.date(2026, 8, 27), dt.date(2026, 8, 28)

OBLIGATIONS = """\
payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd
HS-1,01,land_charge,A1,,1000000,2026-08-20T09:00:00+07:00,paid,T1,2026-08-26T09:00:00+07:00,,
HS-2,01,land_charge,A1,,500000,2026-08-20T09:00:00+07:00,paid,T2,2026-08-27T10:00:00+07:00,,
"""
GATEWAY = """\
txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,settlement_date,batch_id,original_txn_id
T1,HS-1,vnpay,01,7111010000001,1000000,0,SUCCESS,2026-08-26T09:00:00+07:00,2026-08-27,VNP-WED,
T2,HS-2,vnpay,01,7111010000001,500000,0,SUCCESS,2026-08-27T10:00:00+07:00,2026-08-28,VNP-THU,
"""


def entry(amount: int, booked: str, ref: str, remittance: str) -> str:
    return f"""<Ntry><Amt Ccy="VND">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt>{booked}</BookgDt><ValDt>{booked}</ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><TxDtls><RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""


def statement(*entries: str, opening: int = 0) -> str:
    closing = opening + sum(int(e.split('">', 1)[1].split("<", 1)[0]) for e in entries)
    balances = "".join(
        f'<Bal><Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry></Tp><Amt Ccy="VND">{amount}</Amt>'
        f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>\n"
        for kind, amount, day in (("OPBD", opening, "2026-08-26"), ("CLBD", closing, "2026-08-29"))
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>KBNN-01-0829</MsgId><CreDtTm>2026-08-29T18:00:00+07:00</CreDtTm></GrpHdr>
<Stmt><Id>KBNN-01-20260829</Id><ElctrncSeqNb>1</ElctrncSeqNb>
<FrToDt><FrDtTm>2026-08-26T00:00:00+07:00</FrDtTm><ToDtTm>2026-08-29T23:59:59+07:00</ToDtTm></FrToDt>
<Acct><Id><Othr><Id>{HANOI}</Id></Othr></Id><Ccy>VND</Ccy></Acct>
{balances}{"".join(entries)}
</Stmt></BkToCstmrStmt></Document>
"""


def day(tag: str) -> str:
    return f"<Dt>{tag}</Dt>"


def stamp(tag: str) -> str:
    return f"<DtTm>{tag}</DtTm>"


def ingest_day(engine: Engine, directory: Path, camt: str) -> SqlRunStore:
    for name, text in (("obligations.csv", OBLIGATIONS), ("vnpay.csv", GATEWAY), ("kbnn.xml", camt)):
        path = directory / name
        path.write_text(text, encoding="utf-8")
        outcome = ingest_file(path, file_formats(SETTINGS), engine)
        assert outcome.error is None, outcome.error
    return SqlRunStore(engine, gateway_terms(SETTINGS))


def found(store: SqlRunStore, business_date: dt.date) -> dict[str, dict]:
    run = reconcile_day(store, business_date)
    return {item_key(row): row for row in store.discrepancies(run.id).to_pylist()}


ON_TIME = (
    entry(1_000_000, day("2026-08-27"), "KB-WED", "VNP-WED"),
    entry(500_000, day("2026-08-28"), "KB-THU", "VNP-THU"),
)


@pytest.mark.parametrize(
    "booked",
    [
        pytest.param("2026-08-27T20:10:00+00:00", id="utc-offset"),
        pytest.param("2026-08-27T20:10:00Z", id="zulu"),
        pytest.param("2026-08-28T03:10:00+07:00", id="local-offset"),
        pytest.param("2026-08-28T03:10:00", id="no-offset-is-local"),
    ],
)
def test_a_stray_credit_booked_at_20_10_utc_is_reported_by_the_run_of_the_next_local_day(
    migrated_engine: Engine, tmp_path: Path, booked: str
) -> None:
    stray = entry(123_456, stamp(booked), "KB-STRAY", "CHUYEN TIEN")
    store = ingest_day(migrated_engine, tmp_path, statement(*ON_TIME, stray))

    thursday = found(store, THU)
    friday = found(store, FRI)

    assert "UNEXPECTED_BANK_CREDIT:KB-STRAY" not in thursday
    row = friday["UNEXPECTED_BANK_CREDIT:KB-STRAY"]
    assert (row["business_date"], row["actual_vnd"], row["age_days"]) == (FRI, 123_456, 0)
    assert set(thursday) == set()
    assert set(friday) == {"UNEXPECTED_BANK_CREDIT:KB-STRAY"}


def test_a_booking_without_offset_is_local_time_not_utc(migrated_engine: Engine, tmp_path: Path) -> None:
    stray = entry(123_456, stamp("2026-08-27T20:10:00"), "KB-STRAY", "CHUYEN TIEN")  # 20:10 in Hà Nội
    store = ingest_day(migrated_engine, tmp_path, statement(*ON_TIME, stray))

    assert set(found(store, THU)) == {"UNEXPECTED_BANK_CREDIT:KB-STRAY"}
    carried = found(store, FRI)["UNEXPECTED_BANK_CREDIT:KB-STRAY"]  # still open, from Thursday
    assert (carried["business_date"], carried["age_days"]) == (THU, 1)


@pytest.mark.parametrize(
    ("booked", "late"),
    [
        # Wednesday's batch is due by Thursday (one business day): 23:59 Thursday in Hà Nội is on time ...
        pytest.param("2026-08-27T16:59:00+00:00", False, id="23:59-local-thursday"),
        pytest.param("2026-08-27T23:59:00+07:00", False, id="23:59-local-thursday-local-offset"),
        # ... and 03:10 Friday in Hà Nội is late, although its UTC day is still Thursday.
        pytest.param("2026-08-27T20:10:00+00:00", True, id="03:10-local-friday-written-in-utc"),
        pytest.param("2026-08-28T03:10:00+07:00", True, id="03:10-local-friday"),
    ],
)
def test_lateness_is_judged_on_the_local_day_of_the_booking(
    migrated_engine: Engine, tmp_path: Path, booked: str, late: bool
) -> None:
    credits = (entry(1_000_000, stamp(booked), "KB-WED", "VNP-WED"), ON_TIME[1])
    store = ingest_day(migrated_engine, tmp_path, statement(*credits))

    wednesday = found(store, WED)

    assert ("LATE_SETTLEMENT:VNP-WED" in wednesday) is late
    assert set(wednesday) - {"LATE_SETTLEMENT:VNP-WED"} == set()
