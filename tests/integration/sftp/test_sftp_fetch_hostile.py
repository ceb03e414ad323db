"""Hostile files on an SFTP inbox: each is rejected once, and every later fetch goes on as usual.

Before the bounds, one such file (a ``paid_at`` in the year 9999, an MT940
amount of 20 digits) ended ``recon fetch`` with a traceback, stayed pending
in the ledger, and stopped every later fetch of every source.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from service_fixtures import SAMPLES
from sftp_fixtures import ServedInbox, fetch_parts
from sqlalchemy import Engine, select

from adapters.bootstrap import gateway_terms
from adapters.db.ops_tables import fetched_files
from adapters.db.runs import SqlRunStore
from adapters.fetch import fetch_sources
from adapters.settings import Settings
from reconcile.runs import reconcile_day

GATEWAY_HEADER = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,"
    "paid_at,settlement_date,batch_id,original_txn_id\n"
)
HOSTILE = {
    "vnptpay-year-9999.csv": GATEWAY_HEADER
    + "T9,HS-9,vnptpay,01,7111010000001,150000,0,SUCCESS,9999-12-31T23:59:59-12:00,2026-11-26,B9,\n",
    "vnptpay-overflow.csv": GATEWAY_HEADER
    + "".join(
        f"T{n},HS-{n},vnptpay,01,7111010000001,999999999999999999,0,SUCCESS,"
        "2026-11-25T10:00:00+07:00,2026-11-26,B1,\n"
        for n in range(12)
    ),
    "kbnn-20-digits.csv": ":20:S1\r\n:25:7111010000001\r\n:28C:1\r\n:60F:C261125VND0,\r\n"
    ":61:2611251125C12345678901234567890,NTRFNONREF//R1\r\n:62F:C261125VND0,\r\n-\r\n",
}


def ledger(engine: Engine) -> dict[str, str | None]:
    query = select(fetched_files.c.remote_name, fetched_files.c.ingest_status)
    with engine.connect() as connection:
        return {r.remote_name: r.ingest_status for r in connection.execute(query)}


def test_hostile_files_are_rejected_once_and_later_fetches_and_runs_go_on(
    sftp_inbox: ServedInbox, migrated_engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(sources=(sftp_inbox.source(settle_seconds=0.0),), data_dir=str(tmp_path / "data"))
    for name, text in HOSTILE.items():
        (sftp_inbox.root / name).write_text(text, encoding="utf-8")
    (sftp_inbox.root / "portal-2026-11-25.csv").write_bytes((SAMPLES / "obligations.csv").read_bytes())

    first = fetch_sources(*fetch_parts(settings, migrated_engine))
    (sftp_inbox.root / "vnptpay-2026-11-25.csv").write_bytes((SAMPLES / "gateway_canonical.csv").read_bytes())
    second = fetch_sources(*fetch_parts(settings, migrated_engine))

    rejected = {i.path.name: i.error for i in first.sources[0].ingested if i.status == "rejected"}
    assert sorted(rejected) == sorted(HOSTILE)
    assert "is outside 1900-01-01..2199-12-31" in str(rejected["vnptpay-year-9999.csv"])
    assert "is beyond what a 64-bit integer holds" in str(rejected["vnptpay-overflow.csv"])
    assert "has more than 18 digits" in str(rejected["kbnn-20-digits.csv"])
    assert [(i.path.name, i.status) for i in second.sources[0].ingested] == [
        ("vnptpay-2026-11-25.csv", "accepted")
    ]
    assert ledger(migrated_engine) == {
        **dict.fromkeys(HOSTILE, "rejected"),
        "portal-2026-11-25.csv": "accepted",
        "vnptpay-2026-11-25.csv": "accepted",
    }
    run = reconcile_day(SqlRunStore(migrated_engine, gateway_terms(settings)), dt.date(2026, 11, 25))
    assert run.run.status == "completed"
