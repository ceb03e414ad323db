"""Ingestion: one local file in, recorded once, in one transaction (DESIGN.md §4, §6).

For each file: hash it; the same bytes already stored are a ``duplicate``
and change nothing. Otherwise detect the format, parse, check against the
reference data, then store the file's row and its content in one transaction:

- a gateway file is identified by its gateway and file name (the base name of
  the path, or the name a fetched file had on its server): one with the same
  gateway and name as a current file becomes that file's next version
  (``correction``), whose rows replace the old ones (those it no longer
  carries are withdrawn; the old rows stay, no longer current, and a warning
  counts them); a transaction (gateway, ``txn_id``) that a current file
  already carries is superseded by the new file's row, and a warning says how
  many were carried again and how many changed (:mod:`adapters.db.gateway_identity`);
- a bank file is versioned per statement (``BankStatement.identity``); the file
  is a ``correction`` when any of its statements replaced an older one;
- any :class:`~reconcile.errors.InputError` makes the file ``rejected``: its row
  records the reason and nothing else of it is stored. The same bytes offered
  again are read again (the reason may be gone: a gateway now configured,
  reference data now loaded) and answered with the new verdict; rejected for
  the same reason, they change nothing;
- any other exception while reading or storing the file (a parser's fault, a
  value the database refused) is that file's rejection too, with the
  exception's kind and message as the reason (the traceback goes to the log):
  the file's transaction is rolled back, and the other files of the call go
  on. The database being unreachable or busy is no fault of the file: that
  error propagates, and the file is offered again by the next call;
- a file whose amounts would take a total of what is stored beyond ``int64``
  is rejected (:mod:`adapters.db.headroom`), so that no later run fails on a sum.

No input, however malformed, ends ``recon ingest``, ``recon fetch`` or the
scheduler's fetch job.

Files are stored one at a time, in the order given; while one is stored the
files after it are read (hashed, parsed, checked, nothing written), in order, by
a second thread, as many as fit with it in :data:`READ_AHEAD_BYTES` on disk, so
reading and storing share the machine's cores without holding two large files
in memory. Reading ahead changes no outcome: a file whose bytes one before it
has just stored is found a duplicate in its own transaction. On SQLite, what
each file committed is copied from the WAL into the database by a third thread
(:func:`~adapters.db.engine.background_checkpoints`), and the call returns once
it has been.

Totals (minor units per currency): bank files sum credits and debits of every
entry; gateway files put SUCCESS amounts under ``credit`` and REFUND amounts
under ``debit`` (VND); obligations exports put the sum of ``amount_vnd`` under
``credit`` and 0 under ``debit``. ``statements`` is null for CSV files;
``entries`` is the row count for CSV files, 0 for a rejected file. A file
that cannot be read at all is reported rejected with a null ``sha256`` and,
having no hash, is not recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from adapters.db.engine import background_checkpoints, require_schema, write_transaction
from adapters.db.files import (
    STORED_STATUSES,
    FileFacts,
    StoredFile,
    find_by_sha256,
    lock_ingestion,
    record_file,
)
from adapters.db.headroom import reserve_headroom
from adapters.db.stores import REFRESH_MIN_ROWS, refresh_statistics
from adapters.formats.base import Parser, detect
from adapters.formats.registry import FileFormats
from adapters.ingest_content import check_parsed, store_content, summarise
from adapters.memory import collector_paused, give_back_memory
from reconcile.bounds import CONTROL
from reconcile.errors import InputError
from reconcile.records import Parsed

Totals = Mapping[str, Mapping[str, int]]
logger = logging.getLogger(__name__)
#: How much of an unexpected exception's message a rejection keeps.
_MAX_REASON = 400


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What became of one file: exactly the object ``recon ingest --json`` prints per line."""

    path: str
    sha256: str | None
    format: str | None
    status: str  # accepted | duplicate | correction | rejected
    statements: int | None
    entries: int
    totals: Totals = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    error: str | None = None

    def to_json(self) -> str:
        document = asdict(self)
        document["warnings"] = list(self.warnings)
        document["totals"] = {ccy: dict(sides) for ccy, sides in sorted(self.totals.items())}
        return json.dumps(document, ensure_ascii=False)


