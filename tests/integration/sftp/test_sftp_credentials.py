"""Credentials and host-key pinning the configuration allows, against the in-process server."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import SourceSettings
from adapters.sftp import RetryPolicy, SftpSource
from adapters.sftp_keys import fingerprint, parse_host_key_line
from adapters.sftp_server import LocalSftpServer, generate_client_key
from reconcile.errors import ConfigError, HostKeyError

NO_RETRY = RetryPolicy(attempts=1)


@pytest.fixture
def served(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    root.mkdir()
    (root / "a.csv").write_bytes(b"a\n")
    return root


def names(source: SourceSettings) -> list[str]:
    with SftpSource(source, retry=NO_RETRY, settle=lambda: None, timeout_s=20) as client:
        return [f.name for f in client.list_files().files]


def test_a_password_from_the_environment_logs_in(served: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECON_TEST_SFTP_PASSWORD", "mật khẩu đủ dài")
    with LocalSftpServer(served, password="mật khẩu đủ dài") as server:
        source = SourceSettings(
            name="gw",
            host=server.host,
            port=server.port,
            host_key=server.host_key_line,
            password_env="RECON_TEST_SFTP_PASSWORD",
        )
        assert names(source) == ["a.csv"]


def test_a_private_key_from_the_environment_logs_in(served: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = generate_client_key()
    monkeypatch.setenv("RECON_TEST_SFTP_KEY", private)
    with LocalSftpServer(served, authorized_keys=[public]) as server:
        source = SourceSettings(
            name="gw",
            host=server.host,
            port=server.port,
            host_key=server.host_key_line,
            key_env="RECON_TEST_SFTP_KEY",
        )
        assert names(source) == ["a.csv"]


def test_a_server_listed_in_known_hosts_is_accepted(served: Path, tmp_path: Path) -> None:
    private, public = generate_client_key()
    key_file = tmp_path / "id"
    key_file.write_text(private)
    with LocalSftpServer(served, authorized_keys=[public]) as server:
        known_hosts = tmp_path / "known_hosts"
        known_hosts.write_text(f"[127.0.0.1]:{server.port} {server.host_key_line}\n")
        source = SourceSettings(
            name="gw",
            host=server.host,
            port=server.port,
            known_hosts=str(known_hosts),
            key_file=str(key_file),
        )
        assert names(source) == ["a.csv"]


def test_a_server_missing_from_known_hosts_is_refused(served: Path, tmp_path: Path) -> None:
    private, public = generate_client_key()
    key_file = tmp_path / "id"
    key_file.write_text(private)
    with LocalSftpServer(served, authorized_keys=[public]) as server:
        known_hosts = tmp_path / "known_hosts"
        known_hosts.write_text(f"[127.0.0.1]:1 {server.host_key_line}\n")  # another port: another server
        source = SourceSettings(
            name="gw",
            host=server.host,
            port=server.port,
            known_hosts=str(known_hosts),
            key_file=str(key_file),
        )
        with pytest.raises(HostKeyError, match="no pinned host key"):
            names(source)


def test_a_missing_password_variable_is_a_configuration_error(served: Path) -> None:
    with LocalSftpServer(served, password="x") as server:
        source = SourceSettings(
            name="gw",
            host=server.host,
            port=server.port,
            host_key=server.host_key_line,
            password_env="RECON_TEST_UNSET_VARIABLE",
        )
        with pytest.raises(ConfigError, match="RECON_TEST_UNSET_VARIABLE is not set"):
            names(source)


def test_a_fingerprint_reads_like_openssh() -> None:
    line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO+b0E7w0kPOgAtvacwnwRmpoyFDrs7VbSBZXeMJ7KcH"
    assert fingerprint(parse_host_key_line(line)).startswith("ssh-ed25519 SHA256:")
    with pytest.raises(ConfigError, match="not of the form"):
        parse_host_key_line("ssh-ed25519")
