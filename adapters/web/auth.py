"""Passwords and the session's signing key.

Passwords are hashed with scrypt (:func:`hashlib.scrypt`), a fresh 16-byte
salt per user, and stored as ``scrypt$n$r$p$salt_hex$hash_hex`` so the
cost can be raised later without breaking old hashes. Checking compares in
constant time, and an unknown username costs one hash too, so the response
time does not tell which names exist.

Sessions live in the database (:mod:`adapters.web.sessions`); the cookie
carries their random id, signed with a key that comes from
``RECON_SECRET_KEY``, else from ``<data_dir>/secret_key``, created once with
mode 0600 and reused, so sessions survive a restart and several workers agree.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from adapters.db.users import SqlUserStore, User
from reconcile.errors import ConfigError

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_KEY_LENGTH = 32
_DUMMY_HASH = "scrypt$16384$8$1$00000000000000000000000000000000$" + "00" * _KEY_LENGTH
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """The stored form of ``password``: scrypt with a new random salt."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest_hex)
        actual = _scrypt(password, bytes.fromhex(salt_hex), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_KEY_LENGTH, maxmem=64 * 1024 * 1024
    )


def authenticate(store: SqlUserStore, username: str, password: str) -> User | None:
    """The active user with that name and password, else ``None``."""
    user = store.by_username(username)
    if user is None:
        verify_password(password, _DUMMY_HASH)  # same cost as a real check
        return None
    if not verify_password(password, user.password_hash) or not user.active:
        return None
    return user


def secret_key(data_dir: str | os.PathLike[str]) -> str:
    """``RECON_SECRET_KEY``, else the key in ``<data_dir>/secret_key`` (created on first use)."""
    from_env = os.environ.get("RECON_SECRET_KEY")
    if from_env:
        return from_env
    path = Path(data_dir) / "secret_key"
    if not path.exists():
        _create_key_file(path)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigError(f"{path}: the session key is too short; delete it to make a new one")
    return key


def _create_key_file(path: Path) -> None:
    """Write a new key beside ``path`` (mode 0600) and link it in, unless another process was first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as stream:
            stream.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):  # another process was first: use its key
            os.link(draft, path)  # atomic: never a half-written key, never two different keys
    finally:
        draft.unlink(missing_ok=True)


class LoginThrottle:
    """At most ``limit`` failed sign-ins per username within ``window_s``; then ``429`` until it passes.

    Kept in the process's memory: it slows a password-guessing run against
    one name, and a restart forgets it. Several workers each count their own.
    """

    def __init__(self, limit: int = 10, window_s: float = 900.0, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, list[float]] = {}

    def blocked(self, username: str) -> bool:
        return len(self._recent(username)) >= self.limit

    def failed(self, username: str) -> None:
        self._failures[username] = [*self._recent(username), self.clock()]

    def succeeded(self, username: str) -> None:
        self._failures.pop(username, None)

    def _recent(self, username: str) -> list[float]:
        since = self.clock() - self.window_s
        recent = [t for t in self._failures.get(username, []) if t > since]
        if recent:
            self._failures[username] = recent
        else:
            self._failures.pop(username, None)
        return recent
