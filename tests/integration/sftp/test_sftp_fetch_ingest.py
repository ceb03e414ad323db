"""Fetching into the database: the ledger, ingestion, an interrupted fetch, and ``recon fetch``."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from service_fixtures import SAMPLES, Service
from sftp_fixtures import ServedInbox
from sqlalchemy import Engine, select

from adapters.cli import main
from adapters.db.ops_tables import fetched_files
from adapters.db.schema import files
from adapters.fetch import Ingested, fetch_sources
from adapters.settings import Settings
from adapters.sftp import Downloaded, Listing, RemoteFile, SftpSource
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

    first = fetch_sources(settings, engine)
    second = fetch_sources(settings, engine)

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
        fetch_sources(settings, engine, ingest=power_cut)
    assert sorted(ledger(engine)) == [("portal-2026-11-25.csv", None), ("vnptpay-2026-11-25.csv", None)]

    resumed = fetch_sources(settings, engine)

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


_DOWNLOADS = itertools.count(1)


class _KeptUnderAnotherName:
    """An SFTP source whose downloads land under a local name of their own (``1-NAME``, ``2-NAME``...)."""

    def __init__(self, source: object) -> None:
        self._inner = SftpSource(source, settle_s=0.0)  # type: ignore[arg-type]

    def list_files(self) -> Listing:
        return self._inner.list_files()

    def download(self, remote: RemoteFile, inbox: Path) -> Downloaded | None:
        downloaded = self._inner.download(remote, inbox)
        if downloaded is None:
            return None
        local = downloaded.path.with_name(f"{next(_DOWNLOADS)}-{remote.name}")
        downloaded.path.rename(local)
        return Downloaded(remote, local, downloaded.sha256)

    def close(self) -> None:
        self._inner.close()


def test_a_fetched_gateway_file_is_known_by_its_name_on_the_server_whatever_its_local_name(
    sftp_inbox: ServedInbox, migrated_engine: Engine, tmp_path: Path
) -> None:
    served = sftp_inbox.root / "vnptpay-2026-11-25.csv"
    lines = (SAMPLES / "gateway_canonical.csv").read_text(encoding="utf-8").splitlines()
    served.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = settings_for(sftp_inbox, tmp_path)
    first = fetch_sources(settings, migrated_engine, connect=_KeptUnderAnotherName)
    (local,) = [i.path.name for i in first.sources[0].ingested]
    served.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")  # the gateway re-sends it, shorter
    os.utime(served, (1_800_000_000, 1_800_000_000))

    second = fetch_sources(settings, migrated_engine, connect=_KeptUnderAnotherName)

    assert [i.status for i in first.sources[0].ingested] == ["accepted"]
    (again,) = second.sources[0].ingested
    assert again.status == "correction"
    assert len({local, again.path.name, served.name}) == 3  # three names, one identity
    with migrated_engine.connect() as connection:
        rows = connection.execute(
            select(files.c.path, files.c.identity, files.c.current).order_by(files.c.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("vnptpay-2026-11-25.csv", "gateway:vnptpay:vnptpay-2026-11-25.csv", False),
        ("vnptpay-2026-11-25.csv", "gateway:vnptpay:vnptpay-2026-11-25.csv", True),
    ]
