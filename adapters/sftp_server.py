"""A small real SFTP server on 127.0.0.1, for the demo and the transfer tests.

``recon demo`` serves its generated files from it, and the SFTP tests run
the production client (:mod:`adapters.sftp`) against it, so both go through
a real SSH handshake, host-key pinning and authentication, never a mock.
It is asyncssh's SFTP server, chrooted to one directory, listening on a
free port with a fresh ed25519 host key made at start; it runs its own event
loop in a background thread so synchronous callers can ``start()`` and
``stop()`` it (or use it as a context manager).

It is not meant to face a network: it binds to the loopback address only.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncssh

_START_TIMEOUT_S = 30.0


class ChrootedSftp(asyncssh.SFTPServer):
    """asyncssh's file-system SFTP server, confined to the served directory.

    Subclass it to change what one session sees (the tests inject faults so).
    """

    root: str = "/"

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        super().__init__(chan, chroot=self.root.encode())


class _Auth(asyncssh.SSHServer):
    """Accepts the one configured user, by public key and/or password."""

    def __init__(self, username: str, password: str | None, sessions: set[Any]) -> None:
        self._username = username
        self._password = password
        self._sessions = sessions
        self._conn: Any = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._sessions.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._sessions.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True  # always ask for credentials, even from the right user

    def password_auth_supported(self) -> bool:
        return self._password is not None

    def validate_password(self, username: str, password: str) -> bool:
        return username == self._username and password == self._password

    def public_key_auth_supported(self) -> bool:
        return True


class LocalSftpServer:
    """An SFTP server serving ``root`` on 127.0.0.1.

    ``authorized_keys`` are OpenSSH public-key lines (``"ssh-ed25519 AAAA…"``)
    accepted for ``username``; ``password`` enables password login too.
    ``sftp_factory``, a subclass of :class:`ChrootedSftp`, changes what a
    session sees; ``port`` 0 picks a free port.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        username: str = "recon",
        authorized_keys: Sequence[str] = (),
        password: str | None = None,
        port: int = 0,
        sftp_factory: type[ChrootedSftp] = ChrootedSftp,
    ) -> None:
        self.root = Path(root).resolve()
        self.username = username
        self._authorized = list(authorized_keys)
        self._password = password
        self._requested_port = port
        self._factory = sftp_factory
        self._host_key = asyncssh.generate_private_key("ssh-ed25519")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._acceptor: Any = None
        self._sessions: set[Any] = set()
        self.port = 0

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def host_key_line(self) -> str:
        """The public host key as ``"ssh-ed25519 AAAA…"``, ready to pin in ``host_key``."""
        exported: bytes = self._host_key.export_public_key("openssh")
        return " ".join(exported.decode().split()[:2])

    def start(self) -> LocalSftpServer:
        if self._loop is not None:
            raise RuntimeError("the SFTP server is already running")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="sftp-server", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        try:
            future = asyncio.run_coroutine_threadsafe(self._listen(), loop)
            self._acceptor = future.result(timeout=_START_TIMEOUT_S)
        except BaseException:
            self._shutdown_loop()
            raise
        self.port = int(self._acceptor.get_port())
        return self

    def stop(self) -> None:
        """Close the listener and every open session; idempotent."""
        if self._loop is None:
            return
        if self._acceptor is not None:
            future = asyncio.run_coroutine_threadsafe(self._close(), self._loop)
            future.result(timeout=_START_TIMEOUT_S)
            self._acceptor = None
        self._shutdown_loop()

    def __enter__(self) -> LocalSftpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _listen(self) -> Any:
        handler = type("ServedSftp", (self._factory,), {"root": str(self.root)})
        keys = asyncssh.import_authorized_keys("\n".join(self._authorized)) if self._authorized else None
        return await asyncssh.listen(
            self.host,
            self._requested_port,
            server_host_keys=[self._host_key],
            authorized_client_keys=keys,
            server_factory=lambda: _Auth(self.username, self._password, self._sessions),
            sftp_factory=handler,
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
        )

    async def _close(self) -> None:
        self._acceptor.close()
        await self._acceptor.wait_closed()
        for conn in list(self._sessions):
            conn.close()
            await conn.wait_closed()

    def _shutdown_loop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=_START_TIMEOUT_S)
        loop.close()
        self._loop = self._thread = None


def generate_client_key() -> tuple[str, str]:
    """A fresh ed25519 client key pair: (OpenSSH private key text, public key line)."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    private = key.export_private_key("openssh").decode()
    public = " ".join(key.export_public_key("openssh").decode().split()[:2])
    return private, public
