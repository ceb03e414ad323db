"""Publishing statements to a province's outbox on a real SFTP server."""

from __future__ import annotations

from pathlib import Path

from sftp_fixtures import ServedInbox

from adapters.publish import publish_statements
from adapters.settings import PublishSettings, Settings
from adapters.sftp import RetryPolicy, SftpSource
from adapters.sftp_server import generate_client_key


def connect(target: PublishSettings) -> SftpSource:
    return SftpSource(target, retry=RetryPolicy(attempts=3, first_delay_s=0.01), timeout_s=20)


def statements(tmp_path: Path, province: str) -> list[Path]:
    folder = tmp_path / "statements"
    folder.mkdir(exist_ok=True)
    paths = []
    for fmt, data in (("pdf", b"%PDF-1.7 fake"), ("xlsx", b"PK fake"), ("xml", b"<BangKe/>")):
        path = folder / f"bang-ke-{province}-2026-11-25.{fmt}"
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_a_province_receives_exactly_the_formats_it_asked_for(
    sftp_inbox: ServedInbox, tmp_path: Path
) -> None:
    settings = Settings(publish=(sftp_inbox.outbox("01", formats=("pdf", "xml")),))
    files = statements(tmp_path, "01")

    summary = publish_statements(
        settings.publish, {"01": files, "79": statements(tmp_path, "79")}, connect=connect
    )

    assert summary.ok
    assert summary.provinces[0].uploaded == ("bang-ke-01-2026-11-25.pdf", "bang-ke-01-2026-11-25.xml")
    assert summary.unconfigured == ("79",)
    served = {p.name: p.read_bytes() for p in sftp_inbox.root.iterdir()}
    assert served == {p.name: p.read_bytes() for p in files if p.suffix != ".xlsx"}  # no temporary names left


def test_publishing_again_replaces_the_statement(sftp_inbox: ServedInbox, tmp_path: Path) -> None:
    settings = Settings(publish=(sftp_inbox.outbox("01", formats=("xml",)),))
    files = statements(tmp_path, "01")
    publish_statements(settings.publish, {"01": files}, connect=connect)
    files[2].write_bytes(b"<BangKe version='2'/>")

    summary = publish_statements(settings.publish, {"01": files}, connect=connect)

    assert summary.ok
    assert (sftp_inbox.root / files[2].name).read_bytes() == b"<BangKe version='2'/>"


def test_an_outbox_with_another_host_key_gets_nothing(sftp_inbox: ServedInbox, tmp_path: Path) -> None:
    settings = Settings(publish=(sftp_inbox.outbox("01", host_key=generate_client_key()[1]),))

    summary = publish_statements(settings.publish, {"01": statements(tmp_path, "01")}, connect=connect)

    assert not summary.ok
    assert "not the pinned key" in (summary.provinces[0].failure or "")
    assert list(sftp_inbox.root.iterdir()) == []


def test_a_ministry_receives_its_own_statements_in_its_outbox(
    sftp_inbox: ServedInbox, tmp_path: Path
) -> None:
    """A central agency's outbox is configured under its code (``agencies.csv``), as a province's."""
    settings = Settings(publish=(sftp_inbox.outbox("BCA"),))
    mine = statements(tmp_path, "BCA")

    summary = publish_statements(
        settings.publish, {"BCA": mine, "01": statements(tmp_path, "01")}, connect=connect
    )

    assert summary.ok
    assert summary.provinces[0].province == "BCA"
    assert summary.unconfigured == ("01",)
    assert sorted(p.name for p in sftp_inbox.root.iterdir()) == sorted(p.name for p in mine)
