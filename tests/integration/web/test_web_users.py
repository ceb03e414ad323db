"""``recon user add`` and the pieces of sign-in: password hashes and the session key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.settings import Settings
from adapters.web.auth import hash_password, secret_key, verify_password


def recon(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("users")
    path = directory / "recon.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{directory / "recon.db"}"\n', encoding="utf-8")
    assert recon(path, "init").returncode == 0
    return path


def test_a_treasury_user_is_added_with_a_password_from_stdin(config: Path) -> None:
    result = recon(
        config, "user", "add", "lan", "--role", "treasury", "--password-stdin", stdin="long enough pw\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "user lan added (treasury)"


def test_a_province_user_is_bound_to_its_province(config: Path) -> None:
    result = recon(
        config,
        "user",
        "add",
        "dn",
        "--role",
        "province",
        "--province",
        "48",
        "--password-stdin",
        stdin="xyz12345\n",
    )
    assert result.returncode == 0, result.stderr
    assert "province 48" in result.stdout


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--role", "province"], "needs --province"),
        (["--role", "ops", "--province", "01"], "only province users"),
        (["--role", "province", "--province", "99"], "'99'"),
    ],
)
def test_a_wrong_role_and_province_pairing_is_refused(config: Path, args: list[str], reason: str) -> None:
    result = recon(config, "user", "add", "x", *args, "--password-stdin", stdin="long enough pw\n")
    assert result.returncode != 0
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_taken_name_and_a_short_password_are_refused(config: Path) -> None:
    first = recon(config, "user", "add", "kim", "--role", "ops", "--password-stdin", stdin="long enough pw\n")
    assert first.returncode == 0
    again = recon(config, "user", "add", "kim", "--role", "ops", "--password-stdin", stdin="long enough pw\n")
    assert again.returncode != 0
    assert "already exists" in again.stderr
    short = recon(config, "user", "add", "mai", "--role", "ops", "--password-stdin", stdin="short\n")
    assert short.returncode != 0
    assert "at least 8" in short.stderr


def test_a_password_hash_is_salted_and_checks_only_its_password() -> None:
    first, second = hash_password("mật khẩu dài"), hash_password("mật khẩu dài")
    assert first != second
    assert first.startswith("scrypt$")
    assert "mật khẩu" not in first
    assert verify_password("mật khẩu dài", first)
    assert verify_password("mật khẩu dài", second)
    assert not verify_password("mật khẩu dai", first)
    assert not verify_password("anything", "not a hash")


def test_the_session_key_is_made_once_with_owner_only_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECON_SECRET_KEY", raising=False)
    settings = Settings(data_dir=str(tmp_path / "data"))
    key = secret_key(settings.data_dir)
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert secret_key(settings.data_dir) == key
    assert list(path.parent.iterdir()) == [path]
    monkeypatch.setenv("RECON_SECRET_KEY", "from-the-environment-" + "k" * 20)
    assert secret_key(settings.data_dir).startswith("from-the-environment-")
    assert os.environ["RECON_SECRET_KEY"] != key
