"""Fetching from a real SFTP server (asyncssh in-process, and OpenSSH's sshd), faults included."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sftp_fixtures import FakeFetchLedger, RecordingIngest, ServedInbox

from adapters.fetch import LOCK_NAME, SourceResult, fetch_source
from adapters.settings import SourceSettings
from adapters.sftp import RetryPolicy, SftpSource
from adapters.sftp_server import generate_client_key

FAST_RETRY = RetryPolicy(attempts=4, first_delay_s=0.01, max_delay_s=0.05)


class Fetcher:
    """Runs fetches of one served inbox into one local inbox, remembering across fetches."""

    def __init__(self, served: ServedInbox, local: Path) -> None:
        self.served = served
        self.local = local
        self.ledger = FakeFetchLedger()
        self.ingest = RecordingIngest()

    def __call__(
        self,
        source: SourceSettings | None = None,
        *,
        retry: RetryPolicy = FAST_RETRY,
        settle: Callable[[], None] = lambda: None,
    ) -> SourceResult:
        def connect(settings: SourceSettings) -> SftpSource:
            return SftpSource(settings, retry=retry, settle=settle, timeout_s=20)

        return fetch_source(
            source or self.served.source(), self.local, self.ledger, self.ingest, connect=connect
        )

    def local_files(self) -> dict[str, str]:
        """Each local copy's name and SHA-256 (the newest version of a name wins)."""
        return dict(self.local_versions())

    def local_versions(self) -> list[tuple[str, str]]:
        """Every file in the local inbox, one per version, oldest first; temporary files included."""
        if not self.local.exists():
            return []
        found = [p for p in self.local.rglob("*") if p.is_file() and p.name != LOCK_NAME]
        found.sort(key=lambda p: (int(p.parent.name) if p.parent.name.isdigit() else 0, p.name))
        return [(p.name, sha(p.read_bytes())) for p in found]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def serve(served: ServedInbox, name: str, data: bytes) -> str:
    (served.root / name).write_bytes(data)
    return sha(data)


def test_every_file_is_fetched_once_and_intact(sftp_inbox: ServedInbox, tmp_path: Path) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    expected = {
        "vcb-2026-11-25.xml": serve(sftp_inbox, "vcb-2026-11-25.xml", b"<Document/>\n"),
        "vnpay-2026-11-25.csv": serve(sftp_inbox, "vnpay-2026-11-25.csv", b"txn_id,amount_vnd\nT1,150000\n"),
        "big.mt940": serve(sftp_inbox, "big.mt940", os.urandom(1_500_000)),
    }

    first = fetch()

    assert first.failure is None
    assert sorted(first.fetched) == sorted(expected)
    assert fetch.local_files() == expected  # intact, and no temporary file left behind
    assert sorted(fetch.ingest.offered) == sorted(expected.items())
    assert [i.status for i in first.ingested] == ["accepted"] * 3


def test_a_second_fetch_fetches_and_ingests_nothing(sftp_inbox: ServedInbox, tmp_path: Path) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    serve(sftp_inbox, "a.csv", b"a\n")
    serve(sftp_inbox, "b.csv", b"b\n")
    fetch()

    second = fetch()

    assert second.fetched == ()
    assert second.already == 2
    assert second.ingested == ()
    assert len(fetch.ingest.offered) == 2


def test_a_changed_file_is_fetched_again_as_a_new_file(sftp_inbox: ServedInbox, tmp_path: Path) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    first = serve(sftp_inbox, "a.csv", b"first version\n")
    fetch()
    corrected = serve(sftp_inbox, "a.csv", b"corrected version, longer\n")

    again = fetch()

    assert again.fetched == ("a.csv",)
    assert fetch.local_versions() == [("a.csv", first), ("a.csv", corrected)]  # both kept
    assert fetch.ingest.offered == [("a.csv", first), ("a.csv", corrected)]


def test_a_server_with_another_host_key_is_refused_before_anything_is_downloaded(
    sftp_inbox: ServedInbox, tmp_path: Path
) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    serve(sftp_inbox, "a.csv", b"a\n")
    impostor = generate_client_key()[1]  # any other ed25519 key

    result = fetch(sftp_inbox.source(host_key=impostor))

    assert result.failure is not None
    assert "not the pinned key" in result.failure
    assert result.fetched == ()
    assert fetch.local_files() == {}
    assert fetch.ingest.offered == []
    assert sftp_inbox.proxy.connections == 1  # a refused key is never retried


def test_refused_credentials_are_not_retried(sftp_inbox: ServedInbox, tmp_path: Path) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    serve(sftp_inbox, "a.csv", b"a\n")
    stranger = tmp_path / "stranger_key"
    stranger.write_text(generate_client_key()[0])

    result = fetch(sftp_inbox.source(key_file=str(stranger)))

    assert result.failure is not None
    assert "refused our credentials" in result.failure
    assert sftp_inbox.proxy.connections == 1
    assert fetch.local_files() == {}


