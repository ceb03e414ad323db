"""The fetch use case and the SFTP client's rules, with an in-memory inbox."""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path

import pytest
from sftp_fixtures import FakeFetchLedger, RecordingIngest

from adapters.fetch import LOCK_NAME, fetch_source
from adapters.fetch_ports import Downloaded, Listing, RemoteFile
from adapters.settings import SourceSettings
from adapters.sftp import RemoteFileError, RetryPolicy, refusal
from reconcile.errors import TransferError

SOURCE = SourceSettings(name="vcb", host="sftp.example.vn", host_key="ssh-ed25519 AAAA")


class FakeInbox:
    """A remote inbox in memory; ``refuse`` names files the server will not hand over."""

    def __init__(
        self, files: dict[str, bytes], *, refuse: frozenset[str] = frozenset(), fail: str | None = None
    ):
        self.files = files
        self.refuse = refuse
        self.fail = fail
        self.closed = False

    def list_files(self) -> Listing:
        if self.fail:
            raise TransferError(self.fail)
        return Listing(
            files=tuple(RemoteFile(n, len(d), 1_764_000_000) for n, d in sorted(self.files.items()))
        )

    def download(self, remote: RemoteFile, target: Path) -> Downloaded | None:
        if remote.name in self.refuse:
            raise RemoteFileError(f"{remote.name}: Permission denied")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.files[remote.name])
        return Downloaded(remote, target, hashlib.sha256(self.files[remote.name]).hexdigest())

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../etc/passwd", "path separator"),
        ("a/b.csv", "path separator"),
        ("..\\b.csv", "path separator"),
        (".bash_history", "hidden"),
        ("..", "directory reference"),
        ("", "empty"),
        ("bad\nname.csv", "control characters"),
        ("x" * 256, "too long"),
    ],
)
def test_a_name_no_file_system_should_take_from_a_server_is_refused(name: str, reason: str) -> None:
    assert reason in (refusal(name) or "")


@pytest.mark.parametrize("name", ["vcb-2026-11-25.xml", "Sao kê tháng 11.csv", "MT940_0001.sta"])
def test_plain_names_are_accepted(name: str) -> None:
    assert refusal(name) is None


def test_retries_back_off_exponentially_up_to_a_ceiling() -> None:
    assert list(RetryPolicy(attempts=6, first_delay_s=1, max_delay_s=10).delays()) == [1, 2, 4, 8, 10]
    assert list(RetryPolicy(attempts=1).delays()) == []


def test_a_refused_file_is_reported_and_the_rest_of_the_source_is_fetched(tmp_path: Path) -> None:
    inbox = FakeInbox({"a.xml": b"a", "b.xml": b"b", "c.xml": b"c"}, refuse=frozenset({"b.xml"}))
    ingest = RecordingIngest()

    result = fetch_source(SOURCE, tmp_path, FakeFetchLedger(), ingest, connect=lambda _: inbox)

    assert result.fetched == ("a.xml", "c.xml")
    assert result.errors == ("b.xml: Permission denied",)
    assert [name for name, _ in ingest.offered] == ["a.xml", "c.xml"]
    assert inbox.closed


def test_the_same_bytes_under_another_name_are_not_ingested_twice(tmp_path: Path) -> None:
    ledger, ingest = FakeFetchLedger(), RecordingIngest()
    fetch_source(SOURCE, tmp_path, ledger, ingest, connect=lambda _: FakeInbox({"a.xml": b"same"}))

    again = fetch_source(
        SOURCE, tmp_path, ledger, ingest, connect=lambda _: FakeInbox({"a-resent.xml": b"same"})
    )

    assert again.fetched == ("a-resent.xml",)
    assert again.ingested == ()
    assert [name for name, _ in ingest.offered] == ["a.xml"]


def test_a_source_that_cannot_be_reached_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    inbox = FakeInbox({}, fail="vcb: list failed after 4 attempt(s): timed out")

    result = fetch_source(SOURCE, tmp_path, FakeFetchLedger(), RecordingIngest(), connect=lambda _: inbox)

    assert result.failure == "vcb: list failed after 4 attempt(s): timed out"
    assert result.fetched == ()
    assert inbox.closed


def test_a_second_fetch_of_a_source_while_one_runs_fails_at_once_and_touches_nothing(tmp_path: Path) -> None:
    inbox = FakeInbox({"a.xml": b"a"})
    ledger = FakeFetchLedger()
    tmp_path.mkdir(exist_ok=True)
    with (tmp_path / LOCK_NAME).open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process's fetch of the source

        result = fetch_source(SOURCE, tmp_path, ledger, RecordingIngest(), connect=lambda _: inbox)

    assert result.failure is not None
    assert "another fetch of this source is running" in result.failure
    assert ledger.rows == []


def test_a_partial_download_and_an_unfinished_claim_are_cleaned_up_by_the_next_fetch(tmp_path: Path) -> None:
    ledger = FakeFetchLedger()
    claim = ledger.claim("vcb", RemoteFile("a.xml", 1, 1_764_000_000), tmp_path)
    assert claim is not None
    claim.path.parent.mkdir(parents=True)
    (claim.path.parent / ".a.xml.x1y2z3.part").write_bytes(b"")  # the fetch was killed mid-download
    (tmp_path / ".b.xml.q9w8e7.part").write_bytes(b"b")  # an earlier release's temporary name
    ingest = RecordingIngest()

    result = fetch_source(SOURCE, tmp_path, ledger, ingest, connect=lambda _: FakeInbox({"a.xml": b"a"}))

    assert result.fetched == ("a.xml",)
    assert list(tmp_path.rglob("*.part")) == []
    assert sum("partial download" in w for w in result.warnings) == 2
    assert ingest.offered == [("a.xml", hashlib.sha256(b"a").hexdigest())]
    assert [(r["name"], r["status"]) for r in ledger.rows] == [("a.xml", "accepted")]
