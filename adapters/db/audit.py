"""The audit trail (nhật ký kiểm toán): append an entry, read a page, verify the hash chain.

Each entry is hashed as ``SHA-256(canonical(entry) + prev_hash)``, where
``canonical`` is the JSON object of ``seq``, ``at`` (UTC, microseconds),
``actor``, ``action``, ``target`` and ``details`` (the stored JSON text) with
sorted keys and no spaces, and ``prev_hash`` is the previous entry's hash
(64 zeros before the first). ``seq`` has no gaps. So :func:`verify` finds
an entry whose fields were edited (its hash no longer matches), one deleted
(a gap in ``seq``), one inserted or moved (its ``prev_hash`` no longer names
its predecessor) and names the first such entry.

What a chain cannot show by itself is a rewrite of the whole tail by someone
who recomputes every hash after it; :func:`verify` reports the head
(``seq`` and hash), and writing that down elsewhere (``recon audit verify``
in a daily job's log) pins everything up to it.

Appending is serialised: on PostgreSQL :func:`append` locks the table for
the rest of the transaction (``LOCK TABLE … IN EXCLUSIVE MODE``; readers
are not blocked); on SQLite the caller's :func:`~adapters.db.engine.write_transaction`
already holds the database's write lock. ``seq`` is the primary key, so two
appenders can never both take the same place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text

from adapters.db.audit_tables import audit_log
from adapters.db.engine import write_transaction

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit log.

    Attributes:
        actor: a username, ``token:NAME`` for an API token, ``cli:OSUSER`` for the command line.
        target: what the action was about (an item key, a run id, a file, a user), or ``None``.
        details: anything else worth keeping, a JSON object.
    """

    seq: int
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    details: Mapping[str, Any]
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class Verification:
    """What :func:`verify` found: ``broken`` is ``None`` when the chain is intact."""

    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken: str | None = None


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    seq: int, at: dt.datetime, actor: str, action: str, target: str | None, details: str, prev_hash: str
) -> str:
    """The hash of an entry whose details are already serialised (``details`` as stored)."""
    body = canonical_json(
        {
            "seq": seq,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "target": target,
            "details": details,
        }
    )
    return hashlib.sha256((body + prev_hash).encode("utf-8")).hexdigest()


def append(
    conn: Connection,
    actor: str,
    action: str,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry inside the caller's write transaction (see the module docstring)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
    a = audit_log.c
    last = conn.execute(select(a.seq, a.entry_hash).order_by(a.seq.desc()).limit(1)).first()
    seq, prev_hash = (1, GENESIS) if last is None else (int(last.seq) + 1, str(last.entry_hash))
    at = dt.datetime.now(dt.UTC)
    stored = canonical_json(dict(details or {}))
    actor, target = actor[:160], None if target is None else target[:300]
    digest = entry_hash(seq, at, actor, action, target, stored, prev_hash)
    conn.execute(
        insert(audit_log).values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            target=target,
            details=stored,
            prev_hash=prev_hash,
            entry_hash=digest,
        )
    )
    return AuditEntry(seq, at, actor, action, target, json.loads(stored), prev_hash, digest)


def record(
    engine: Engine,
    actor: str,
    action: str,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry in a transaction of its own."""
    with write_transaction(engine) as conn:
        return append(conn, actor, action, target, details)


def page(conn: Connection, number: int, size: int) -> tuple[int, list[AuditEntry]]:
    """The total number of entries and page ``number`` (from 1), newest first."""
    total = int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
    rows = conn.execute(
        select(audit_log).order_by(audit_log.c.seq.desc()).limit(size).offset((number - 1) * size)
    ).mappings()
    return total, [_entry(row) for row in rows]


def _entry(row: Any) -> AuditEntry:
    try:
        details = json.loads(row["details"])
    except ValueError:
        details = {"unreadable": row["details"]}
    return AuditEntry(
        int(row["seq"]),
        row["at"],
        row["actor"],
        row["action"],
        row["target"],
        details,
        row["prev_hash"],
        row["entry_hash"],
    )


def verify(conn: Connection) -> Verification:
    """Walk the chain from the first entry; stop at the first entry that breaks it."""
    expected_seq, prev_hash, count = 1, GENESIS, 0
    rows = conn.execution_options(yield_per=2000).execute(select(audit_log).order_by(audit_log.c.seq))
    for row in rows.mappings():
        seq = int(row["seq"])
        problem = _problem(row, expected_seq, prev_hash)
        if problem is not None:
            rows.close()
            return Verification(count, expected_seq - 1, prev_hash, seq, problem)
        count, expected_seq, prev_hash = count + 1, seq + 1, row["entry_hash"]
    return Verification(count, expected_seq - 1, prev_hash)


def _problem(row: Any, expected_seq: int, prev_hash: str) -> str | None:
    seq = int(row["seq"])
    if seq != expected_seq:
        missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
        if seq < expected_seq:
            return f"entry {seq} is out of sequence (expected {expected_seq})"
        return f"entry {seq} follows entry {expected_seq - 1}: entry {missing} is missing (deleted)"
    if row["prev_hash"] != prev_hash:
        before = f"entry {seq - 1}" if seq > 1 else "the start of the log"
        return f"entry {seq} does not chain to {before} (inserted, moved or its predecessor replaced)"
    recomputed = entry_hash(
        seq, row["at"], row["actor"], row["action"], row["target"], row["details"], row["prev_hash"]
    )
    if recomputed != row["entry_hash"]:
        return f"entry {seq} does not match its hash (a field was edited)"
    return None
