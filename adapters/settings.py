"""Configuration: ``recon.toml`` (DESIGN.md §4), environment overrides, built-in defaults.

Secrets never sit in the file: an SFTP source names a key file, or an
environment variable that holds the key or password. Loading validates the
whole file and raises :class:`~reconcile.errors.ConfigError` naming the
offending table and key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from reconcile.errors import ConfigError
from reconcile.gateways import DEFAULT_TERMS

DEFAULT_CONFIG_NAME = "recon.toml"
DEFAULT_DATABASE_URL = "sqlite:///recon.db"


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """How one payment gateway settles: window in business days, fee mode, file layout."""

    name: str
    settlement_days: int = DEFAULT_TERMS.settlement_days
    fee_mode: Literal["gross", "net"] = DEFAULT_TERMS.fee_mode
    layout: str = "canonical"


@dataclass(frozen=True, slots=True, kw_only=True)
class SftpEndpoint:
    """An SFTP server and how to reach it: credentials by reference, host key pinned."""

    host: str
    port: int = 22
    username: str = "recon"
    key_file: str | None = None
    key_env: str | None = None
    password_env: str | None = None
    host_key: str | None = None
    known_hosts: str | None = None
    remote_dir: str = "/"

    @property
    def label(self) -> str:
        """How messages name this endpoint."""
        return self.host


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceSettings(SftpEndpoint):
    """One SFTP inbox (a bank's or a gateway's)."""

    name: str
    pattern: str = "*"
    schedule: str | None = None  # cron expression for the scheduler
    settle_seconds: float = 2.0  # pause between the two looks that tell a finished file from a growing one

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishSettings(SftpEndpoint):
    """A province's SFTP outbox for its settlement statements (optional)."""

    province: str
    formats: tuple[str, ...] = ("pdf", "xlsx", "xml")

    @property
    def label(self) -> str:
        return f"publish:{self.province}"


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """Cron expressions (Asia/Ho_Chi_Minh) of the scheduled jobs."""

    daily_run: str = "30 2 * * *"
    publish: str = "0 6 * * *"
    fetch: str = "*/30 * * * *"


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The web application's policy (``[web]``).

    Attributes:
        approval_threshold_vnd: resolving a high-severity item whose absolute
            difference reaches this many đồng needs a second person's approval;
            ``None`` is the workflow's default (50.000.000 ₫).
        secure_cookies: mark the session cookie ``Secure`` (the app is behind TLS).
    """

    approval_threshold_vnd: int | None = None
    secure_cookies: bool = False


@dataclass(frozen=True, slots=True)
class Settings:
    """The whole configuration, validated."""

    database_url: str = DEFAULT_DATABASE_URL
    gateways: Mapping[str, GatewaySettings] = field(default_factory=dict)
    layouts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sources: tuple[SourceSettings, ...] = ()
    publish: tuple[PublishSettings, ...] = ()
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    data_dir: str = "recon-data"
    web: WebSettings = field(default_factory=WebSettings)
    path: str | None = None

    def source(self, name: str) -> SourceSettings:
        return source_named(self.sources, name)


def source_named(sources: Sequence[SourceSettings], name: str) -> SourceSettings:
    """The source called ``name``, or :class:`ConfigError` naming the known ones."""
    for source in sources:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in sources) or "none configured"
    raise ConfigError(f"no SFTP source named {name!r} (known: {known})")


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read ``path``, else ``recon.toml`` in the working directory, else the defaults.

    ``RECON_DATABASE_URL`` overrides ``[database] url``,
    ``RECON_APPROVAL_THRESHOLD_VND`` ``[web] approval_threshold_vnd`` and
    ``RECON_SECURE_COOKIES=1`` ``[web] secure_cookies``.
    """
    if path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        path = DEFAULT_CONFIG_NAME
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"configuration file {os.fspath(path)!r} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{os.fspath(path)}: not valid TOML: {exc}") from exc
    settings = settings_from_mapping(raw)
    url = os.environ.get("RECON_DATABASE_URL") or settings.database_url
    web = settings.web
    if threshold := os.environ.get("RECON_APPROVAL_THRESHOLD_VND", "").strip():
        web = replace(web, approval_threshold_vnd=_whole_dong(threshold, "RECON_APPROVAL_THRESHOLD_VND"))
    if os.environ.get("RECON_SECURE_COOKIES") == "1":
        web = replace(web, secure_cookies=True)
    return Settings(
        database_url=url,
        gateways=settings.gateways,
        layouts=settings.layouts,
        sources=settings.sources,
        publish=settings.publish,
        schedule=settings.schedule,
        data_dir=settings.data_dir,
        web=web,
        path=os.fspath(path) if path is not None else None,
    )


