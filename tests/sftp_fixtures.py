"""Real SFTP servers for the transfer tests: asyncssh in-process, and OpenSSH's sshd.

Both sit behind :class:`TcpProxy`, a byte-forwarding proxy on 127.0.0.1 that
counts connections and can refuse some or cut one after N bytes, so the
same fault tests (server down, connection dropped mid-file) run against
either server. Faults that need the server's help (a refused file, a
hostile name in a listing) are injected in the asyncssh server; with sshd
the test skips visibly where the operating system cannot produce them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import os
import shutil
import socket
import stat
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from adapters.fetch import Claim, Ingested, PendingIngest
from adapters.fetch_ports import RemoteFile
from adapters.settings import PublishSettings, Settings, SourceSettings
from adapters.sftp_server import ChrootedSftp, LocalSftpServer, generate_client_key

SSHD = Path("/usr/sbin/sshd")
WAIT_S = 30.0


class TcpProxy:
    """Forwards 127.0.0.1:port to a target port; can refuse connections or cut one short."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.connections = 0
        self._refuse = 0
        self._cut_after: int | None = None
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._closed = threading.Event()
        self._spawn(self._accept_loop)

    def refuse_next(self, count: int) -> None:
        """Accept and at once close the next ``count`` connections (a server that is down)."""
        with self._lock:
            self._refuse = count

    def cut_next_after(self, nbytes: int) -> None:
        """Drop the next connection after the server has sent ``nbytes``."""
        with self._lock:
            self._cut_after = nbytes

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            for sock in list(self._open):
                _shut(sock)
        for thread in self._threads:
            thread.join(timeout=WAIT_S)
        self._listener.close()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
                refuse, self._refuse = self._refuse > 0, max(self._refuse - 1, 0)
                cut, self._cut_after = self._cut_after, None
            if refuse:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self._target), timeout=WAIT_S)
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            self._spawn(self._pump, client, upstream, None)
            self._spawn(self._pump, upstream, client, cut)

    def _pump(self, source: socket.socket, target: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while data := source.recv(65536):
                if limit is not None and sent + len(data) >= limit:
                    target.sendall(data[: limit - sent])
                    break
                target.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            with self._lock:
                for sock in (source, target):
                    _shut(sock)
                    self._open.discard(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@dataclass
class Faults:
    """Server-side faults the asyncssh server injects."""

    denied: set[str] = field(default_factory=set)
    extra_names: list[str] = field(default_factory=list)


class FaultySftp(ChrootedSftp):
    """The product's chrooted handler, plus refused files and made-up names in listings."""

    faults: Faults = Faults()

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        if os.path.basename(path).decode() in self.faults.denied:
            raise asyncssh.SFTPError(asyncssh.FX_PERMISSION_DENIED, "Permission denied")
        return super().open(path, pflags, attrs)

    async def scandir(self, path: bytes):  # type: ignore[no-untyped-def]
        async for entry in super().scandir(path):
            yield entry
        for name in self.faults.extra_names:
            attrs = asyncssh.SFTPAttrs(permissions=stat.S_IFREG | 0o644, size=5, mtime=int(time.time()))
            yield asyncssh.SFTPName(name.encode(), attrs=attrs)


@dataclass
class ServedInbox:
    """A served directory and how to reach it (through the proxy)."""

    kind: str
    root: Path
    remote_dir: str
    host_key_line: str
    key_file: Path
    username: str
    proxy: TcpProxy
    faults: Faults | None = None

    def source(self, name: str = "bank", **overrides: object) -> SourceSettings:
        values: dict[str, object] = {
            "name": name,
            "host": "127.0.0.1",
            "port": self.proxy.port,
            "username": self.username,
            "key_file": str(self.key_file),
            "host_key": self.host_key_line,
            "remote_dir": self.remote_dir,
            "pattern": "*",
        }
        values.update(overrides)
        return SourceSettings(**values)  # type: ignore[arg-type]

    def outbox(self, province: str, **overrides: object) -> PublishSettings:
        values: dict[str, object] = {
            "province": province,
            "host": "127.0.0.1",
            "port": self.proxy.port,
            "username": self.username,
            "key_file": str(self.key_file),
            "host_key": self.host_key_line,
            "remote_dir": self.remote_dir,
        }
        values.update(overrides)
        return PublishSettings(**values)  # type: ignore[arg-type]

    def deny(self, name: str) -> None:
        """Make the server refuse to open ``name``."""
        if self.faults is not None:
            self.faults.denied.add(name)
        elif os.geteuid() == 0:
            pytest.skip("sshd serves root, who may read every file: no permission error to provoke")
        else:
            (self.root / name).chmod(0)

    def list_made_up_name(self, name: str) -> None:
        """Make the listing include ``name``, which no file system could hold."""
        if self.faults is None:
            pytest.skip("OpenSSH lists only names a file system holds")
        self.faults.extra_names.append(name)


@pytest.fixture(scope="session")
def client_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A client key pair: the private key file and the public key line."""
    private, public = generate_client_key()
    path = tmp_path_factory.mktemp("client-key") / "id_ed25519"
    path.write_text(private)
    path.chmod(0o600)
    return path, public


@pytest.fixture(params=["asyncssh", pytest.param("sshd", marks=pytest.mark.sshd)])
def sftp_inbox(
    request: pytest.FixtureRequest, tmp_path: Path, client_key: tuple[Path, str]
) -> Iterator[ServedInbox]:
    """A served, empty directory, by each kind of real SFTP server in turn."""
    root = tmp_path / "served"
    root.mkdir()
    if request.param == "asyncssh":
        yield from _asyncssh_inbox(root, client_key)
    else:
        yield from _sshd_inbox(root, tmp_path / "sshd", client_key)


def _asyncssh_inbox(root: Path, client_key: tuple[Path, str]) -> Iterator[ServedInbox]:
    faults = Faults()
    handler = type("TestSftp", (FaultySftp,), {"faults": faults})
    with LocalSftpServer(root, authorized_keys=[client_key[1]], sftp_factory=handler) as server:
        proxy = TcpProxy(server.port)
        try:
            yield ServedInbox(
                "asyncssh", root, "/", server.host_key_line, client_key[0], "recon", proxy, faults
            )
        finally:
            proxy.close()


def _sshd_inbox(root: Path, home: Path, client_key: tuple[Path, str]) -> Iterator[ServedInbox]:
    if not SSHD.exists() or shutil.which("ssh-keygen") is None:
        if os.environ.get("RECON_REQUIRE_SSHD") == "1":
            pytest.fail("RECON_REQUIRE_SSHD=1 but OpenSSH's sshd is not installed")
        pytest.skip("OpenSSH's sshd is not installed (CI installs openssh-server)")
    home.mkdir()
    host_key = home / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    (home / "authorized_keys").write_text(client_key[1] + "\n")
    port = _free_port()
    config = home / "sshd_config"
    config.write_text(_sshd_config(home, root, port))
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    try:
        _wait_for_banner(port, process)
        proxy = TcpProxy(port)
        line = " ".join(host_key.with_suffix(".pub").read_text().split()[:2])
        try:
            yield ServedInbox("sshd", root, str(root), line, client_key[0], getpass.getuser(), proxy)
        finally:
            proxy.close()
    finally:
        process.terminate()
        process.wait(timeout=WAIT_S)
        if process.stderr is not None:
            process.stderr.close()


def _sshd_config(home: Path, root: Path, port: int) -> str:
    user = getpass.getuser()
    return "\n".join(
        [
            f"Port {port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {home / 'host_ed25519'}",
            f"PidFile {home / 'sshd.pid'}",
            f"AuthorizedKeysFile {home / 'authorized_keys'}",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password" if user == "root" else "PermitRootLogin no",
            f"AllowUsers {user}",
            "Subsystem sftp internal-sftp",
            f"ForceCommand internal-sftp -d {root}",
            "LogLevel ERROR",
            "",
        ]
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_banner(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"sshd exited with {process.returncode}: {err}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not answer on port {port} within {WAIT_S} s")


class FakeFetchLedger:
    """The fetch ledger in memory, for tests of the transfer layer alone."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def seen(self, source: str, remote: RemoteFile) -> bool:
        key = (source, remote.name, remote.size, remote.mtime)
        return any((r["source"], r["name"], r["size"], r["mtime"]) == key for r in self.rows)

    def claim(self, source: str, remote: RemoteFile, inbox: Path) -> Claim | None:
        if self.seen(source, remote):
            return None
        row_id = max((int(r["id"]) for r in self.rows), default=0) + 1
        path = inbox / str(row_id) / remote.name
        self.rows.append(
            {
                "id": row_id,
                "source": source,
                "name": remote.name,
                "size": remote.size,
                "mtime": remote.mtime,
                "sha256": None,
                "path": path,
                "fetched_at": dt.datetime.now(dt.UTC),
                "status": None,
                "attempts": 0,
            }
        )
        return Claim(row_id, source, remote, path)

    def _row(self, row_id: int) -> dict[str, Any]:
        return next(r for r in self.rows if r["id"] == row_id)

    def complete(self, claim: Claim, sha256: str) -> None:
        self._row(claim.id)["sha256"] = sha256

    def release(self, claim: Claim) -> None:
        self.rows = [r for r in self.rows if not (r["id"] == claim.id and r["sha256"] is None)]

    def unfinished(self, source: str) -> list[Claim]:
        return [
            Claim(r["id"], source, RemoteFile(r["name"], r["size"], r["mtime"]), r["path"])
            for r in self.rows
            if r["source"] == source and r["sha256"] is None
        ]

    def pending(self, source: str) -> list[PendingIngest]:
        return [
            PendingIngest(r["id"], source, r["name"], r["path"], r["sha256"], r["fetched_at"], r["attempts"])
            for r in self.rows
            if r["source"] == source and r["sha256"] is not None and r["status"] is None
        ]

    def ingested_before(self, pending: PendingIngest) -> bool:
        return any(
            r["sha256"] == pending.sha256
            and r["id"] != pending.id
            and r["status"] in ("accepted", "correction", "duplicate")
            for r in self.rows
        )

    def stored_status(self, pending: PendingIngest) -> str | None:
        return None  # no database behind it: nothing is stored but through this ledger

    def mark_ingested(self, pending: PendingIngest, status: str, error: str | None) -> None:
        self._row(pending.id)["status"] = status

    def note_failure(self, pending: PendingIngest, error: str, give_up_after: int) -> bool:
        row = self._row(pending.id)
        row["attempts"] += 1
        if row["attempts"] >= give_up_after:
            row["status"] = "failed"
        return bool(row["attempts"] >= give_up_after)


class RecordingIngest:
    """An ingest step that remembers the bytes it was offered and accepts them."""

    def __init__(self) -> None:
        self.offered: list[tuple[str, str]] = []  # (file name, sha256 of its bytes)

    def __call__(self, paths: Sequence[Path]) -> list[Ingested]:
        for path in paths:
            self.offered.append((path.name, hashlib.sha256(path.read_bytes()).hexdigest()))
        return [Ingested(path=p, status="accepted") for p in paths]


def fetch_parts(settings: Settings, engine: Any) -> tuple[Any, ...]:
    """What :func:`adapters.fetch.fetch_sources` takes before its options, as the bootstrap builds it."""
    from adapters.bootstrap import bootstrap

    parts = bootstrap(settings, engine=engine)
    return parts.sources, parts.inboxes, engine, parts.formats