# paramiko's read-ahead thread may die with the dropped socket's error; the
# download fails in the calling thread and is retried there, which is what is checked.
@pytest.mark.filterwarnings(
    "ignore:Exception in thread .*_prefetch_thread:pytest.PytestUnhandledThreadExceptionWarning"
)
def test_a_connection_dropped_mid_file_is_retried_and_the_file_arrives_once_and_whole(
    sftp_inbox: ServedInbox, tmp_path: Path
) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    expected = {
        "big.xml": serve(sftp_inbox, "big.xml", os.urandom(3_000_000)),
        "small.csv": serve(sftp_inbox, "small.csv", b"small\n"),
    }
    sftp_inbox.proxy.cut_next_after(600_000)

    result = fetch()

    assert result.failure is None
    assert sorted(result.fetched) == sorted(expected)
    assert fetch.local_files() == expected
    assert sorted(fetch.ingest.offered) == sorted(expected.items())
    assert sftp_inbox.proxy.connections >= 2


def test_a_file_still_growing_is_left_for_the_next_fetch_then_fetched_whole(
    sftp_inbox: ServedInbox, tmp_path: Path
) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    serve(sftp_inbox, "done.csv", b"complete\n")
    serve(sftp_inbox, "growing.csv", b"header\nrow 1\n")

    def sender_still_writing() -> None:
        with (sftp_inbox.root / "growing.csv").open("ab") as out:
            out.write(b"row 2\n")

    first = fetch(settle=sender_still_writing)

    assert first.fetched == ("done.csv",)
    assert first.growing == ("growing.csv",)
    assert "growing.csv" not in fetch.local_files()

    second = fetch()

    assert second.fetched == ("growing.csv",)
    assert fetch.local_files()["growing.csv"] == sha(b"header\nrow 1\nrow 2\n")


def test_a_server_down_for_a_while_is_reached_by_retrying(sftp_inbox: ServedInbox, tmp_path: Path) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    expected = {"a.csv": serve(sftp_inbox, "a.csv", b"a\n")}
    sftp_inbox.proxy.refuse_next(2)

    result = fetch()

    assert result.failure is None
    assert fetch.local_files() == expected
    assert sftp_inbox.proxy.connections == 3


def test_a_server_down_for_good_fails_clearly_and_the_next_fetch_gets_everything(
    sftp_inbox: ServedInbox, tmp_path: Path
) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    expected = {"a.csv": serve(sftp_inbox, "a.csv", b"a\n"), "b.csv": serve(sftp_inbox, "b.csv", b"b\n")}
    sftp_inbox.proxy.refuse_next(1000)

    down = fetch(retry=RetryPolicy(attempts=3, first_delay_s=0.01))

    assert down.failure is not None
    assert "failed after 3 attempt(s)" in down.failure
    assert sftp_inbox.proxy.connections == 3
    assert fetch.local_files() == {}

    sftp_inbox.proxy.refuse_next(0)
    back = fetch()

    assert back.failure is None
    assert fetch.local_files() == expected


def test_a_file_the_server_refuses_is_reported_and_the_others_are_fetched(
    sftp_inbox: ServedInbox, tmp_path: Path
) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    serve(sftp_inbox, "a.csv", b"a\n")
    serve(sftp_inbox, "secret.csv", b"not for us\n")
    serve(sftp_inbox, "c.csv", b"c\n")
    sftp_inbox.deny("secret.csv")

    result = fetch()

    assert result.failure is None
    assert result.fetched == ("a.csv", "c.csv")
    assert len(result.errors) == 1
    assert "secret.csv" in result.errors[0]
    assert sorted(fetch.local_files()) == ["a.csv", "c.csv"]


def test_links_directories_and_hidden_files_are_skipped_with_a_warning(
    sftp_inbox: ServedInbox, tmp_path: Path
) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    serve(sftp_inbox, "a.csv", b"a\n")
    (sftp_inbox.root / "link.csv").symlink_to(sftp_inbox.root / "a.csv")
    (sftp_inbox.root / "folder.csv").mkdir()
    serve(sftp_inbox, ".hidden.csv", b"h\n")

    result = fetch()

    assert result.fetched == ("a.csv",)
    skipped = " ".join(result.warnings)
    for name in ("link.csv", "folder.csv", ".hidden.csv"):
        assert repr(name) in skipped
    assert sorted(fetch.local_files()) == ["a.csv"]


def test_names_with_path_separators_from_a_hostile_server_are_refused(
    sftp_inbox: ServedInbox, tmp_path: Path
) -> None:
    fetch = Fetcher(sftp_inbox, tmp_path / "inbox")
    serve(sftp_inbox, "a.csv", b"a\n")
    sftp_inbox.list_made_up_name("../escape.csv")
    sftp_inbox.list_made_up_name("sub/dir.csv")
    sftp_inbox.list_made_up_name("..\\windows.csv")

    result = fetch()

    assert result.fetched == ("a.csv",)
    assert len(result.warnings) == 3
    assert all("path separator" in w for w in result.warnings)
    assert sorted(fetch.local_files()) == ["a.csv"]
    assert not [p for p in tmp_path.rglob("*") if "escape" in p.name or "windows" in p.name]
