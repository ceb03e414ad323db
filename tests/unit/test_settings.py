"""Configuration is validated whole, with messages that name the table and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.bootstrap import bootstrap
from adapters.settings import load_settings, settings_from_mapping
from reconcile.errors import ConfigError
from reconcile.gateways import DEFAULT_TERMS, GatewayTerms


def test_without_a_file_the_built_in_defaults_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECON_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///recon.db"
    assert settings.gateways == {}
    assert bootstrap(settings).gateways == {}  # an unconfigured gateway gets the core's DEFAULT_TERMS
    assert (DEFAULT_TERMS.settlement_days, DEFAULT_TERMS.fee_mode) == (1, "gross")


def test_the_environment_overrides_the_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "recon.toml"
    config.write_text('[database]\nurl = "sqlite:///a.db"\n', encoding="utf-8")
    monkeypatch.setenv("RECON_DATABASE_URL", "sqlite:///b.db")
    assert load_settings(config).database_url == "sqlite:///b.db"


def test_gateways_and_sources_are_read() -> None:
    settings = settings_from_mapping(
        {
            "gateways": [{"name": "vnpay", "settlement_days": 2, "fee_mode": "net"}],
            "sources": [{"name": "vcb", "host": "127.0.0.1", "host_key": "ssh-ed25519 AAAA"}],
        }
    )
    assert settings.gateways["vnpay"].settlement_days == 2
    assert bootstrap(settings).gateways["vnpay"] == GatewayTerms(settlement_days=2, fee_mode="net")
    assert settings.source("vcb").host == "127.0.0.1"


def test_a_source_without_a_pinned_host_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="host_key"):
        settings_from_mapping({"sources": [{"name": "vcb", "host": "h"}]})


def test_an_unknown_key_is_named() -> None:
    with pytest.raises(ConfigError, match=r"gateways\[0\].*colour"):
        settings_from_mapping({"gateways": [{"name": "x", "colour": "red"}]})


def test_a_gateway_naming_an_undefined_layout_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"layouts\.semicolons"):
        settings_from_mapping({"gateways": [{"name": "x", "layout": "semicolons"}]})


def test_an_invalid_fee_mode_is_refused() -> None:
    with pytest.raises(ConfigError, match="fee_mode"):
        settings_from_mapping({"gateways": [{"name": "x", "fee_mode": "half"}]})


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_the_web_policy_comes_from_its_table_and_the_environment_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECON_APPROVAL_THRESHOLD_VND", raising=False)
    monkeypatch.delenv("RECON_SECURE_COOKIES", raising=False)
    config = tmp_path / "recon.toml"
    config.write_text("[web]\napproval_threshold_vnd = 2000000\n", encoding="utf-8")
    web = bootstrap(load_settings(config)).web
    assert (web.approval_threshold_vnd, web.secure_cookies) == (2_000_000, False)
    monkeypatch.setenv("RECON_APPROVAL_THRESHOLD_VND", "100000")
    monkeypatch.setenv("RECON_SECURE_COOKIES", "1")
    web = load_settings(config).web
    assert (web.approval_threshold_vnd, web.secure_cookies) == (100_000, True)
    assert settings_from_mapping({}).web.approval_threshold_vnd is None  # the workflow's default


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"approval_threshold_vnd": -1}, "approval_threshold_vnd=-1 is not a whole number"),
        ({"approval_threshold_vnd": 1.5}, "is not a whole number"),
        ({"approval_threshold_vnd": True}, "is not a whole number"),
        ({"secure_cookies": "yes"}, "secure_cookies must be true or false"),
        ({"threshold": 5}, "[web] has unknown keys: threshold"),
    ],
)
def test_a_bad_web_policy_is_refused_by_name(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        settings_from_mapping({"web": table})
    assert message in str(refused.value)


def test_a_threshold_in_the_environment_that_is_not_whole_dong_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECON_APPROVAL_THRESHOLD_VND", "5e7")
    with pytest.raises(ConfigError, match="RECON_APPROVAL_THRESHOLD_VND='5e7' is not a whole number"):
        load_settings()