#: The files after this one are read (hashed, parsed, checked) while it is stored, as many
#: as fit with it in this many bytes on disk: the reading (Arrow, lxml) and the storing (the
#: database driver) overlap on two cores, and the files read but not yet stored never hold
#: more than so many bytes' worth of memory. A day of ten million payments has gateway
#: files of 160–410 MB: one or two are read while another is stored, and nothing while its
#: 1.5 GB export is, the ingest's peak (a bound of 256 MiB read nothing ahead at that size).
READ_AHEAD_BYTES = 2**30


def ingest_files(
    paths: Sequence[Path],
    formats: FileFormats,
    engine: Engine,
    *,
    on_progress: Callable[[IngestOutcome], None] | None = None,
    names: Sequence[str | None] | None = None,
) -> list[IngestOutcome]:
    """Ingest each file in turn; a rejected file does not stop the others.

    ``names`` gives, per path, the name that identifies the file when it is not the
    path's base name (a fetched file's name on its server). Files are stored, and
    their outcomes reported, in the order given; the files after the one being stored
    are read meanwhile, in order, as many as fit in :data:`READ_AHEAD_BYTES` with it.
    Once the files have stored at least :data:`REFRESH_MIN_ROWS` rows, the database's
    planner statistics are refreshed (:func:`~adapters.db.stores.refresh_statistics`).
    """
    paths = [Path(path) for path in paths]
    sizes = [_size(path) for path in paths]
    outcomes = []
    with (
        background_checkpoints(engine),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="recon-read-ahead") as reader,
    ):
        ahead: deque[Future[_Read]] = deque()  # the reads of paths[index + 1:following], in order
        following = 0
        try:
            for index, path in enumerate(paths):
                with collector_paused():  # the file's records, from their reading until they are freed
                    read = ahead.popleft().result() if ahead else _read(path, formats, engine)
                    following = max(following, index + 1)
                    while following < len(paths) and _fits(sizes[index : following + 1]):
                        ahead.append(reader.submit(_read, paths[following], formats, engine))
                        following += 1
                    outcome = _finish(read, engine, names[index] if names is not None else None)
                    del read
                # what reading this file freed, before the next one (a 10M export frees GBs)
                give_back_memory()
                outcomes.append(outcome)
                if on_progress is not None:
                    on_progress(outcome)
        finally:
            for pending in ahead:  # the call ends early (the database is gone): read no further
                pending.cancel()
    if sum(o.entries for o in outcomes if o.status in STORED_STATUSES) >= REFRESH_MIN_ROWS:
        _refresh_statistics(engine)
    return outcomes


def _refresh_statistics(engine: Engine) -> None:
    """The planner's statistics refreshed for the run that follows; the files are stored
    whatever becomes of it, and autovacuum refreshes them in time if this cannot."""
    try:
        refresh_statistics(engine)
    except Exception:
        logger.warning("the planner's statistics could not be refreshed after the ingest", exc_info=True)


