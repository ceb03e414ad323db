"""The ports and records of fetching (:mod:`adapters.fetch`): the ledger, the remote inbox, outcomes.

The records of a remote listing (:class:`RemoteFile`, :class:`Listing`,
:class:`Downloaded`) live here, beside the ports that speak of them, so that
the ledger's database side (:mod:`adapters.db.fetch_ledger`) needs nothing of
the SFTP client (:mod:`adapters.sftp` implements :class:`RemoteInbox`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A regular file in the remote directory, as listed."""

    name: str
    size: int
    mtime: int


@dataclass(frozen=True, slots=True)
class Listing:
    """What a remote directory holds that matches the pattern.

    Attributes:
        files: regular files whose size and time held still between two looks.
        growing: files still being written; left for the next fetch.
        warnings: names refused or skipped, with the reason.
    """

    files: tuple[RemoteFile, ...]
    growing: tuple[RemoteFile, ...] = ()
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Downloaded:
    """A file now complete in the local inbox."""

    remote: RemoteFile
    path: Path
    sha256: str


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
