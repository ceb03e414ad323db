"""Fetching files from an SFTP inbox (and placing them in an outbox) with paramiko.

Everything a server says is untrusted. A listed name with a path separator,
``..`` or a leading dot is refused; only regular files are taken (a symlink
or a directory is skipped with a warning). A file is taken only when two
looks at the listing agree on its size and time, and the bytes read must
match that size again after the download: a file the sender is still
writing is left for the next fetch. Bytes go to a hidden temporary name
(``.<name>.<random>.part``) beside the local path the caller chose, are
hashed (SHA-256) and flushed, and only then renamed to that path (and the
rename flushed), so a reader never sees half a file.

Dropped connections, timeouts and end-of-file in the middle of a transfer
are retried with exponential backoff, a bounded number of times, on a fresh
connection; a refused host key or refused credentials never are. A refusal
about one file (permission denied, file vanished) is a :class:`RemoteFileError`
so the caller can move on to the next file.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import logging
import os
import posixpath
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import paramiko

from adapters.fetch_ports import Downloaded, Listing, RemoteFile
from adapters.sftp_keys import (
    Endpoint,
    PinnedHostKeyPolicy,
    allowed_key_algorithms,
    endpoint_label,
    load_credentials,
    pinned_host_keys,
)
from reconcile.errors import AuthenticationFailed, HostKeyError, TransferError

T = TypeVar("T")
_CHUNK = 64 * 1024
#: The names of downloads in progress: ``.<name>.<random>.part`` beside the final name. Such a
#: file left behind by a process that was killed is removed by the next fetch of its source.
PARTIAL_GLOB = ".*.part"
#: errno values of a refusal about one file, as paramiko maps SFTP status codes.
_FILE_ERRNOS = {errno.EACCES, errno.EPERM, errno.ENOENT}
#: Every host-key algorithm paramiko offers; those not pinned are switched off.
_HOST_KEY_ALGORITHMS: tuple[str, ...] = tuple(getattr(paramiko.Transport, "_preferred_keys", ()))


class RemoteFileError(TransferError):
    """The server refused one file (permission, vanished); the others may still be fine."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry a transient failure.

    Attributes:
        attempts: tries in all, the first included.
        first_delay_s: pause before the second try; doubled after each failure.
        max_delay_s: the longest pause.
    """

    attempts: int = 4
    first_delay_s: float = 2.0
    max_delay_s: float = 60.0

    def delays(self) -> Iterator[float]:
        """The pauses between tries (one fewer than ``attempts``)."""
        delay = self.first_delay_s
        for _ in range(self.attempts - 1):
            yield min(delay, self.max_delay_s)
            delay *= 2


def refusal(name: str) -> str | None:
    """Why a server-supplied file name is not acceptable as a local file name, or ``None``."""
    if not name or name in (".", ".."):
        return "empty or a directory reference"
    if "/" in name or "\\" in name or "\x00" in name:
        return "contains a path separator"
    if name.startswith("."):
        return "hidden (leading dot)"
    if any(ord(ch) < 32 for ch in name) or len(name.encode("utf-8", "surrogateescape")) > 255:
        return "control characters or too long"
    return None


_log = logging.getLogger(__name__)

#: paramiko reads ahead in a thread of its own (``SFTPFile._prefetch_thread``).
#: When the connection drops mid-file that thread dies with the socket's error;
#: the download itself fails in the calling thread and is retried there.
_READ_AHEAD_THREAD = "_prefetch_thread"
_LOST_CONNECTION = (OSError, EOFError, paramiko.SSHException)


def quiet_read_ahead_failures() -> None:
    """Log a read-ahead thread killed by a lost connection as one line, not a traceback.

    Installed once by the command line; every other thread's failure still reaches
    the hook that was there before.
    """
    previous = threading.excepthook
    if getattr(previous, "_recon_read_ahead", False):
        return

    def hook(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else ""
        if _READ_AHEAD_THREAD in name and isinstance(args.exc_value, _LOST_CONNECTION):
            _log.info("SFTP read-ahead stopped: connection lost (%s); retried", args.exc_value)
            return
        previous(args)

    hook._recon_read_ahead = True  # type: ignore[attr-defined]
    threading.excepthook = hook


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable, so a power cut cannot undo a recorded download."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SftpSource:
    """One SFTP endpoint, connected lazily and reconnected on transient failures.

    ``settle`` runs between the two looks at the listing (by default it sleeps
    ``settle_s``); ``sleep`` paces the retries. Use as a context manager.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        retry: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        settle_s: float = 2.0,
        settle: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint
        self.label = endpoint_label(endpoint)
        self._retry = retry or RetryPolicy()
        self._timeout_s = timeout_s
        self._settle = settle or (lambda: sleep(settle_s))
        self._sleep = sleep
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None

    def __enter__(self) -> SftpSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._sftp = None

    def list_files(self, pattern: str | None = None) -> Listing:
        """Matching regular files, looked at twice so files still growing are set apart."""
        wanted: str = pattern or getattr(self.endpoint, "pattern", None) or "*"
        first, warnings = self._retrying("list", lambda sftp: self._look(sftp, wanted))
        self._settle()
        second, _ = self._retrying("list", lambda sftp: self._look(sftp, wanted))
        again = {f.name: f for f in second}
        stable = tuple(f for f in first if again.get(f.name) == f)
        growing = tuple(again.get(f.name, f) for f in first if again.get(f.name) not in (f, None))
        return Listing(files=stable, growing=growing, warnings=tuple(warnings))

    def download(self, remote: RemoteFile, target: Path) -> Downloaded | None:
        """Copy ``remote`` to the local path ``target`` atomically; ``None`` if it changed meanwhile.

        The bytes go to ``.<name>.<random>.part`` beside ``target`` (see :data:`PARTIAL_GLOB`)
        and are renamed to ``target`` once complete and flushed.
        """
        target.parent.mkdir(parents=True, exist_ok=True)
        return self._retrying(f"download {remote.name}", lambda sftp: self._copy(sftp, remote, target))

    def upload(self, local: Path, name: str) -> None:
        """Put ``local`` into the remote directory as ``name``, via a temporary name and a rename."""
        if refusal(name):
            raise ValueError(f"{name!r} is not a plain file name")
        self._retrying(f"upload {name}", lambda sftp: self._put(sftp, local, name))

    def _remote(self, name: str) -> str:
        return posixpath.join(self.endpoint.remote_dir, name)

    def _look(self, sftp: paramiko.SFTPClient, pattern: str) -> tuple[list[RemoteFile], list[str]]:
        files, warnings = [], []
        for entry in sftp.listdir_attr(self.endpoint.remote_dir):
            name = entry.filename
            if not fnmatch.fnmatchcase(name, pattern):
                continue
            reason = refusal(name)
            if reason is None and (entry.st_mode is None or not stat.S_ISREG(entry.st_mode)):
                reason = "not a regular file (directory, symlink or device)"
            if reason:
                warnings.append(f"{self.label}: skipped {name!r}: {reason}")
                continue
            files.append(RemoteFile(name=name, size=entry.st_size or 0, mtime=int(entry.st_mtime or 0)))
        return sorted(files, key=lambda f: f.name), warnings

    def _copy(self, sftp: paramiko.SFTPClient, remote: RemoteFile, target: Path) -> Downloaded | None:
        path = self._remote(remote.name)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{remote.name}.", suffix=".part")
        try:
            digest, count = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out, sftp.open(path, "rb") as source:
                source.prefetch(remote.size)
                while chunk := source.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    count += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            after = sftp.lstat(path)
            if (
                count != remote.size
                or after.st_size != remote.size
                or int(after.st_mtime or 0) != remote.mtime
            ):
                os.unlink(tmp)
                return None
            os.replace(tmp, target)
            _sync_directory(target.parent)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Downloaded(remote=remote, path=target, sha256=digest.hexdigest())

    def _put(self, sftp: paramiko.SFTPClient, local: Path, name: str) -> None:
        temporary = self._remote(f".{name}.part")
        sftp.put(str(local), temporary, confirm=True)
        try:
            sftp.posix_rename(temporary, self._remote(name))
        except OSError:
            sftp.remove(temporary)
            raise

    def _retrying(self, what: str, operation: Callable[[paramiko.SFTPClient], T]) -> T:
        delays = self._retry.delays()
        while True:
            try:
                return operation(self._connected())
            except TransferError:
                raise  # host key, credentials: retrying cannot help
            except OSError as exc:
                if exc.errno in _FILE_ERRNOS:
                    raise RemoteFileError(f"{self.label}: {what}: {exc.strerror or exc}") from exc
                failure: Exception = exc
            except (EOFError, paramiko.SSHException) as exc:
                failure = exc
            self.close()
            delay = next(delays, None)
            if delay is None:
                raise TransferError(
                    f"{self.label}: {what} failed after {self._retry.attempts} attempt(s): "
                    f"{type(failure).__name__}: {failure}"
                ) from failure
            self._sleep(delay)

    def _connected(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            self._sftp = self._connect()
        return self._sftp

    def _connect(self) -> paramiko.SFTPClient:
        endpoint = self.endpoint
        pinned = pinned_host_keys(endpoint)
        credentials = load_credentials(endpoint)
        allowed = allowed_key_algorithms(pinned)
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(PinnedHostKeyPolicy(pinned, self.label))
        self._client = client
        try:
            client.connect(
                endpoint.host,
                endpoint.port,
                username=endpoint.username,
                pkey=credentials.pkey,
                password=credentials.password,
                timeout=self._timeout_s,
                banner_timeout=self._timeout_s,
                auth_timeout=self._timeout_s,
                channel_timeout=self._timeout_s,
                allow_agent=False,
                look_for_keys=False,
                disabled_algorithms={"keys": [k for k in _HOST_KEY_ALGORITHMS if k not in allowed]},
            )
            sftp = client.open_sftp()
        except HostKeyError:
            self.close()
            raise
        except paramiko.BadHostKeyException as exc:
            self.close()
            raise HostKeyError(f"{self.label}: {exc}") from exc
        except paramiko.AuthenticationException as exc:
            self.close()
            raise AuthenticationFailed(f"{self.label}: the server refused our credentials ({exc})") from exc
        channel = sftp.get_channel()
        if channel is not None:
            channel.settimeout(self._timeout_s)
        return sftp