def settings_from_mapping(raw: Mapping[str, Any]) -> Settings:
    """Validate an already-parsed configuration mapping."""
    database = _table(raw, "database")
    gateways = {
        g.name: g for g in (_build(GatewaySettings, t, f"gateways[{i}]") for i, t in _tables(raw, "gateways"))
    }
    for gateway in gateways.values():
        if gateway.fee_mode not in ("gross", "net"):
            raise ConfigError(f"gateways.{gateway.name}.fee_mode must be 'gross' or 'net'")
        if gateway.settlement_days < 0:
            raise ConfigError(f"gateways.{gateway.name}.settlement_days must be >= 0")
    layouts = {str(name): dict(spec) for name, spec in _table(raw, "layouts").items()}
    for gateway in gateways.values():
        if gateway.layout != "canonical" and gateway.layout not in layouts:
            raise ConfigError(
                f"gateways.{gateway.name}.layout names [layouts.{gateway.layout}], which is not defined"
            )
    sources = tuple(_build(SourceSettings, t, f"sources[{i}]") for i, t in _tables(raw, "sources"))
    publish = tuple(
        _build(
            PublishSettings,
            {**t, "formats": tuple(t.get("formats", ("pdf", "xlsx", "xml")))},
            f"publish[{i}]",
        )
        for i, t in _tables(raw, "publish")
    )
    for target in (*sources, *publish):
        if not (target.host_key or target.known_hosts):
            raise ConfigError(
                f"SFTP target {target.label!r} has neither host_key nor known_hosts: "
                "pin the server's key (unknown keys are refused)"
            )
    return Settings(
        database_url=str(database.get("url", DEFAULT_DATABASE_URL)),
        gateways=gateways,
        layouts=layouts,
        sources=sources,
        publish=publish,
        schedule=_build(ScheduleSettings, _table(raw, "schedule"), "schedule"),
        data_dir=str(_table(raw, "storage").get("data_dir", "recon-data")),
        web=_web(_table(raw, "web")),
    )


def _web(table: Mapping[str, Any]) -> WebSettings:
    unknown = set(table) - {"approval_threshold_vnd", "secure_cookies"}
    if unknown:
        raise ConfigError(f"[web] has unknown keys: {', '.join(sorted(unknown))}")
    threshold = table.get("approval_threshold_vnd")
    if threshold is not None:
        threshold = _whole_dong(threshold, "[web] approval_threshold_vnd")
    secure = table.get("secure_cookies", False)
    if not isinstance(secure, bool):
        raise ConfigError("[web] secure_cookies must be true or false")
    return WebSettings(approval_threshold_vnd=threshold, secure_cookies=secure)


def _whole_dong(value: object, name: str) -> int:
    """A non-negative whole number of đồng, from TOML (an integer) or the environment (ASCII digits)."""
    if isinstance(value, bool) or not (
        (isinstance(value, int) and value >= 0)
        or (isinstance(value, str) and value.isascii() and value.isdigit())
    ):
        raise ConfigError(f"{name}={value!r} is not a whole number of đồng")
    return int(value)


def _table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"[{key}] must be a table")
    return value


def _tables(raw: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ConfigError(f"[[{key}]] must be an array of tables")
    return list(enumerate(value))


def _build(cls: Any, values: Mapping[str, Any], where: str) -> Any:
    known = set(cls.__dataclass_fields__)
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
