"""The ports and records of fetching (:mod:`adapters.fetch`): the ledger, the remote inbox, outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from adapters.sftp import Downloaded, Listing, RemoteFile

#: Ingestions of one file that may fail with an error before it is given up (marked ``failed``).
MAX_INGEST_ATTEMPTS = 3


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
