"""The audit log's hash chain on SQLite and PostgreSQL: appended safely, and any tampering found.

Each test appends a few entries through :mod:`adapters.db.audit`, then
changes the table behind its back as someone with database access could
(edit a field, delete a row, swap two rows, insert one) and checks that
:func:`~adapters.db.audit.verify` and ``recon audit verify`` name the first
entry that no longer fits.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, delete, insert, select, update

from adapters.db import audit
from adapters.db.audit_tables import audit_log


def fill(engine: Engine, n: int = 5) -> list[audit.AuditEntry]:
    return [
        audit.record(engine, f"user{i % 2}", "download", f"report-{i}.csv", {"n": i, "tên": "Hà Nội"})
        for i in range(1, n + 1)
    ]


def recon_verify(engine: Engine, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "recon.toml"
    config.write_text("", encoding="utf-8")
    env = {**os.environ, "RECON_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), "audit", "verify"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)


def test_an_untouched_log_verifies_and_each_entry_chains_to_the_one_before(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    entries = fill(migrated_engine)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(entries))
    with migrated_engine.connect() as conn:
        found = audit.verify(conn)
    assert (found.broken, found.entries, found.head_seq) == (None, 5, 5)
    assert found.head_hash == entries[-1].entry_hash
    result = recon_verify(migrated_engine, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"audit log intact: 5 entries, head 5 {entries[-1].entry_hash}" in result.stdout


def test_an_empty_log_is_intact(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as conn:
        found = audit.verify(conn)
    assert (found.broken, found.entries, found.head_hash) == (None, 0, audit.GENESIS)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "someone-else"),
        ("details", '{"n":3,"tên":"Hà Nội","x":1}'),
        ("target", None),
        ("action", "x"),
    ],
)
def test_an_edited_field_breaks_the_chain_at_that_entry(
    migrated_engine: Engine, tmp_path: Path, column: str, value: str | None
) -> None:
    fill(migrated_engine)
    with migrated_engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values({column: value}))
    with migrated_engine.connect() as conn:
        found = audit.verify(conn)
    assert found.broken_seq == 3
    assert found.broken == "entry 3 does not match its hash (a field was edited)"
    assert found.entries == 2
    result = recon_verify(migrated_engine, tmp_path)
    assert result.returncode == 1
    assert "broken at entry 3: entry 3 does not match its hash" in result.stderr


def test_an_edited_timestamp_breaks_the_chain(migrated_engine: Engine) -> None:
    entries = fill(migrated_engine)
    with migrated_engine.begin() as conn:
        conn.execute(
            update(audit_log).where(audit_log.c.seq == 2).values(at=entries[1].at.replace(microsecond=0))
        )
    with migrated_engine.connect() as conn:
        assert audit.verify(conn).broken_seq == 2


def test_a_deleted_entry_is_named_by_the_gap_it_leaves(migrated_engine: Engine, tmp_path: Path) -> None:
    fill(migrated_engine)
    with migrated_engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    with migrated_engine.connect() as conn:
        found = audit.verify(conn)
    assert found.broken_seq == 3
    assert found.broken == "entry 3 follows entry 1: entry 2 is missing (deleted)"
    result = recon_verify(migrated_engine, tmp_path)
    assert result.returncode == 1
    assert "entry 2 is missing" in result.stderr


def test_a_deleted_first_entry_is_found(migrated_engine: Engine) -> None:
    fill(migrated_engine)
    with migrated_engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 1))
    with migrated_engine.connect() as conn:
        found = audit.verify(conn)
    assert (found.broken_seq, found.entries) == (2, 0)


def test_two_swapped_entries_break_the_chain_at_the_first_of_them(migrated_engine: Engine) -> None:
    fill(migrated_engine)
    columns = [c for c in audit_log.c if c.name != "seq"]
    with migrated_engine.begin() as conn:
        rows = {r.seq: r for r in conn.execute(select(audit_log).where(audit_log.c.seq.in_([2, 4])))}
        for seq, other in ((2, 4), (4, 2)):
            values = {c.name: getattr(rows[other], c.name) for c in columns}
            conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(values))
    with migrated_engine.connect() as conn:
        found = audit.verify(conn)
    assert found.broken_seq == 2
    assert "entry 2 does not chain to entry 1" in str(found.broken)


def test_an_inserted_entry_is_found_even_with_a_well_formed_hash(migrated_engine: Engine) -> None:
    entries = fill(migrated_engine)
    forged_prev = entries[2].entry_hash  # chains to entry 3, but placed after entry 5
    details = "{}"
    forged = audit.entry_hash(6, entries[-1].at, "intruder", "sign_in", None, details, forged_prev)
    with migrated_engine.begin() as conn:
        conn.execute(
            insert(audit_log).values(
                seq=6,
                at=entries[-1].at,
                actor="intruder",
                action="sign_in",
                target=None,
                details=details,
                prev_hash=forged_prev,
                entry_hash=forged,
            )
        )
    with migrated_engine.connect() as conn:
        found = audit.verify(conn)
    assert (found.broken_seq, found.entries) == (6, 5)
    assert "does not chain to entry 5" in str(found.broken)


def test_an_entry_inserted_beyond_the_end_leaves_a_gap(migrated_engine: Engine) -> None:
    entries = fill(migrated_engine, 3)
    with migrated_engine.begin() as conn:
        conn.execute(
            insert(audit_log).values(
                seq=9,
                at=entries[-1].at,
                actor="x",
                action="x",
                details="{}",
                prev_hash=entries[-1].entry_hash,
                entry_hash="0" * 64,
            )
        )
    with migrated_engine.connect() as conn:
        found = audit.verify(conn)
    assert found.broken == "entry 9 follows entry 3: entry 4–8 is missing (deleted)"


def test_concurrent_appenders_never_fork_or_skip_the_chain(migrated_engine: Engine) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(10):
                audit.record(migrated_engine, f"w{worker}", "comment", f"item-{i}", {"i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with migrated_engine.connect() as conn:
        found = audit.verify(conn)
        seqs = list(conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars())
    assert found.broken is None
    assert seqs == list(range(1, 41))


def test_migration_0014_creates_the_audit_session_and_token_tables_as_declared(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from adapters.db.engine import migrate
    from adapters.db.meta import metadata

    migrate(engine)
    with engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    flat = [item for diff in differences for item in (diff if isinstance(diff, list) else [diff])]
    ours = {"audit_log", "web_sessions", "api_tokens"}
    assert [item for item in flat if _table_of(item) in ours] == []


def _table_of(item: tuple[object, ...]) -> str:
    """The table an autogenerate difference is about (("add_table", Table), ("modify_type", s, t, ...))."""
    subject = item[1]
    if isinstance(subject, Table):
        return str(subject.name)
    if hasattr(subject, "table"):
        return str(subject.table.name)
    return str(item[2])