def ingest_file(
    path: Path,
    formats: FileFormats,
    engine: Engine,
    *,
    name: str | None = None,
) -> IngestOutcome:
    """Ingest one file (see the module docstring for what each status means).

    ``name`` is the file's name for its identity and record, by default the path's base name.
    """
    with collector_paused():  # the file's records, from their reading until they are freed
        return _finish(_read(Path(path), formats, engine), engine, name)


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A file parsed and checked, to be stored."""

    path: Path
    sha256: str
    parsed: Parsed
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class _Failed:
    """A file that could not be read or is unacceptable, to be recorded as rejected."""

    path: Path
    sha256: str
    parser: str | None
    reason: InputError


_Read = IngestOutcome | _Parsed | _Failed  # an outcome already: unreadable, or a duplicate


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:  # reading it will say why
        return None


def _fits(sizes: Sequence[int | None]) -> bool:
    """Whether files of these sizes may be in memory together (a file of unknown size is read alone)."""
    known = [size for size in sizes if size is not None]
    return len(known) == len(sizes) and sum(known) <= READ_AHEAD_BYTES


def _read(path: Path, formats: FileFormats, engine: Engine) -> _Read:
    """Hash, detect, parse and check ``path``; writes nothing (any thread may do it)."""
    require_schema(engine)
    try:
        sha256 = file_sha256(path)
    except OSError as exc:
        reason = InputError(f"cannot read the file ({exc.strerror})", source=path.name)
        return IngestOutcome(str(path), None, None, "rejected", None, 0, error=str(reason))
    with engine.connect() as conn:
        stored = find_by_sha256(conn, sha256)
    if stored is not None and stored.status != "rejected":
        return _duplicate(path, stored)
    parser: Parser | None = None
    try:
        parser = detect(path, list(formats.parsers))
        parsed = parser.parse(path)
        with engine.connect() as conn:
            warnings = check_parsed(conn, parsed, formats.gateways, path.name)
    except InputError as exc:
        return _Failed(path, sha256, parser.name if parser else None, exc)
    except Exception as exc:  # one file's fault must not end the call
        if database_unavailable(exc):
            raise
        return _Failed(path, sha256, parser.name if parser else None, _unexpected(path, "read", exc))
    return _Parsed(path, sha256, parsed, warnings)


def _finish(read: _Read, engine: Engine, name: str | None) -> IngestOutcome:
    """The read file's outcome: recorded as rejected, or stored in one transaction."""
    if isinstance(read, IngestOutcome):
        return read
    if isinstance(read, _Failed):
        return _reject(engine, read.path, read.sha256, read.parser, read.reason)
    path, sha256, parsed = read.path, read.sha256, read.parsed
    try:
        return _store(engine, path, sha256, parsed, read.warnings, name or path.name)
    except InputError as exc:
        return _reject(engine, path, sha256, parsed.format, exc)
    except Exception as exc:  # rolled back; the file is rejected
        if database_unavailable(exc):
            raise
        return _reject(engine, path, sha256, parsed.format, _unexpected(path, "store", exc))


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached or is busy, which is no fault of the file.

    Such an error propagates: the file is not recorded as rejected, and is
    offered again by the next call (a fetch leaves it pending in its ledger).
    """
    if isinstance(exc, OperationalError):
        return True
    module = type(exc).__module__
    return module.startswith("psycopg") and type(exc).__name__ in {"OperationalError", "InterfaceError"}


def _unexpected(path: Path, doing: str, exc: Exception) -> InputError:
    """An exception no rule foresaw, as the file's rejection; the traceback goes to the log."""
    logger.error("unexpected error while trying to %s %s", doing, path, exc_info=exc)
    message = " ".join(str(exc).split()) or "no message"
    if len(message) > _MAX_REASON:
        message = message[:_MAX_REASON] + "…"
    return InputError(
        f"could not {doing} the file: unexpected {type(exc).__name__} ({message}); nothing of it was stored",
        source=path.name,
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _duplicate(path: Path, stored: StoredFile) -> IngestOutcome:
    note = f"same bytes as {stored.path}, ingested {stored.ingested_at:%Y-%m-%d %H:%M} UTC; nothing changed"
    return IngestOutcome(
        str(path),
        stored.sha256,
        stored.format,
        "duplicate",
        stored.statements,
        stored.entries or 0,
        stored.totals,
        (note,),
    )


def _reject(
    engine: Engine, path: Path, sha256: str, format_name: str | None, exc: InputError
) -> IngestOutcome:
    error = CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", str(exc.located(source=path.name)))
    facts = FileFacts(sha256=sha256, path=path.name, format=format_name, status="rejected", error=error)
    with write_transaction(engine) as conn:
        lock_ingestion(conn)
        stored = find_by_sha256(conn, sha256)
        if stored is not None and stored.status != "rejected":
            return _duplicate(path, stored)  # another process accepted the same bytes meanwhile
        if stored is None or (stored.error, stored.format) != (error, format_name):
            record_file(conn, facts, replacing=stored.id if stored else None)
    return IngestOutcome(str(path), sha256, format_name, "rejected", None, 0, error=error)


def _store(
    engine: Engine, path: Path, sha256: str, parsed: Parsed, warnings: list[str], name: str
) -> IngestOutcome:
    summary = summarise(parsed)
    with write_transaction(engine) as conn:
        lock_ingestion(conn)
        stored = find_by_sha256(conn, sha256)
        if stored is not None and stored.status != "rejected":
            return _duplicate(path, stored)
        reserve_headroom(conn, parsed, path.name)
        facts = FileFacts(
            sha256=sha256,
            path=name,
            format=parsed.format,
            status="accepted",
            identity=parsed.identity,
            version=1,
            current=True,
            warnings=tuple(warnings),
            statements=summary.statements,
            entries=summary.entries,
            totals=summary.totals,
        )
        status, extra = store_content(conn, facts, parsed, replacing=stored.id if stored else None)
    return IngestOutcome(
        str(path),
        sha256,
        parsed.format,
        status,
        summary.statements,
        summary.entries,
        summary.totals,
        (*warnings, *extra),
    )
