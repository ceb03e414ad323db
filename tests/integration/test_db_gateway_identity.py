"""Gateway files by (gateway, file name), transactions by (gateway, txn_id): nothing counts twice.

DESIGN.md §4, through the ingest and run use cases on SQLite and PostgreSQL.
A small two-day world (six paid obligations, one orphan payment, two
batches, their bank credits) is ingested once as one clean gateway file; each
other way the same transactions can arrive (re-sent under another name,
split, overlapping, a span then one of its days, a wrong file then its
correction...) must give the runs of both days the same JSON report.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, func, insert, select

from adapters import ingest
from adapters.bootstrap import file_formats, gateway_terms
from adapters.db import schema
from adapters.db.engine import create_engine_for, migrate, write_transaction
from adapters.db.files import FileFacts, record_file
from adapters.db.gateway_identity import any_stored_between
from adapters.db.provinces import SqlProvinceDirectory
from adapters.db.reference import load_reference_data
from adapters.db.run_inputs import _current_txns
from adapters.db.runs import SqlRunStore
from adapters.ingest import IngestOutcome, ingest_file, ingest_files
from adapters.settings import GatewaySettings, Settings
from reconcile.runs import reconcile_day
from reports.tabular import json_bytes
from usecases.reports import build_report
from usecases.statements import load_statement

D25, D26 = dt.date(2026, 11, 25), dt.date(2026, 11, 26)
HANOI = "7111010000001"
SETTINGS = Settings(gateways={"vnpay": GatewaySettings("vnpay")})
HEADER = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,"
    "status,paid_at,settlement_date,batch_id,original_txn_id"
)
#: txn_id → (payment code, amount, local paid time); T7 pays no obligation (an orphan).
TXNS = {
    "T1": ("HS-1", 100_000, "2026-11-25T09:00:00+07:00"),
    "T2": ("HS-2", 200_000, "2026-11-25T10:00:00+07:00"),
    "T3": ("HS-3", 300_000, "2026-11-25T11:00:00+07:00"),
    "T4": ("HS-4", 400_000, "2026-11-25T12:00:00+07:00"),
    "T5": ("HS-5", 500_000, "2026-11-26T09:00:00+07:00"),
    "T6": ("HS-6", 600_000, "2026-11-26T10:00:00+07:00"),
    "T7": ("HS-X", 70_000, "2026-11-25T13:00:00+07:00"),
}
OBLIGATIONS = "\n".join(
    [
        "payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,"
        "portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd",
        *(
            f"{code},01,land_charge,A1,,{amount},2026-11-24T09:00:00+07:00,paid,{txn_id},{paid},,"
            for txn_id, (code, amount, paid) in TXNS.items()
            if code != "HS-X"
        ),
    ]
)
#: Both batches credited as the clean file adds them up, less the orphan: one mismatch per day 25.
MT940 = f"""\
:20:STMT-01-1127
:25:{HANOI}
:28C:1/1
:60F:C261125VND0,
:61:2611261126C1000000,NTRFNONREF//VCB001
:86:Thanh toan lo VNP-25
:61:2611271127C1100000,NTRFNONREF//VCB002
:86:Thanh toan lo VNP-26
:62F:C261127VND2100000,
-
"""


def row(txn_id: str, *, amount: int | None = None, paid: str | None = None) -> str:
    code, clean_amount, clean_paid = TXNS[txn_id]
    paid = paid or clean_paid
    day = dt.date.fromisoformat(paid[:10])
    settle = day + dt.timedelta(days=1)
    return (
        f"{txn_id},{code},vnpay,01,{HANOI},{amount or clean_amount},0,SUCCESS,{paid},"
        f"{settle.isoformat()},VNP-{day.day},"
    )


@dataclass(frozen=True, slots=True)
class Sent:
    """One gateway file as it arrives: its name, its rows, and a folder to tell same-named files apart."""

    name: str
    rows: Sequence[str]
    folder: str = "first"


CLEAN = [Sent("vnpay.csv", [row(t) for t in TXNS])]
VARIANTS: dict[str, list[Sent]] = {
    "re-sent under another name": [*CLEAN, Sent("vnpay-again.csv", [row(t) for t in reversed(TXNS)])],
    "split in two files of one day": [
        Sent("vnpay-am.csv", [row(t) for t in ("T1", "T2", "T3")]),
        Sent("vnpay-pm.csv", [row(t) for t in ("T4", "T5", "T6", "T7")]),
    ],
    "overlapping": [
        Sent("vnpay-1.csv", [row(t) for t in ("T1", "T2", "T3", "T4", "T5")]),
        Sent("vnpay-2.csv", [row(t) for t in ("T3", "T4", "T5", "T6", "T7")]),
    ],
    "a span, then one of its days": [
        Sent("vnpay-25-26.csv", [row(t) for t in TXNS]),
        Sent("vnpay-25.csv", [row(t) for t in ("T1", "T2", "T3", "T4", "T7")]),
    ],
    "a wrong file, then its correction under the same name": [
        Sent("vnpay.csv", [row("T1"), row("T2", amount=1), row("T3"), row("T5"), row("T7")]),
        Sent("vnpay.csv", [row(t) for t in TXNS], folder="resent"),
    ],
    "a changed row, then its file corrected without it": [
        *CLEAN,
        Sent("vnpay-fix.csv", [row("T2", amount=2), row("T5")]),
        Sent("vnpay-fix.csv", [row("T5")], folder="resent"),
    ],
    "a payment dated a day early, then re-sent with its date": [
        Sent(
            "vnpay-early.csv",
            [row(t) for t in TXNS if t != "T5"] + [row("T5", paid="2026-11-25T23:00:00+07:00")],
        ),
        Sent("vnpay-late.csv", [row("T5")]),
    ],
}


def send(engine: Engine, directory: Path, sent: Sent) -> IngestOutcome:
    folder = directory / sent.folder
    folder.mkdir(exist_ok=True)
    path = folder / sent.name
    path.write_text("\n".join([HEADER, *sent.rows]) + "\n", encoding="utf-8")
    outcome = ingest_file(path, file_formats(SETTINGS), engine)
    assert outcome.error is None, outcome.error
    return outcome


#: An intraday statement of another id that carries the first credit of ``MT940`` again.
INTRADAY = f"""\
:20:INTRADAY-01-1126
:25:{HANOI}
:28C:1/1
:60F:C261125VND0,
:61:2611261126C1000000,NTRFNONREF//VCB001
:86:Thanh toan lo VNP-25
:62F:C261126VND1000000,
-
"""


def day_reports(
    engine: Engine, directory: Path, files: Sequence[Sent], bank: Sequence[str] = (MT940,)
) -> list[dict[str, Any]]:
    """Ingest the world with ``files`` as its gateway files, run both days, return their JSON reports."""
    texts = [("obligations.csv", OBLIGATIONS), *((f"bank-{i}.sta", text) for i, text in enumerate(bank))]
    for name, text in texts:
        (directory / name).write_text(text + "\n", encoding="utf-8")
        assert ingest_file(directory / name, file_formats(SETTINGS), engine).error is None
    for sent in files:
        send(engine, directory, sent)
    store = SqlRunStore(engine, gateway_terms(SETTINGS))
    reports = []
    for day in (D25, D26):
        summary = reconcile_day(store, day)
        document = json.loads(json_bytes(build_report(store, store.get_run(summary.id))))
        for volatile in ("started_at", "finished_at", "input_fingerprint"):
            document["run"].pop(volatile)
        reports.append(document)
    return reports


def sqlite_reports(directory: Path, files: Sequence[Sent]) -> list[dict[str, Any]]:
    """``day_reports`` on a new SQLite database in ``directory``."""
    engine = create_engine_for(f"sqlite:///{directory / 'recon.db'}")
    migrate(engine)
    with write_transaction(engine) as conn:
        load_reference_data(conn)
    try:
        return day_reports(engine, directory, files)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def clean_reports(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return sqlite_reports(tmp_path_factory.mktemp("clean"), CLEAN)


def test_the_clean_world_reports_its_orphan_and_the_batch_it_unbalances(
    clean_reports: list[dict[str, Any]],
) -> None:
    first, second = clean_reports
    found = sorted((d["category"], d["txn_id"] or d["batch_id"]) for d in first["discrepancies"])
    assert found == [("ORPHAN_PAYMENT", "T7"), ("SETTLEMENT_AMOUNT_MISMATCH", "VNP-25")]
    assert first["run"]["counts"]["txns_examined"] == 5
    assert second["run"]["counts"]["txns_examined"] == 2


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_however_the_transactions_arrive_the_reports_are_those_of_one_clean_file(
    variant: str, migrated_engine: Engine, tmp_path: Path, clean_reports: list[dict[str, Any]]
) -> None:
    assert day_reports(migrated_engine, tmp_path, VARIANTS[variant]) == clean_reports


#: Per transaction: the files (of up to three) that carry it, and whether the earlier ones get it wrong.
_CARRIERS = st.tuples(st.sets(st.integers(0, 2), min_size=1), st.booleans())


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(_CARRIERS, min_size=len(TXNS), max_size=len(TXNS)), order=st.randoms())
def test_any_set_of_files_whose_latest_carrier_is_right_reports_as_the_clean_file(
    plan: list[tuple[set[int], bool]],
    order: Any,
    tmp_path_factory: pytest.TempPathFactory,
    clean_reports: list[dict[str, Any]],
) -> None:
    """Files split, overlap and repeat at will; an earlier copy of a transaction may differ."""
    rows: list[list[str]] = [[], [], []]
    for txn_id, (carriers, earlier_wrong) in zip(TXNS, plan, strict=True):
        latest = max(carriers)
        for index in sorted(carriers):
            wrong = earlier_wrong and index != latest
            rows[index].append(row(txn_id, amount=1) if wrong else row(txn_id))
    for file_rows in rows:
        order.shuffle(file_rows)
    files = [Sent(f"vnpay-{index}.csv", file_rows) for index, file_rows in enumerate(rows) if file_rows]
    assert sqlite_reports(tmp_path_factory.mktemp("property"), files) == clean_reports


def test_a_booking_delivered_in_two_statements_counts_once(
    migrated_engine: Engine, tmp_path: Path, clean_reports: list[dict[str, Any]]
) -> None:
    assert day_reports(migrated_engine, tmp_path, CLEAN, bank=(INTRADAY, MT940)) == clean_reports


def count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def test_two_files_of_one_gateway_on_one_day_both_count(migrated_engine: Engine, tmp_path: Path) -> None:
    big = send(migrated_engine, tmp_path, Sent("vnpay-0800.csv", [row(t) for t in ("T1", "T2", "T3")]))
    small = send(migrated_engine, tmp_path, Sent("vnpay-1400.csv", [row("T4")]))

    assert (big.status, small.status) == ("accepted", "accepted")
    assert small.warnings == ()
    inputs = SqlRunStore(migrated_engine, gateway_terms(SETTINGS)).load_inputs(D25, ())
    assert sorted(inputs.txns.column("txn_id").to_pylist()) == ["T1", "T2", "T3", "T4"]


def test_a_re_sent_file_with_the_same_name_replaces_it_and_says_how_many_were_withdrawn(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    send(migrated_engine, tmp_path, Sent("vnpay.csv", [row(t) for t in ("T1", "T2", "T3", "T4")]))
    resent = send(migrated_engine, tmp_path, Sent("vnpay.csv", [row("T1"), row("T2", amount=5)], "resent"))

    assert resent.status == "correction"
    (warning,) = resent.warnings
    assert warning.startswith("correction of vnpay.csv (version 1, ")
    assert "of its 4 transaction(s), 2 replaced by this file's and 2 withdrawn" in warning
    txns = SqlRunStore(migrated_engine, gateway_terms(SETTINGS)).load_inputs(D25, ()).txns
    assert sorted(zip(txns["txn_id"].to_pylist(), txns["amount_vnd"].to_pylist(), strict=True)) == [
        ("T1", 100_000),
        ("T2", 5),
    ]
    assert count(migrated_engine, schema.gateway_txns) == 6  # the first file's rows stay as history


def test_a_re_sent_file_without_transactions_withdraws_all_of_the_earlier_ones(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    send(migrated_engine, tmp_path, Sent("vnpay.csv", [row("T1"), row("T2")]))
    empty = send(migrated_engine, tmp_path, Sent("vnpay.csv", [], "resent"))

    assert empty.status == "correction"
    assert "of its 2 transaction(s), 0 replaced by this file's and 2 withdrawn" in empty.warnings[0]
    assert SqlRunStore(migrated_engine, gateway_terms(SETTINGS)).load_inputs(D25, ()).txns.num_rows == 0
    f = schema.files.c
    with migrated_engine.connect() as conn:
        identity = conn.execute(select(f.identity).where(f.current.is_(True))).scalar_one()
    assert identity == "gateway:vnpay:vnpay.csv"


def test_the_same_transaction_in_two_files_counts_once(migrated_engine: Engine, tmp_path: Path) -> None:
    send(migrated_engine, tmp_path, Sent("vnpay-a.csv", [row("T1"), row("T2")]))
    again = send(migrated_engine, tmp_path, Sent("vnpay-b.csv", [row("T2"), row("T3")]))

    assert again.status == "accepted"
    assert again.warnings == (
        "1 transaction(s) already carried by other files with the same content "
        "(e.g. T2 in vnpay-a.csv): each counts once",
    )
    txns = SqlRunStore(migrated_engine, gateway_terms(SETTINGS)).load_inputs(D25, ()).txns
    assert sorted(txns["txn_id"].to_pylist()) == ["T1", "T2", "T3"]


def test_a_changed_transaction_is_taken_from_the_later_file_with_a_warning_and_the_earlier_kept(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    send(migrated_engine, tmp_path, Sent("vnpay-a.csv", [row("T1"), row("T2")]))
    later = send(migrated_engine, tmp_path, Sent("vnpay-b.csv", [row("T2", amount=250_000)]))

    assert later.status == "accepted"
    assert later.warnings == (
        "1 transaction(s) carried by other files with different content "
        "(e.g. T2 in vnpay-a.csv: amount_vnd 200000 → 250000): this file's rows are used, "
        "the earlier ones are kept as history",
    )
    txns = SqlRunStore(migrated_engine, gateway_terms(SETTINGS)).load_inputs(D25, ()).txns
    assert sorted(zip(txns["txn_id"].to_pylist(), txns["amount_vnd"].to_pylist(), strict=True)) == [
        ("T1", 100_000),
        ("T2", 250_000),
    ]
    g = schema.gateway_txns.c
    assert count(migrated_engine, schema.gateway_txns, g.txn_id == "T2") == 2
    s = schema.gateway_txn_supersessions.c
    with migrated_engine.connect() as conn:
        history = conn.execute(select(s.txn_id, s.changed)).all()
    assert [tuple(h) for h in history] == [("T2", True)]


def test_withdrawing_a_transaction_from_the_later_file_brings_back_the_earlier_files_row(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    send(migrated_engine, tmp_path, Sent("vnpay-a.csv", [row("T1"), row("T2")]))
    send(migrated_engine, tmp_path, Sent("vnpay-b.csv", [row("T2", amount=7), row("T3")]))
    send(migrated_engine, tmp_path, Sent("vnpay-b.csv", [row("T3")], "resent"))

    txns = SqlRunStore(migrated_engine, gateway_terms(SETTINGS)).load_inputs(D25, ()).txns
    assert sorted(zip(txns["txn_id"].to_pylist(), txns["amount_vnd"].to_pylist(), strict=True)) == [
        ("T1", 100_000),
        ("T2", 200_000),
        ("T3", 300_000),
    ]


def test_the_statement_counts_each_transaction_once(migrated_engine: Engine, tmp_path: Path) -> None:
    for sent in VARIANTS["overlapping"]:
        send(migrated_engine, tmp_path, sent)
    (tmp_path / "vcb.sta").write_text(MT940, encoding="utf-8")
    ingest_file(tmp_path / "vcb.sta", file_formats(SETTINGS), migrated_engine)
    reconcile_day(
        SqlRunStore(migrated_engine, gateway_terms(SETTINGS)), D25
    )  # a statement renders its date's run
    (batch,) = load_statement(
        SqlRunStore(migrated_engine), SqlProvinceDirectory(migrated_engine), "01", D25
    ).batches
    assert (batch.batch_id, batch.transactions, batch.collected) == ("VNP-25", 5, 1_070_000)


def supersession_lookups(
    engine: Engine, sent: Sent, directory: Path
) -> tuple[list[tuple[str, Any]], IngestOutcome]:
    """The statements (and their parameters) by which storing ``sent`` looked its rows up among
    the stored ones, and its outcome."""
    lookups: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("INSERT INTO gateway_txn_supersessions"):
            lookups.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        outcome = send(engine, directory, sent)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return lookups, outcome


def test_on_sqlite_a_file_is_checked_against_the_stored_rows_by_the_index_not_by_a_scan(
    migrated_sqlite_engine: Engine, tmp_path: Path
) -> None:
    send(migrated_sqlite_engine, tmp_path, Sent("vnpay-a.csv", [row("T1"), row("T2")]))
    statements, again = supersession_lookups(
        migrated_sqlite_engine, Sent("vnpay-b.csv", [row("T2"), row("T3")]), tmp_path
    )

    assert again.warnings[0].startswith("1 transaction(s) already carried by other files")
    [(statement, parameters)] = statements
    query = statement[statement.index("SELECT") :]
    with migrated_sqlite_engine.connect() as conn:
        plan = [step for *_, step in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", parameters)]
    assert plan[0].startswith("SEARCH new USING INTEGER PRIMARY KEY")  # the new file's rows, by id
    assert plan[1].startswith("SEARCH old USING INDEX")  # each looked up among the stored ones
    assert not any(step.startswith("SCAN") for step in plan)


def many(first: int, count: int) -> list[str]:
    """``count`` transactions from ``B{first}`` on, none of them paying an obligation."""
    return [
        f"B{i},HS-B{i},vnpay,01,{HANOI},1000,0,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-25,"
        for i in range(first, first + count)
    ]


@pytest.mark.postgres
def test_on_postgresql_a_file_is_checked_against_the_stored_rows_by_the_index_not_by_a_scan(
    postgres_engine: Engine, tmp_path: Path
) -> None:
    migrate(postgres_engine)
    with write_transaction(postgres_engine) as conn:
        load_reference_data(conn)
    send(postgres_engine, tmp_path, Sent("vnpay-a.csv", many(0, 30_000)))
    with postgres_engine.connect() as conn:  # as autovacuum leaves them: the stored rows known, not the new
        conn.exec_driver_sql("ANALYZE gateway_txns")
        before = conn.execute(
            select(func.current_setting("enable_hashjoin"), func.current_setting("jit"))
        ).one()
    plans: list[str] = []
    settings_after: list[tuple[str, ...]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("INSERT INTO gateway_txn_supersessions"):
            with cursor.connection.cursor() as explain:  # the same transaction, as the statement sees it
                explain.execute(f"EXPLAIN {statement}", parameters)
                plans.extend(step for (step,) in explain.fetchall())
        elif plans and not settings_after and "gateway_txn_supersessions" in statement:
            with cursor.connection.cursor() as show:
                show.execute("SELECT current_setting('enable_hashjoin'), current_setting('jit')")
                settings_after.append(tuple(show.fetchone()))

    with postgres_engine.connect() as conn:
        before = conn.execute(
            select(func.current_setting("enable_hashjoin"), func.current_setting("jit"))
        ).one()
    event.listen(postgres_engine, "before_cursor_execute", seen)
    try:
        again = send(postgres_engine, tmp_path, Sent("vnpay-b.csv", many(29_000, 3_000)))
    finally:
        event.remove(postgres_engine, "before_cursor_execute", seen)

    assert again.warnings[0].startswith("1000 transaction(s) already carried by other files")
    text = "\n".join(plans)
    assert "Index Cond: ((txn_id)::text = (new.txn_id)::text)" in text  # each looked up in the index
    assert "Seq Scan on gateway_txns old" not in text  # the stored rows are not read in full
    assert "Hash Join" not in text
    assert settings_after == [tuple(before)]  # the planner's settings are back for what follows


def test_a_file_whose_ids_span_no_stored_id_is_not_looked_up_row_by_row(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    def lookups(name: str, *txn_ids: str) -> int:
        lookups, outcome = supersession_lookups(
            migrated_engine, Sent(name, [row(t) for t in txn_ids]), tmp_path
        )
        assert outcome.warnings == ()  # none of them carries a stored transaction
        return len(lookups)

    assert lookups("vnpay-a.csv", "T2", "T3") == 0
    assert lookups("vnpay-b.csv", "T4", "T6") == 0  # nothing stored from T4 to T6
    assert lookups("vnpay-c.csv", "T5") == 0  # between stored ids, but none of them
    assert lookups("vnpay-d.csv", "T1", "T7") == 1  # T2 to T6 lie in T1..T7: looked up, none carried
    txns = SqlRunStore(migrated_engine, gateway_terms(SETTINGS)).load_inputs(D25, ()).txns
    assert sorted(txns["txn_id"].to_pylist()) == sorted(TXNS)  # each once


@pytest.mark.parametrize(
    ("stored", "sent", "found"),
    [
        (["T2", "T4"], ["T9", "T4"], True),  # a stored id at the least end
        (["T2", "T4"], ["T2", "T0"], True),  # at the greatest end
        (["T2", "T4"], ["T3"], False),
        (["T2", "T4"], ["T9", "T5"], False),
        (["Ă1"], ["Z9", "A"], False),  # "Ă" is 0xC4 0x82 in UTF-8: after every ASCII letter
        (["Ă1"], ["Ă2", "A"], True),
        (["a1"], ["Z9", "A"], False),  # by bytes, not by a locale's rules: "a" is after "Z"
        (["Z5"], ["a1", "A"], True),
    ],
)
def test_the_stored_ids_in_a_files_range_are_found_in_the_order_of_their_bytes(
    migrated_engine: Engine, stored: list[str], sent: list[str], found: bool
) -> None:
    """The file's least and greatest id as ingestion takes them (Arrow), looked for in the index."""
    with write_transaction(migrated_engine) as conn:
        facts = FileFacts(sha256="e" * 64, path="ids.csv", format="gateway", status="accepted", current=True)
        file_id = record_file(conn, facts)
        conn.execute(
            insert(schema.gateway_txns),
            [
                {
                    "file_id": file_id,
                    "txn_id": txn_id,
                    "gateway": "vnpay",
                    "amount_vnd": 1,
                    "status": "SUCCESS",
                }
                for txn_id in stored
            ],
        )
    ids = pc.min_max(pa.array(sent))
    with migrated_engine.connect() as conn:
        assert any_stored_between(conn, ids["min"].as_py(), ids["max"].as_py()) is found


