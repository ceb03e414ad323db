"""Who the SFTP server must be, and who we are to it.

The server's host key is pinned in the configuration, as an OpenSSH line
(``host_key = "ssh-ed25519 AAAA…"``) or through a ``known_hosts`` file. We
never learn a key on first use: paramiko is given no host keys at all, so
every server key reaches :class:`PinnedHostKeyPolicy`, which compares it
with the pinned ones and raises :class:`~reconcile.errors.HostKeyError`
(never retried) on any difference.

Our own credentials come from a key file, a private key held in an
environment variable, or a password held in an environment variable;
secrets never sit in ``recon.toml``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
from dataclasses import dataclass

import paramiko

from adapters.settings import SftpEndpoint
from reconcile.errors import ConfigError, HostKeyError

#: An SFTP endpoint: a source to fetch from or a province outbox to publish to.
Endpoint = SftpEndpoint

#: Host-key algorithms a pinned key of each type may be presented with.
_ALGORITHMS = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256")}


def endpoint_label(endpoint: Endpoint) -> str:
    return f"{endpoint.label} ({endpoint.username}@{endpoint.host}:{endpoint.port})"


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's ``SHA256:…`` fingerprint, the form an operator compares by eye."""
    digest = base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")
    return f"{key.get_name()} SHA256:{digest}"


def parse_host_key_line(line: str) -> paramiko.PKey:
    """Read ``"ssh-ed25519 AAAA… [comment]"`` (a ``.pub`` or ``known_hosts`` key part)."""
    parts = line.split()
    if len(parts) < 2:
        raise ConfigError(f"host_key {line!r} is not of the form 'TYPE BASE64 [comment]'")
    try:
        blob = base64.b64decode(parts[1], validate=True)
        return paramiko.PKey.from_type_string(parts[0], blob)
    except (binascii.Error, paramiko.SSHException, ValueError) as exc:
        raise ConfigError(f"host_key {line[:40]!r}…: not a readable {parts[0]} key ({exc})") from exc


def pinned_host_keys(endpoint: Endpoint) -> list[paramiko.PKey]:
    """The keys this endpoint's server may present: ``host_key``, then ``known_hosts`` entries."""
    keys = [parse_host_key_line(endpoint.host_key)] if endpoint.host_key else []
    if endpoint.known_hosts:
        keys.extend(_known_hosts_keys(endpoint.known_hosts, endpoint.host, endpoint.port))
    if not keys:
        raise HostKeyError(
            f"{endpoint_label(endpoint)}: no pinned host key (set host_key, or list the server "
            f"in known_hosts {endpoint.known_hosts!r}); unknown servers are refused"
        )
    return keys


def _known_hosts_keys(path: str, host: str, port: int) -> list[paramiko.PKey]:
    try:
        known = paramiko.HostKeys(os.path.expanduser(path))
    except OSError as exc:
        raise ConfigError(f"known_hosts file {path!r} cannot be read: {exc}") from exc
    entry = known.lookup(host if port == 22 else f"[{host}]:{port}")
    return list(entry.values()) if entry else []


def allowed_key_algorithms(pinned: list[paramiko.PKey]) -> set[str]:
    """Host-key algorithms to negotiate, so the server shows the key type we pinned."""
    return {alg for key in pinned for alg in (key.get_name(), *_ALGORITHMS.get(key.get_name(), ()))}


class PinnedHostKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Accept exactly the pinned keys; anything else is a :class:`HostKeyError`."""

    def __init__(self, pinned: list[paramiko.PKey], label: str) -> None:
        self._pinned = pinned
        self._label = label

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        for known in self._pinned:
            if known.get_name() == key.get_name() and known.asbytes() == key.asbytes():
                return
        expected = ", ".join(fingerprint(k) for k in self._pinned)
        raise HostKeyError(
            f"{self._label}: the server presented host key {fingerprint(key)}, which is not the "
            f"pinned key ({expected}); refusing to connect. If the server's key was changed on "
            "purpose, pin the new key in host_key or known_hosts."
        )


@dataclass(frozen=True, slots=True)
class Credentials:
    """What we authenticate with: a private key, a password, or both."""

    pkey: paramiko.PKey | None
    password: str | None


def load_credentials(endpoint: Endpoint) -> Credentials:
    """Read the endpoint's key file or environment variables; raise :class:`ConfigError` if absent."""
    label = endpoint_label(endpoint)
    pkey = None
    if endpoint.key_file:
        try:
            pkey = paramiko.PKey.from_path(os.path.expanduser(endpoint.key_file))
        except (OSError, paramiko.SSHException, ValueError) as exc:
            raise ConfigError(f"{label}: key_file {endpoint.key_file!r} cannot be read: {exc}") from exc
    elif endpoint.key_env:
        pkey = _key_from_text(_env(endpoint.key_env, label), f"{label}: key_env {endpoint.key_env}")
    password = _env(endpoint.password_env, label) if endpoint.password_env else None
    if pkey is None and password is None:
        raise ConfigError(f"{label}: no credentials; set key_file, key_env or password_env")
    return Credentials(pkey=pkey, password=password)


def _env(name: str, label: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"{label}: environment variable {name} is not set")
    return value


def _key_from_text(text: str, where: str) -> paramiko.PKey:
    for key_class in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            key: paramiko.PKey = key_class.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
        return key
    raise ConfigError(f"{where}: not an unencrypted ed25519, ECDSA or RSA private key")
