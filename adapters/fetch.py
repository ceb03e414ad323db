"""``recon fetch``: pull new files from the SFTP sources, then ingest them.

For each source, under a lock on its local inbox (one fetch of a source at a
time on this machine; a killed holder's lock goes with its process):

1. **Clean up after a killed fetch.** Partial downloads (``.*.part``) are
   deleted; a download the ledger claimed but never recorded as complete is
   recorded if its bytes are in place, else released (and fetched again if
   the server still has it).
2. **Download.** List the inbox (two looks, so files still growing wait),
   oldest first; every version the ledger has not seen (same name, size and
   time) is claimed in the ledger, downloaded to its own local path
   ``<inbox>/<ledger id>/<remote name>`` and recorded as complete. A file
   changed on the server under a known name is a new version: both versions
   are kept, each under its remote name, and both are ingested.
3. **Ingest**, one file at a time in the order fetched, every downloaded file
   whose ingestion has not finished, this fetch's and any an earlier fetch
   left behind. Bytes already ingested (same SHA-256) are not offered again;
   a local copy that is gone or no longer holds the fetched bytes is
   ``skipped`` with the reason. An ingestion that raises (rather than
   rejecting the file) is retried by the next fetches, a few times, and then
   marked ``failed``; later versions of that remote name wait behind it, so
   versions are always ingested in order.

Nothing stops the rest: a refused download, a rejected or failing file, a
failing source. The local copy's base name is always the remote name, which
is what ingestion records as the file's name (a gateway file's identity is
(gateway, file name)). The crash-safety of each step is described in
:mod:`adapters.db.fetch_ledger`; the inbox's lock and clean-up live in
:mod:`adapters.fetch_inbox`, ingestion in :mod:`adapters.fetch_ingest`, the
ports and records in :mod:`adapters.fetch_ports`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.fetch_inbox import LOCK_NAME, clear_partials, inbox_lock, recover_claims, release_claim
from adapters.fetch_ingest import ingest_pending
from adapters.fetch_ports import (
    MAX_INGEST_ATTEMPTS,
    PROBLEMS,
    Claim,
    FetchLedger,
    Ingest,
    Ingested,
    Listing,
    PendingIngest,
    RemoteFile,
    RemoteInbox,
)
from adapters.formats.registry import FileFormats
from adapters.settings import SourceSettings, source_named
from adapters.sftp import RemoteFileError, SftpSource
from reconcile.errors import ConfigError, TransferError

__all__ = [
    "LOCK_NAME",
    "MAX_INGEST_ATTEMPTS",
    "PROBLEMS",
    "Claim",
    "FetchLedger",
    "FetchSummary",
    "Ingest",
    "Ingested",
    "PendingIngest",
    "RemoteInbox",
    "SourceResult",
    "fetch_source",
    "fetch_sources",
    "inbox_for",
    "ingest_pending",
]


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What one source gave.

    Attributes:
        fetched: remote names downloaded by this fetch.
        already: files listed that an earlier fetch already took.
        growing: files left for the next fetch because they were still being written.
        ingested: ingestion results, including files an interrupted fetch left behind.
        warnings: names refused or skipped, and what was cleaned up after an interrupted fetch.
        errors: files the server refused (the rest of the source was fetched).
        failure: why the source as a whole failed (connection, host key, credentials), else ``None``.
    """

    source: str
    fetched: tuple[str, ...] = ()
    already: int = 0
    growing: tuple[str, ...] = ()
    ingested: tuple[Ingested, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class FetchSummary:
    """Every source's result; ``ok`` when nothing failed and no file was rejected, skipped or failed."""

    sources: tuple[SourceResult, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(
            r.failure is None and not r.errors and all(i.status not in PROBLEMS for i in r.ingested)
            for r in self.sources
        )

    @property
    def fetched(self) -> int:
        return sum(len(r.fetched) for r in self.sources)


def fetch_source(
    source: SourceSettings,
    inbox: Path,
    ledger: FetchLedger,
    ingest: Ingest,
    *,
    connect: Callable[[SourceSettings], RemoteInbox] = SftpSource,
) -> SourceResult:
    """Fetch one source into ``inbox`` and ingest what is new (see the module docstring)."""
    inbox.mkdir(parents=True, exist_ok=True)
    with inbox_lock(inbox) as held:
        if not held:
            return SourceResult(
                source=source.name,
                failure=f"{source.name}: another fetch of this source is running (lock {inbox / LOCK_NAME})",
            )
        cleaned = [*clear_partials(inbox), *recover_claims(source.name, ledger)]
        result = _download(source, inbox, ledger, connect)
        return dataclasses.replace(
            result,
            ingested=tuple(ingest_pending(source.name, ledger, ingest)),
            warnings=(*cleaned, *result.warnings),
        )


@dataclass
class _Downloads:
    fetched: list[str] = field(default_factory=list)
    growing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    already: int = 0


def _download(
    source: SourceSettings, inbox: Path, ledger: FetchLedger, connect: Callable[[SourceSettings], RemoteInbox]
) -> SourceResult:
    client = None
    done = _Downloads()
    listing = Listing(files=())
    failure = None
    try:
        client = connect(source)
        listing = client.list_files()
        done.growing = [f.name for f in listing.growing]
        for remote in sorted(listing.files, key=lambda f: (f.mtime, f.name)):  # oldest first
            _download_one(source.name, remote, inbox, ledger, client, done)
    except (TransferError, ConfigError) as exc:
        failure = str(exc)
    finally:
        if client is not None:
            client.close()
    return SourceResult(
        source=source.name,
        fetched=tuple(done.fetched),
        already=done.already,
        growing=tuple(done.growing),
        warnings=listing.warnings,
        errors=tuple(done.errors),
        failure=failure,
    )


def _download_one(
    source: str, remote: RemoteFile, inbox: Path, ledger: FetchLedger, client: RemoteInbox, done: _Downloads
) -> None:
    claim = None if ledger.seen(source, remote) else ledger.claim(source, remote, inbox)
    if claim is None:
        done.already += 1
        return
    try:
        downloaded = client.download(remote, claim.path)
    except RemoteFileError as exc:
        release_claim(ledger, claim)
        done.errors.append(str(exc))
        return
    except Exception:
        release_claim(ledger, claim)
        raise
    if downloaded is None:
        release_claim(ledger, claim)
        done.growing.append(remote.name)
        return
    ledger.complete(claim, downloaded.sha256)
    done.fetched.append(remote.name)


def inbox_for(inboxes: Path, source: str) -> Path:
    """Where a source's files land locally: ``<data_dir>/inbox/<source>`` (a folder per version inside)."""
    return Path(inboxes) / source


def fetch_sources(
    sources: Sequence[SourceSettings],
    inboxes: Path,
    engine: Any,
    formats: FileFormats,
    *,
    source: str | None = None,
    connect: Callable[[SourceSettings], RemoteInbox] | None = None,
    ingest: Ingest | None = None,
) -> FetchSummary:
    """Fetch every source (or the one named) into ``inboxes`` and ingest what is new.

    An unexpected error in one source is that source's failure; the others are fetched.
    """
    from adapters.db.fetch_ledger import SqlFetchLedger

    chosen: Iterable[SourceSettings] = (source_named(sources, source),) if source else sources
    ledger = SqlFetchLedger(engine)
    run_ingest = ingest or _database_ingest(formats, engine)
    results = []
    for s in chosen:
        try:
            result = fetch_source(s, inbox_for(inboxes, s.name), ledger, run_ingest, connect=connect or _sftp)
        except Exception as exc:
            result = SourceResult(source=s.name, failure=f"{s.name}: {type(exc).__name__}: {exc}")
        results.append(result)
    return FetchSummary(sources=tuple(results))


def _sftp(source: SourceSettings) -> SftpSource:
    return SftpSource(source, settle_s=source.settle_seconds)


def _database_ingest(formats: FileFormats, engine: Any) -> Ingest:
    def ingest(paths: Sequence[Path]) -> list[Ingested]:
        from adapters.ingest import ingest_files

        return [
            _as_ingested(path, r)
            for path, r in zip(paths, ingest_files(list(paths), formats, engine), strict=True)
        ]

    return ingest


def _as_ingested(path: Path, result: Any) -> Ingested:
    status = result["status"] if isinstance(result, dict) else result.status
    error = result.get("error") if isinstance(result, dict) else getattr(result, "error", None)
    return Ingested(path=path, status=str(status), error=error)
