"""Ingesting what a fetch downloaded: one file at a time, in the order fetched, marked in the ledger.

See :mod:`adapters.fetch` for the rules and :mod:`adapters.db.fetch_ledger` for
why a file whose ingestion committed just before a crash is marked, not
ingested again.
"""

from __future__ import annotations

from adapters.fetch_inbox import file_sha256
from adapters.fetch_ports import MAX_INGEST_ATTEMPTS, FetchLedger, Ingest, Ingested, PendingIngest


def ingest_pending(
    source: str, ledger: FetchLedger, ingest: Ingest, *, give_up_after: int = MAX_INGEST_ATTEMPTS
) -> list[Ingested]:
    """Ingest the source's downloaded files not yet ingested, one at a time, in the order fetched.

    Bytes already in the database through another fetched file are marked ``duplicate``
    without being offered. A later version of a remote name waits while an earlier one
    is still to be retried, so the versions of a name are ingested in order.
    """
    results: list[Ingested] = []
    waiting: set[str] = set()
    for pending in ledger.pending(source):
        if pending.remote_name in waiting:
            continue
        outcome, finished = _ingest_one(pending, ledger, ingest, give_up_after)
        if not finished:
            waiting.add(pending.remote_name)
        if outcome is not None:
            results.append(outcome)
    return results


def _ingest_one(
    pending: PendingIngest, ledger: FetchLedger, ingest: Ingest, give_up_after: int
) -> tuple[Ingested | None, bool]:
    """Ingest one file and mark the ledger; returns the outcome to report and whether it finished."""
    problem = _local_copy_problem(pending)
    if problem is not None:
        ledger.mark_ingested(pending, "skipped", problem)
        return Ingested(pending.path, "skipped", problem), True
    if ledger.ingested_before(pending):
        ledger.mark_ingested(pending, "duplicate", None)
        return None, True
    stored = ledger.stored_status(pending)
    if stored is not None:  # ingested by a fetch that died before it could mark the ledger
        ledger.mark_ingested(pending, stored, None)
        return Ingested(pending.path, stored), True
    try:
        (outcome,) = ingest([pending.path])
    except Exception as exc:  # a fault of the ingestion, not of the file: retried, then given up
        error = f"{pending.path.name}: ingestion failed: {type(exc).__name__}: {exc}"
        gave_up = ledger.note_failure(pending, error, give_up_after)
        then = f"given up after {give_up_after} attempts" if gave_up else "retried by the next fetch"
        return Ingested(pending.path, "failed", f"{error} ({then})"), gave_up
    ledger.mark_ingested(pending, outcome.status, outcome.error)
    return outcome, True


def _local_copy_problem(pending: PendingIngest) -> str | None:
    if not pending.path.is_file():
        return f"{pending.path} is no longer in the inbox"
    if file_sha256(pending.path) != pending.sha256:
        return f"{pending.path} no longer holds the bytes fetched (SHA-256 {pending.sha256[:12]}…)"
    return None
