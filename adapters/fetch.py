"""``recon fetch``: pull new files from the SFTP sources, then ingest them.

For each source: list the inbox (two looks, so files still growing wait),
download what the ledger has not seen (same name, size and time), record
each download, close the connection, then ingest every recorded file whose
ingestion has not finished yet, this fetch's and any an earlier fetch left
behind when it died. Bytes already ingested (same SHA-256) are not offered
again. A fetched file is ingested under the name it had on its server, which
identifies a gateway file (DESIGN.md §4) whatever its local name. A failing
source does not stop the others; one refused file does not stop its source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from adapters.settings import Settings, SourceSettings
from adapters.sftp import Downloaded, Listing, RemoteFile, RemoteFileError, SftpSource
from reconcile.errors import ConfigError, TransferError


class PendingFile(Protocol):
    """A fetched file whose ingestion has not finished."""

    @property
    def path(self) -> Path: ...

    @property
    def sha256(self) -> str: ...


class FetchLedger(Protocol):
    """Remembers what was fetched (``SqlFetchLedger`` in production)."""

    def seen(self, source: str, remote: RemoteFile) -> bool: ...

    def record(self, source: str, downloaded: Downloaded) -> None: ...

    def pending(self, source: str) -> Sequence[Any]: ...

    def ingested_before(self, sha256: str) -> bool: ...

    def mark_ingested(self, pending: Any, status: str, error: str | None) -> None: ...


class RemoteInbox(Protocol):
    """What fetching needs from a source (``SftpSource``)."""

    def list_files(self) -> Listing: ...

    def download(self, remote: RemoteFile, inbox: Path) -> Downloaded | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Ingested:
    """How ingestion judged one fetched file."""

    path: Path
    status: str  # accepted | duplicate | correction | rejected
    error: str | None = None


#: Ingests local files, one :class:`Ingested` per path, in order.
Ingest = Callable[[Sequence[Path]], Sequence[Ingested]]


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What one source gave.

    Attributes:
        fetched: remote names downloaded by this fetch.
        already: files listed that an earlier fetch already took.
        growing: files left for the next fetch because they were still being written.
        ingested: ingestion results, including files an interrupted fetch left behind.
        warnings: names refused or skipped.
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
    """Every source's result; ``ok`` when nothing failed and nothing was rejected."""

    sources: tuple[SourceResult, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(
            r.failure is None and not r.errors and all(i.status != "rejected" for i in r.ingested)
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
    """Fetch one source into ``inbox`` and ingest what is new."""
    client = None
    fetched: list[str] = []
    growing: list[str] = []
    errors: list[str] = []
    listing = Listing(files=())
    already = 0
    failure = None
    try:
        client = connect(source)
        listing = client.list_files()
        growing = [f.name for f in listing.growing]
        for remote in listing.files:
            if ledger.seen(source.name, remote):
                already += 1
                continue
            try:
                downloaded = client.download(remote, inbox)
            except RemoteFileError as exc:
                errors.append(str(exc))
                continue
            if downloaded is None:
                growing.append(remote.name)
                continue
            ledger.record(source.name, downloaded)
            fetched.append(remote.name)
    except (TransferError, ConfigError) as exc:
        failure = str(exc)
    finally:
        if client is not None:
            client.close()
    return SourceResult(
        source=source.name,
        fetched=tuple(fetched),
        already=already,
        growing=tuple(growing),
        ingested=tuple(ingest_pending(source.name, ledger, ingest)),
        warnings=listing.warnings,
        errors=tuple(errors),
        failure=failure,
    )


def ingest_pending(source: str, ledger: FetchLedger, ingest: Ingest) -> list[Ingested]:
    """Ingest the source's fetched files not yet ingested; bytes seen before are not offered again."""
    offered: list[Any] = []
    results: list[Ingested] = []
    for pending in ledger.pending(source):
        if ledger.ingested_before(pending.sha256) or not pending.path.is_file():
            reason = None if pending.path.is_file() else f"{pending.path} is no longer in the inbox"
            ledger.mark_ingested(pending, "duplicate" if reason is None else "skipped", reason)
            continue
        offered.append(pending)
    if not offered:
        return results
    for pending, outcome in zip(offered, ingest([p.path for p in offered]), strict=True):
        ledger.mark_ingested(pending, outcome.status, outcome.error)
        results.append(outcome)
    return results


def inbox_for(settings: Settings, source: str) -> Path:
    """Where a source's files land locally: ``<data_dir>/inbox/<source>``."""
    return Path(settings.data_dir) / "inbox" / source


def fetch_sources(
    settings: Settings,
    engine: Any,
    *,
    source: str | None = None,
    connect: Callable[[SourceSettings], RemoteInbox] | None = None,
    ingest: Ingest | None = None,
) -> FetchSummary:
    """Fetch every configured source (or the one named) and ingest what is new."""
    from adapters.db.fetch_ledger import SqlFetchLedger

    sources: Iterable[SourceSettings] = (settings.source(source),) if source else settings.sources
    ledger = SqlFetchLedger(engine)
    run_ingest = ingest or _database_ingest(settings, engine, ledger)
    results = [
        fetch_source(s, inbox_for(settings, s.name), ledger, run_ingest, connect=connect or _sftp)
        for s in sources
    ]
    return FetchSummary(sources=tuple(results))


def _sftp(source: SourceSettings) -> SftpSource:
    return SftpSource(source, settle_s=source.settle_seconds)


def _database_ingest(settings: Settings, engine: Any, ledger: Any) -> Ingest:
    def ingest(paths: Sequence[Path]) -> list[Ingested]:
        from adapters.ingest import ingest_files

        names = [ledger.remote_name(path) for path in paths]
        outcomes = ingest_files(list(paths), settings, engine, names=names)
        return [_as_ingested(path, r) for path, r in zip(paths, outcomes, strict=True)]

    return ingest


def _as_ingested(path: Path, result: Any) -> Ingested:
    status = result["status"] if isinstance(result, dict) else result.status
    error = result.get("error") if isinstance(result, dict) else getattr(result, "error", None)
    return Ingested(path=path, status=str(status), error=error)