@pytest.mark.postgres
@pytest.mark.parametrize(("rows", "analysed"), [(20_000, True), (9_000, False)])
def test_on_postgresql_a_large_ingest_leaves_statistics_that_look_a_run_s_ids_up_in_the_index(
    postgres_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int, analysed: bool
) -> None:
    migrate(postgres_engine)
    with write_transaction(postgres_engine) as conn:
        load_reference_data(conn)
        # only the ingest may analyse the table here: autovacuum would, at a moment of its own
        conn.exec_driver_sql("ALTER TABLE gateway_txns SET (autovacuum_enabled = false)")
    monkeypatch.setattr(ingest, "REFRESH_MIN_ROWS", 10_000)
    path = tmp_path / "vnpay.csv"
    path.write_text("\n".join([HEADER, *many(0, rows)]) + "\n", encoding="utf-8")
    [outcome] = ingest_files([path], file_formats(SETTINGS), postgres_engine)
    assert outcome.status == "accepted"
    keys = [f"B{i}" for i in range(0, rows, rows // 100)]  # as a run asks for the ids it lacks
    query = _current_txns().where(schema.gateway_txns.c.txn_id.in_(keys))
    with postgres_engine.connect() as conn:
        known = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'gateway_txns' AND attname = 'txn_id'"
        ).scalar_one()
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(step for (step,) in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    assert known == int(analysed)
    assert ("Seq Scan on gateway_txns" not in plan) is analysed


def test_an_ingest_whose_statistics_cannot_be_refreshed_keeps_its_files_and_says_why(
    migrated_sqlite_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refused(engine: Engine) -> None:
        raise RuntimeError("the server went away")

    monkeypatch.setattr(ingest, "REFRESH_MIN_ROWS", 2)
    monkeypatch.setattr(ingest, "refresh_statistics", refused)
    path = tmp_path / "vnpay.csv"
    path.write_text("\n".join([HEADER, *many(0, 3)]) + "\n", encoding="utf-8")
    [outcome] = ingest_files([path], file_formats(SETTINGS), migrated_sqlite_engine)
    assert (outcome.status, outcome.entries) == ("accepted", 3)
    assert count(migrated_sqlite_engine, schema.gateway_txns) == 3
    assert "statistics could not be refreshed" in caplog.text
    assert "the server went away" in caplog.text
