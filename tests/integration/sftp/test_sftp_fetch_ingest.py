"""Fetching into the database: the ledger, ingestion, an interrupted fetch, and ``recon fetch``."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from service_fixtures import SAMPLES, Service
from sftp_fixtures import ServedInbox, fetch_parts
from sqlalchemy import Engine, select

from adapters.bootstrap import file_formats
from adapters.cli import main
from adapters.db.ops_tables import fetched_files
from adapters.db.schema import files
from adapters.fetch import Ingested, fetch_sources
from adapters.ingest import ingest_files
from adapters.settings import Settings, SourceSettings
from adapters.sftp import SftpSource
from adapters.sftp_server import generate_client_key


def settings_for(served: ServedInbox, tmp_path: Path) -> Settings:
    source = served.source(pattern="*.csv", settle_seconds=0.0)
    return Settings(sources=(source,), data_dir=str(tmp_path / "data"))


def serve_samples(served: ServedInbox) -> None:
    (served.root / "portal-2026-11-25.csv").write_bytes((SAMPLES / "obligations.csv").read_bytes())
    (served.root / "vnptpay-2026-11-25.csv").write_bytes((SAMPLES / "gateway_canonical.csv").read_bytes())
    (served.root / "README.txt").write_text("not a settlement file")


def ledger(engine: Engine) -> list[tuple[str, str | None]]:
    query = select(fetched_files.c.remote_name, fetched_files.c.ingest_status).order_by(fetched_files.c.id)
    with engine.connect() as connection:
        return [(r.remote_name, r.ingest_status) for r in connection.execute(query)]


def stored_files(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(Path(p).name for p in connection.execute(select(files.c.path)).scalars())


def test_fetched_files_are_ingested_once_and_remembered(
    sftp_inbox: ServedInbox, migrated_engine: Engine, tmp_path: Path
) -> None:
    engine = migrated_engine
    serve_samples(sftp_inbox)
    settings = settings_for(sftp_inbox, tmp_path)

    first = fetch_sources(*fetch_parts(settings, engine))
    second = fetch_sources(*fetch_parts(settings, engine))

    assert first.ok
    assert sorted(first.sources[0].fetched) == ["portal-2026-11-25.csv", "vnptpay-2026-11-25.csv"]
    assert sorted(ledger(engine)) == [
        ("portal-2026-11-25.csv", "accepted"),
        ("vnptpay-2026-11-25.csv", "accepted"),
    ]
    assert stored_files(engine) == ["portal-2026-11-25.csv", "vnptpay-2026-11-25.csv"]
    assert second.fetched == 0
    assert second.sources[0].already == 2
    assert len(ledger(engine)) == 2


def test_a_fetch_that_died_before_ingesting_is_completed_by_the_next(
    sftp_inbox: ServedInbox, migrated_engine: Engine, tmp_path: Path
) -> None:
    engine = migrated_engine
    serve_samples(sftp_inbox)
    settings = settings_for(sftp_inbox, tmp_path)

    def power_cut(paths: Sequence[Path]) -> list[Ingested]:
        raise KeyboardInterrupt  # the process dies after the downloads were recorded

    with pytest.raises(KeyboardInterrupt):
        fetch_sources(*fetch_parts(settings, engine), ingest=power_cut)
    assert sorted(ledger(engine)) == [("portal-2026-11-25.csv", None), ("vnptpay-2026-11-25.csv", None)]

    resumed = fetch_sources(*fetch_parts(settings, engine))

    assert resumed.fetched == 0
    assert sorted(i.path.name for i in resumed.sources[0].ingested) == [
        "portal-2026-11-25.csv",
        "vnptpay-2026-11-25.csv",
    ]
    assert stored_files(engine) == ["portal-2026-11-25.csv", "vnptpay-2026-11-25.csv"]


def test_recon_fetch_prints_one_line_per_source(service: Service, capsys: pytest.CaptureFixture[str]) -> None:
    service.serve_sample("gateway_canonical.csv", "vnptpay-2026-11-25.csv")

    assert main(["--config", str(service.config), "fetch", "--source", "bank"]) == 0
    assert main(["--config", str(service.config), "fetch"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "bank: ok; 1 fetched, 0 already fetched; ingested 1 accepted"
    assert lines[1] == "bank: ok; 0 fetched, 1 already fetched; ingested nothing new"


def test_recon_fetch_fails_with_the_reason_when_the_host_key_differs(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    config = service.config.read_text().replace(service.server.host_key_line, generate_client_key()[1])
    service.config.write_text(config)
    service.serve_sample("gateway_canonical.csv", "vnptpay-2026-11-25.csv")

    assert main(["--config", str(service.config), "fetch"]) == 1

    captured = capsys.readouterr()
    assert captured.out.startswith("bank: FAILED")
    assert "not the pinned key" in captured.err
    assert list((service.root / "data").rglob("*.csv")) == []


def test_recon_fetch_names_an_unknown_source(service: Service, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(service.config), "fetch", "--source", "nowhere"]) == 2
    assert "no SFTP source named 'nowhere'" in capsys.readouterr().err


MT940 = """\
:20:STMT-01-1126
:25:7111010000001
:28C:1/1
:60F:C261125VND0,
:61:2611261126C1800000,NTRFNONREF//VCB001
:86:Thanh toan lo VNPT-01-20261126
:62F:C261126VND1800000,
-
"""


def database_ingest(settings: Settings, engine: Engine) -> Callable[[Sequence[Path]], list[Ingested]]:
    """The real ingestion, as ``recon fetch`` runs it."""

    def ingest(paths: Sequence[Path]) -> list[Ingested]:
        outcomes = ingest_files(list(paths), file_formats(settings), engine)
        return [Ingested(path, o.status, o.error) for path, o in zip(paths, outcomes, strict=True)]

    return ingest


def test_an_ingestion_that_raises_stops_nothing_else_is_retried_then_given_up_and_keeps_versions_in_order(
    sftp_inbox: ServedInbox, migrated_engine: Engine, tmp_path: Path
) -> None:
    engine = migrated_engine
    settings = settings_for(sftp_inbox, tmp_path)
    gateway = (SAMPLES / "gateway_canonical.csv").read_bytes()
    served = sftp_inbox.root / "vnptpay-2026-11-25.csv"
    served.write_bytes(gateway)
    (sftp_inbox.root / "portal-2026-11-25.csv").write_bytes((SAMPLES / "obligations.csv").read_bytes())
    real = database_ingest(settings, engine)

    def broken_on_the_first_gateway_file(paths: Sequence[Path]) -> list[Ingested]:
        if any(path.read_bytes() == gateway for path in paths):
            raise RuntimeError("parser bug")
        return real(paths)

    nights = []
    for night in range(3):
        if night == 1:  # the gateway corrects its file under the same name
            served.write_bytes(gateway.replace(b",150000,1650,", b",150000,1750,", 1))
            os.utime(served, (1_764_200_000, 1_764_200_000))
        if night == 2:  # and a bank sends its statement
            (sftp_inbox.root / "vcb-2026-11-26.csv").write_text(MT940)
        nights.append(fetch_sources(*fetch_parts(settings, engine), ingest=broken_on_the_first_gateway_file))

    first, second, third = ([(i.path.name, i.status) for i in n.sources[0].ingested] for n in nights)
    assert sorted(first) == [("portal-2026-11-25.csv", "accepted"), ("vnptpay-2026-11-25.csv", "failed")]
    assert second == [("vnptpay-2026-11-25.csv", "failed")]  # the correction waits behind the first version
    assert third == [
        ("vnptpay-2026-11-25.csv", "failed"),
        ("vnptpay-2026-11-25.csv", "accepted"),
        ("vcb-2026-11-26.csv", "accepted"),
    ]
    failures = [i.error or "" for n in nights for i in n.sources[0].ingested if i.status == "failed"]
    assert "RuntimeError: parser bug (retried by the next fetch)" in failures[0]
    assert "given up after 3 attempts" in failures[2]
    assert not any(n.ok for n in nights)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                fetched_files.c.remote_name, fetched_files.c.ingest_status, fetched_files.c.ingest_attempts
            ).order_by(fetched_files.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("portal-2026-11-25.csv", "accepted", 0),
        ("vnptpay-2026-11-25.csv", "failed", 3),
        ("vnptpay-2026-11-25.csv", "accepted", 0),
        ("vcb-2026-11-26.csv", "accepted", 0),
    ]


def test_a_source_that_fails_unexpectedly_does_not_stop_the_next_source(
    sftp_inbox: ServedInbox, migrated_engine: Engine, tmp_path: Path
) -> None:
    serve_samples(sftp_inbox)
    broken, working = sftp_inbox.source(name="broken"), sftp_inbox.source(name="bank", pattern="*.csv")
    settings = Settings(sources=(broken, working), data_dir=str(tmp_path / "data"))

    def connect(source: SourceSettings) -> SftpSource:
        if source.name == "broken":
            raise ValueError("a bug in the client")
        return SftpSource(source, settle_s=0.0)

    summary = fetch_sources(*fetch_parts(settings, migrated_engine), connect=connect)

    assert summary.sources[0].failure == "broken: ValueError: a bug in the client"
    assert summary.sources[1].failure is None
    assert stored_files(migrated_engine) == ["portal-2026-11-25.csv", "vnptpay-2026-11-25.csv"]
    assert not summary.ok


def test_a_local_copy_gone_before_ingestion_is_skipped_with_the_reason_and_the_others_are_ingested(
    sftp_inbox: ServedInbox, migrated_engine: Engine, tmp_path: Path
) -> None:
    serve_samples(sftp_inbox)
    settings = settings_for(sftp_inbox, tmp_path)

    def power_cut(paths: Sequence[Path]) -> list[Ingested]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_sources(*fetch_parts(settings, migrated_engine), ingest=power_cut)
    (gone,) = (tmp_path / "data").rglob("portal-2026-11-25.csv")
    gone.unlink()

    resumed = fetch_sources(*fetch_parts(settings, migrated_engine))

    outcomes = {i.path.name: (i.status, i.error) for i in resumed.sources[0].ingested}
    assert outcomes["portal-2026-11-25.csv"] == ("skipped", f"{gone} is no longer in the inbox")
    assert outcomes["vnptpay-2026-11-25.csv"] == ("accepted", None)
    assert stored_files(migrated_engine) == ["vnptpay-2026-11-25.csv"]
    assert not resumed.ok


def test_each_version_is_kept_under_its_remote_name_in_a_folder_of_its_own(
    sftp_inbox: ServedInbox, migrated_engine: Engine, tmp_path: Path
) -> None:
    settings = settings_for(sftp_inbox, tmp_path)
    served = sftp_inbox.root / "vnptpay-2026-11-25.csv"
    served.write_bytes((SAMPLES / "gateway_canonical.csv").read_bytes())
    fetch_sources(*fetch_parts(settings, migrated_engine))
    served.write_bytes(served.read_bytes() + b"\n")
    os.utime(served, (1_764_200_000, 1_764_200_000))

    fetch_sources(*fetch_parts(settings, migrated_engine))

    with migrated_engine.connect() as connection:
        rows = connection.execute(
            select(fetched_files.c.id, fetched_files.c.local_path).order_by(fetched_files.c.id)
        ).all()
    inbox = tmp_path / "data" / "inbox" / "bank"
    assert [Path(r.local_path) for r in rows] == [inbox / str(r.id) / "vnptpay-2026-11-25.csv" for r in rows]
    assert all(Path(r.local_path).is_file() for r in rows)
    assert [(name, status) for name, status in ledger(migrated_engine)] == [
        ("vnptpay-2026-11-25.csv", "accepted"),
        ("vnptpay-2026-11-25.csv", "correction"),
    ]


def test_recon_fetch_names_a_rejected_file_with_its_reason_and_ingests_the_others(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    service.serve_sample("gateway_canonical.csv", "vnptpay-2026-11-25.csv")
    (service.served / "broken.csv").write_text("not,a,known\nlayout,at,all\n")

    assert main(["--config", str(service.config), "fetch"]) == 1

    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "bank: ok; 2 fetched, 0 already fetched; ingested 1 accepted, 1 rejected"
    ]
    assert "  rejected: broken.csv: broken.csv" in captured.err
    assert stored_files(service.engine) == ["broken.csv", "vnptpay-2026-11-25.csv"]
