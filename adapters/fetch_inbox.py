"""A source's local inbox: one fetch at a time, and the clean-up after a fetch that was killed.

The inbox is ``<data_dir>/inbox/<source>/``: a folder per fetched version
(``<ledger id>/<remote name>``) and the lock file :data:`LOCK_NAME`. Clean-up
runs with the lock held, so no download of the source is in progress: every
``.part`` file is a leftover, and every claim the ledger holds without a
SHA-256 belongs to a fetch that died.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from adapters.fetch_ports import Claim, FetchLedger
from adapters.sftp import PARTIAL_GLOB

#: The lock file in a source's local inbox, held while the source is fetched.
LOCK_NAME = ".fetch.lock"


def release_claim(ledger: FetchLedger, claim: Claim) -> None:
    """Give up a claim: its bytes, if any, its folder if empty, and its ledger row."""
    claim.path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        claim.path.parent.rmdir()  # only when empty
    ledger.release(claim)


@contextlib.contextmanager
def inbox_lock(inbox: Path) -> Iterator[bool]:
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
            ledger.complete(claim, file_sha256(claim.path))
            notes.append(f"{claim.remote.name}: recorded the download an interrupted fetch completed")
        else:
            release_claim(ledger, claim)
            notes.append(f"{claim.remote.name}: download interrupted; fetched again while the server has it")
    return notes


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
