"""Bank statements into a real database: entries, details, and corrections per statement."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, select, update

from adapters.bootstrap import file_formats
from adapters.db import schema
from adapters.db.engine import write_transaction
from adapters.db.stores import store_statements
from adapters.formats.camt import CamtParser
from adapters.formats.camt_writer import write_camt053
from adapters.ingest import ingest_file
from adapters.settings import Settings
from reconcile.records import Balance, BankEntry, BankStatement, Direction, TxDetail
from tests.integration.test_db_gateway_copies import new_file

DAY = dt.date(2026, 11, 26)
ACCOUNT = "7111010000001"


def statement(statement_id: str, credits: list[int], *, details: bool = False) -> BankStatement:
    entries = tuple(
        BankEntry(
            amount=amount,
            currency="VND",
            direction=Direction.CREDIT,
            booking_date=DAY,
            value_date=DAY,
            bank_ref=f"{statement_id}-REF{i}",
            end_to_end_id=None if details else f"VNPAY-01-{i}",
            remittance=f"VNPAY-01-2026-11-26 lô {i}",
            details=(
                TxDetail("T1", amount - 1000, "HS-1", ()),
                TxDetail("T2", 1000, "HS-2", ()),
            )
            if details
            else (),
        )
        for i, amount in enumerate(credits, start=1)
    )
    return BankStatement(
        statement_id=statement_id,
        sequence="1",
        account=ACCOUNT,
        currency="VND",
        created_at=dt.datetime(2026, 11, 26, 18, tzinfo=dt.UTC),
        balances=(
            Balance("OPBD", 1_000_000, "VND", DAY),
            Balance("CLBD", 1_000_000 + sum(credits), "VND", DAY),
        ),
        entries=entries,
        from_date=DAY,
        to_date=DAY,
    )


def test_a_camt_file_stores_its_statements_entries_and_details(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "vcb.xml"
    write_camt053([statement("S1", [150000, 2000000], details=True), statement("S2", [75000])], path)

    outcome = ingest_file(path, file_formats(Settings()), migrated_engine)

    assert (outcome.status, outcome.statements, outcome.entries) == ("accepted", 2, 3)
    assert outcome.totals == {"VND": {"credit": 2225000, "debit": 0}}
    s, e, d = schema.bank_statements.c, schema.bank_entries.c, schema.bank_entry_details.c
    with migrated_engine.connect() as conn:
        statements = conn.execute(
            select(s.statement_id, s.version, s.current, s.closing_amount).order_by(s.id)
        ).all()
        entries = conn.execute(
            select(e.id, e.amount, e.direction, e.account, e.booking_date).order_by(e.id)
        ).all()
        details = conn.execute(select(d.entry_id, d.end_to_end_id, d.amount).order_by(d.id)).all()
    assert [tuple(row) for row in statements] == [("S1", 1, True, 3150000), ("S2", 1, True, 1075000)]
    assert [(row.amount, row.direction, row.account, row.booking_date) for row in entries] == [
        (150000, "CRDT", ACCOUNT, DAY),
        (2000000, "CRDT", ACCOUNT, DAY),
        (75000, "CRDT", ACCOUNT, DAY),
    ]
    first_entry = entries[0].id
    assert [tuple(row) for row in details[:2]] == [(first_entry, "T1", 149000), (first_entry, "T2", 1000)]
    batch_booked = [row for row in details if row.entry_id in (entries[0].id, entries[1].id)]
    assert [row.amount for row in batch_booked] == [149000, 1000, 1999000, 1000]


def test_a_corrected_statement_is_a_new_version_and_the_old_one_stays(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    first, second = tmp_path / "vcb-1.xml", tmp_path / "vcb-2.xml"
    write_camt053([statement("S1", [150000]), statement("S2", [75000])], first)
    write_camt053([statement("S1", [150000, 1000])], second, message_id="RECON-CAMT053-CORR")

    outcomes = [
        ingest_file(first, file_formats(Settings()), migrated_engine),
        ingest_file(second, file_formats(Settings()), migrated_engine),
    ]

    assert [o.status for o in outcomes] == ["accepted", "correction"]
    s = schema.bank_statements.c
    with migrated_engine.connect() as conn:
        rows = conn.execute(
            select(s.statement_id, s.version, s.current, s.supersedes_id, s.id).order_by(s.id)
        ).all()
    assert [(r.statement_id, r.version, r.current) for r in rows] == [
        ("S1", 1, False),
        ("S2", 1, True),
        ("S1", 2, True),
    ]
    assert rows[2].supersedes_id == rows[0].id


def test_a_statement_already_stored_with_the_same_content_is_kept_once(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    plain, wrapped = tmp_path / "vcb.xml", tmp_path / "vcb-envelope.xml"
    write_camt053([statement("S1", [150000])], plain)
    write_camt053([statement("S1", [150000])], wrapped, envelope=True)

    first = ingest_file(plain, file_formats(Settings()), migrated_engine)
    again = ingest_file(wrapped, file_formats(Settings()), migrated_engine)

    assert (first.status, again.status) == ("accepted", "accepted")
    assert any("already stored with the same content" in w for w in again.warnings)
    with migrated_engine.connect() as conn:
        versions = conn.execute(select(schema.bank_statements.c.version)).scalars().all()
    assert versions == [1]


def _versions(engine: Engine) -> list[tuple[str, int, bool]]:
    s = schema.bank_statements.c
    with engine.connect() as conn:
        rows = conn.execute(select(s.statement_id, s.version, s.current).order_by(s.id)).all()
    return [tuple(row) for row in rows]


def test_a_statement_is_known_as_the_same_whatever_stands_before_it_in_the_file(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.xml", tmp_path / "second.xml"
    later = statement("S2", [75000, 5000, 6000, 7000, 8000], details=True)
    # some references missing: the columns' validity differs in bits that fall elsewhere in each file
    later = replace(
        later, entries=tuple(replace(e, bank_ref=None) if i % 2 else e for i, e in enumerate(later.entries))
    )
    write_camt053([statement("S1", [150000], details=True), later], first)
    corrected = statement(
        "S1", [150000, 2000000, 90000], details=True
    )  # more entries and details before S2's
    write_camt053([corrected, later], second)

    ingest_file(first, file_formats(Settings()), migrated_engine)
    again = ingest_file(second, file_formats(Settings()), migrated_engine)

    assert again.status == "correction"
    assert any("statement S2" in w and "same content" in w for w in again.warnings)
    assert _versions(migrated_engine) == [("S1", 1, False), ("S2", 1, True), ("S1", 2, True)]
    d, e = schema.bank_entry_details.c, schema.bank_entries.c
    with migrated_engine.connect() as conn:
        pairs = select(e.amount, d.amount).join_from(schema.bank_entry_details, schema.bank_entries)
        stored = conn.execute(pairs.order_by(d.id)).all()
    assert [tuple(row) for row in stored][-6:] == [
        (150000, 149000),
        (150000, 1000),
        (2000000, 1999000),
        (2000000, 1000),
        (90000, 89000),
        (90000, 1000),
    ]


def test_a_detail_changed_alone_makes_the_statement_a_correction(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.xml", tmp_path / "second.xml"
    original = statement("S1", [150000], details=True)
    entry = original.entries[0]
    changed_detail = replace(entry.details[1], remittance="HS-2 sửa")
    changed = replace(original, entries=(replace(entry, details=(entry.details[0], changed_detail)),))
    write_camt053([original], first)
    write_camt053([changed], second)

    ingest_file(first, file_formats(Settings()), migrated_engine)
    again = ingest_file(second, file_formats(Settings()), migrated_engine)

    assert again.status == "correction"
    assert _versions(migrated_engine) == [("S1", 1, False), ("S1", 2, True)]


def test_a_statement_stored_with_the_digest_of_its_text_is_still_known_as_the_same(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    plain, wrapped = tmp_path / "vcb.xml", tmp_path / "vcb-envelope.xml"
    write_camt053([statement("S1", [150000], details=True)], plain)
    write_camt053([statement("S1", [150000], details=True)], wrapped, envelope=True)
    ingest_file(plain, file_formats(Settings()), migrated_engine)
    read = CamtParser().parse(plain).statements[0]
    with write_transaction(migrated_engine) as conn:  # as a statement stored before the columns' digest
        text_digest = hashlib.sha256(repr(read).encode()).hexdigest()
        conn.execute(update(schema.bank_statements).values(content_sha256=text_digest))

    again = ingest_file(wrapped, file_formats(Settings()), migrated_engine)

    assert again.status == "accepted"
    assert any("already stored with the same content" in w for w in again.warnings)
    assert _versions(migrated_engine) == [("S1", 1, True)]


def test_a_statement_is_known_as_the_same_whatever_follows_it_in_the_file(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.xml", tmp_path / "second.xml"
    same = statement("S1", [150000, 2000000], details=True)
    write_camt053([same, statement("S2", [75000], details=True)], first)
    write_camt053([same, statement("S2", [75000, 5000, 6000], details=True)], second)  # S2 corrected

    ingest_file(first, file_formats(Settings()), migrated_engine)
    again = ingest_file(second, file_formats(Settings()), migrated_engine)

    assert any("statement S1" in w and "same content" in w for w in again.warnings), again.warnings
    assert _versions(migrated_engine) == [("S1", 1, True), ("S2", 1, False), ("S2", 2, True)]


def test_a_file_that_corrects_its_own_statements_is_stored_as_its_statements_one_by_one(
    migrated_engine: Engine, migrated_sqlite_engine: Engine
) -> None:
    earlier = (statement("S2", [75000]), statement("S4", [1]))
    later = (
        statement("S1", [150000]),
        statement("S1", [150000]),  # the same content again: kept once
        statement("S1", [150000, 1000]),  # corrects the S1 of this file
        statement("S2", [75000, 5]),  # corrects the S2 stored before
        statement("S3", [42]),
        statement("S2", [75000, 5]),  # the same as the correction above
        statement("S1", [7]),  # corrects the correction
    )

    def stored(engine: Engine, *, one_by_one: bool) -> tuple[list[tuple[object, ...]], tuple[int, ...]]:
        """The statement rows, each with the one it supersedes, and the outcomes' counts."""
        count = corrections = warnings = 0
        with write_transaction(engine) as conn:
            store_statements(conn, new_file(conn, "earlier.xml"), earlier)
            file_id = new_file(conn, "later.xml")
            for part in [(one,) for one in later] if one_by_one else [later]:
                done = store_statements(conn, file_id, part)
                count, corrections = count + done.stored, corrections + done.corrections
                warnings += len(done.warnings)
        table = schema.bank_statements
        s, superseded = table.c, table.alias("superseded")
        query = (
            select(s.statement_id, s.version, s.current, s.content_sha256, superseded.c.statement_id)
            .outerjoin_from(table, superseded, superseded.c.id == s.supersedes_id)
            .add_columns(superseded.c.version)
            .order_by(s.id)
        )
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query)], (count, corrections, warnings)

    batched = stored(migrated_engine, one_by_one=False)
    by_one = stored(migrated_sqlite_engine, one_by_one=True)

    assert batched == by_one
    rows, counts = batched
    assert [row[:3] for row in rows] == [
        ("S2", 1, False),
        ("S4", 1, True),
        ("S1", 1, False),
        ("S1", 2, False),
        ("S2", 2, True),
        ("S3", 1, True),
        ("S1", 3, True),
    ]
    assert counts == (5, 3, 2)  # stored, corrections, "already stored" warnings
