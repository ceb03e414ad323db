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
:mod:`adapters.db.fetch_ledger`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from adapters.settings import Settings, SourceSettings
from adapters.sftp import PARTIAL_GLOB, Downloaded, Listing, RemoteFile, RemoteFileError, SftpSource
from reconcile.errors import ConfigError, TransferError

#: Ingestions of one file that may fail with an error before it is given up (marked ``failed``).
MAX_INGEST_ATTEMPTS = 3
#: The lock file in a source's local inbox, held while the source is fetched.
LOCK_NAME = ".fetch.lock"


@dataclass(frozen=True, slots=True)
class Claim:
    """A remote version claimed in the ledger for download, and where its bytes go."""

    id: int
    source: str
    remote: RemoteFile
    path: Path


@dataclass(frozen=True, slots=True)
class PendingIngest:
    """A downloaded file whose ingestion has not finished.

    Attributes:
        remote_name: its name on the server (also the base name of ``path``).
        fetched_at: when its download was claimed.
        attempts: ingestions of it that failed with an error so far.
    """

    id: int
    source: str
    remote_name: str
    path: Path
    sha256: str
    fetched_at: dt.datetime
    attempts: int = 0


class FetchLedger(Protocol):
    """Remembers what was fetched (``SqlFetchLedger`` in production)."""

    def seen(self, source: str, remote: RemoteFile) -> bool: ...

    def claim(self, source: str, remote: RemoteFile, inbox: Path) -> Claim | None: ...

    def complete(self, claim: Claim, sha256: str) -> None: ...

    def release(self, claim: Claim) -> None: ...

    def unfinished(self, source: str) -> Sequence[Claim]: ...

    def pending(self, source: str) -> Sequence[PendingIngest]: ...

    def ingested_before(self, pending: PendingIngest) -> bool: ...

    def stored_status(self, pending: PendingIngest) -> str | None: ...

    def mark_ingested(self, pending: PendingIngest, status: str, error: str | None) -> None: ...

    def note_failure(self, pending: PendingIngest, error: str, give_up_after: int) -> bool: ...


class RemoteInbox(Protocol):
    """What fetching needs from a source (``SftpSource``)."""

    def list_files(self) -> Listing: ...

    def download(self, remote: RemoteFile, target: Path) -> Downloaded | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Ingested:
    """How ingestion judged one fetched file."""

    path: Path
    status: str  # accepted | duplicate | correction | rejected | skipped | failed
    error: str | None = None


#: Ingests local files, one :class:`Ingested` per path, in order.
Ingest = Callable[[Sequence[Path]], Sequence[Ingested]]

#: Ingestion outcomes that are a problem to report (and make ``recon fetch`` exit 1).
PROBLEMS = frozenset({"rejected", "skipped", "failed"})


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
    with _inbox_lock(inbox) as held:
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
        _release(ledger, claim)
        done.errors.append(str(exc))
        return
    except Exception:
        _release(ledger, claim)
        raise
    if downloaded is None:
        _release(ledger, claim)
        done.growing.append(remote.name)
        return
    ledger.complete(claim, downloaded.sha256)
    done.fetched.append(remote.name)


def _release(ledger: FetchLedger, claim: Claim) -> None:
    claim.path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        claim.path.parent.rmdir()  # only when empty
    ledger.release(claim)


@contextlib.contextmanager
def _inbox_lock(inbox: Path) -> Iterator[bool]:
    """Hold the inbox's lock file (``True``), or ``False`` at once if another process holds it."""
    fd = os.open(inbox / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock; a killed process's lock goes with it


def clear_partials(inbox: Path) -> list[str]:
    """Delete the partial downloads a killed fetch left behind; one note per file.

    Only called with the inbox's lock held, when no download of the source is in progress.
    Covers the version folders and the inbox itself (where earlier releases downloaded).
    """
    notes = []
    for partial in sorted([*inbox.glob(PARTIAL_GLOB), *inbox.glob(f"*/{PARTIAL_GLOB}")]):
        partial.unlink(missing_ok=True)
        notes.append(f"removed the partial download {partial} left by an interrupted fetch")
    return notes


def recover_claims(source: str, ledger: FetchLedger) -> list[str]:
    """Settle the downloads an interrupted fetch claimed but never recorded as complete."""
    notes = []
    for claim in ledger.unfinished(source):
        if claim.path.is_file() and claim.path.stat().st_size == claim.remote.size:
            ledger.complete(claim, _sha256(claim.path))
            notes.append(f"{claim.remote.name}: recorded the download an interrupted fetch completed")
        else:
            _release(ledger, claim)
            notes.append(f"{claim.remote.name}: download interrupted; fetched again while the server has it")
    return notes


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
    if _sha256(pending.path) != pending.sha256:
        return f"{pending.path} no longer holds the bytes fetched (SHA-256 {pending.sha256[:12]}…)"
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def inbox_for(settings: Settings, source: str) -> Path:
    """Where a source's files land locally: ``<data_dir>/inbox/<source>`` (a folder per version inside)."""
    return Path(settings.data_dir) / "inbox" / source


def fetch_sources(
    settings: Settings,
    engine: Any,
    *,
    source: str | None = None,
    connect: Callable[[SourceSettings], RemoteInbox] | None = None,
    ingest: Ingest | None = None,
) -> FetchSummary:
    """Fetch every configured source (or the one named) and ingest what is new.

    An unexpected error in one source is that source's failure; the others are fetched.
    """
    from adapters.db.fetch_ledger import SqlFetchLedger

    sources: Iterable[SourceSettings] = (settings.source(source),) if source else settings.sources
    ledger = SqlFetchLedger(engine)
    run_ingest = ingest or _database_ingest(settings, engine)
    results = []
    for s in sources:
        try:
            result = fetch_source(
                s, inbox_for(settings, s.name), ledger, run_ingest, connect=connect or _sftp
            )
        except Exception as exc:
            result = SourceResult(source=s.name, failure=f"{s.name}: {type(exc).__name__}: {exc}")
        results.append(result)
    return FetchSummary(sources=tuple(results))


def _sftp(source: SourceSettings) -> SftpSource:
    return SftpSource(source, settle_s=source.settle_seconds)


def _database_ingest(settings: Settings, engine: Any) -> Ingest:
    def ingest(paths: Sequence[Path]) -> list[Ingested]:
        from adapters.ingest import ingest_files

        return [
            _as_ingested(path, r)
            for path, r in zip(paths, ingest_files(list(paths), settings, engine), strict=True)
        ]

    return ingest


def _as_ingested(path: Path, result: Any) -> Ingested:
    status = result["status"] if isinstance(result, dict) else result.status
    error = result.get("error") if isinstance(result, dict) else getattr(result, "error", None)
    return Ingested(path=path, status=str(status), error=error)
