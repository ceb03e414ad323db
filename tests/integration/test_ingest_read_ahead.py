"""Reading the next file while this one is stored: overlapped, bounded, and the same outcomes."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from db_ingest_files import GATEWAY_HEADER, OBLIGATION_HEADER, obligation, txn, write_csv
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from adapters import ingest
from adapters.bootstrap import file_formats
from adapters.db import schema
from adapters.ingest import ingest_file, ingest_files
from adapters.settings import GatewaySettings, Settings

FORMATS = file_formats(Settings(gateways={"vnpay": GatewaySettings(name="vnpay")}))


@pytest.fixture
def day(tmp_path: Path) -> list[Path]:
    """An export, two gateway files, a file of no known format, a copy of the first gateway
    file, and a path that does not exist."""
    folder = tmp_path / "in"
    folder.mkdir()
    export = write_csv(
        folder / "obligations.csv", OBLIGATION_HEADER, [obligation("HS-1", 150000), obligation("HS-2", 90000)]
    )
    first = write_csv(folder / "vnpay-1.csv", GATEWAY_HEADER, [txn("T1", "HS-1", 150000)])
    second = write_csv(folder / "vnpay-2.csv", GATEWAY_HEADER, [txn("T2", "HS-2", 90000)])
    junk = folder / "notes.txt"
    junk.write_text("not a statement, an export or a settlement\n", encoding="utf-8")
    copy = folder / "vnpay-1-again.csv"
    copy.write_bytes(first.read_bytes())
    return [export, first, second, junk, copy, folder / "missing.csv"]


def essence(outcome: ingest.IngestOutcome) -> tuple[Any, ...]:
    """What must not depend on reading ahead (a duplicate's note names a time of day)."""
    return (outcome.path, outcome.sha256, outcome.format, outcome.status, outcome.entries, outcome.error)


def stored_files(engine: Engine) -> list[tuple[Any, ...]]:
    f = schema.files.c
    with engine.connect() as conn:
        rows = conn.execute(select(f.path, f.status, f.sha256).order_by(f.id)).all()
    return [tuple(row) for row in rows]


def test_a_day_read_ahead_ends_as_its_files_ingested_one_at_a_time(
    migrated_engine: Engine, migrated_sqlite_engine: Engine, day: list[Path]
) -> None:
    reported: list[str] = []

    ahead = ingest_files(day, FORMATS, migrated_engine, on_progress=lambda o: reported.append(o.path))
    one_by_one = [ingest_file(path, FORMATS, migrated_sqlite_engine) for path in day]

    statuses = ["accepted", "accepted", "accepted", "rejected", "duplicate", "rejected"]
    assert [o.status for o in ahead] == statuses
    assert [essence(o) for o in ahead] == [essence(o) for o in one_by_one]
    assert reported == [str(path) for path in day]  # progress in the order given
    assert stored_files(migrated_engine) == stored_files(migrated_sqlite_engine)


def test_the_next_file_is_read_while_this_one_is_stored(
    migrated_engine: Engine, day: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    export, first = day[0], day[1]
    first_read = threading.Event()
    read_during_store: list[bool] = []
    real_read, real_store = ingest._read, ingest._store

    def read(path: Path, *args: Any) -> Any:
        result = real_read(path, *args)
        if path == first:
            first_read.set()
        return result

    def store(engine: Engine, path: Path, *args: Any) -> Any:
        if path == export:  # hold the export's transaction open until the next file has been read
            read_during_store.append(first_read.wait(timeout=30))
        return real_store(engine, path, *args)

    monkeypatch.setattr(ingest, "_read", read)
    monkeypatch.setattr(ingest, "_store", store)

    outcomes = ingest_files([export, first], FORMATS, migrated_engine)

    assert read_during_store == [True]
    assert [o.status for o in outcomes] == ["accepted", "accepted"]


@pytest.mark.parametrize(("limit", "ahead"), [(ingest.READ_AHEAD_BYTES, True), (1, False)])
def test_files_too_large_together_are_read_one_after_the_other(
    migrated_engine: Engine, day: list[Path], monkeypatch: pytest.MonkeyPatch, limit: int, ahead: bool
) -> None:
    monkeypatch.setattr(ingest, "READ_AHEAD_BYTES", limit)
    readers: list[str] = []
    real_read = ingest._read

    def read(path: Path, *args: Any) -> Any:
        readers.append(threading.current_thread().name)
        return real_read(path, *args)

    monkeypatch.setattr(ingest, "_read", read)

    ingest_files(day[:3], FORMATS, migrated_engine)

    main = threading.main_thread().name
    assert readers[0] == main
    assert all((name != main) == ahead for name in readers[1:])
    assert len(readers) == 3


def test_the_files_after_this_one_are_read_while_it_is_stored(
    migrated_engine: Engine, day: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    export, first, second = day[:3]
    both_read = threading.Barrier(2, timeout=30)  # the export's store and the read of `second`
    met: list[bool] = []
    real_read, real_store = ingest._read, ingest._store

    def read(path: Path, *args: Any) -> Any:
        result = real_read(path, *args)
        if path == second:
            both_read.wait()
        return result

    def store(engine: Engine, path: Path, *args: Any) -> Any:
        if path == export:  # the export's transaction stays open until two files after it are read
            both_read.wait()
            met.append(True)
        return real_store(engine, path, *args)

    monkeypatch.setattr(ingest, "_read", read)
    monkeypatch.setattr(ingest, "_store", store)

    outcomes = ingest_files([export, first, second], FORMATS, migrated_engine)

    assert met == [True]
    assert [o.status for o in outcomes] == ["accepted"] * 3


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """("read", name) as each file's reading begins and ("stored", name) as its storing ends."""
    recorded: list[tuple[str, str]] = []
    real_read, real_store = ingest._read, ingest._store

    def read(path: Path, *args: Any) -> Any:
        recorded.append(("read", path.name))
        return real_read(path, *args)

    def store(engine: Engine, path: Path, *args: Any) -> Any:
        try:
            return real_store(engine, path, *args)
        finally:
            recorded.append(("stored", path.name))

    monkeypatch.setattr(ingest, "_read", read)
    monkeypatch.setattr(ingest, "_store", store)
    return recorded


def test_no_more_is_read_ahead_than_fits_with_the_file_being_stored(
    migrated_engine: Engine, day: list[Path], monkeypatch: pytest.MonkeyPatch, events: list[tuple[str, str]]
) -> None:
    export, first, second = day[:3]
    size = {path: path.stat().st_size for path in (export, first, second)}
    monkeypatch.setattr(ingest, "READ_AHEAD_BYTES", size[export] + size[first] + size[second] - 1)

    outcomes = ingest_files([export, first, second], FORMATS, migrated_engine)

    assert [o.status for o in outcomes] == ["accepted"] * 3
    # `second` does not fit with the export and `first`: it is read once the export is stored
    assert events.index(("stored", export.name)) < events.index(("read", second.name))
    assert sorted(name for kind, name in events if kind == "read") == sorted(
        path.name for path in (export, first, second)
    )


def test_a_ten_million_day_reads_a_gateway_file_while_another_is_stored_not_while_its_export_is(
    migrated_engine: Engine, day: list[Path], monkeypatch: pytest.MonkeyPatch, events: list[tuple[str, str]]
) -> None:
    export, first, second = day[:3]
    third = write_csv(day[0].parent / "vnpay-3.csv", GATEWAY_HEADER, [txn("T3", "HS-2", 90000)])
    mb = 10**6  # the sizes of the generated day of ten million payments, on disk
    on_disk = {export: 1_560 * mb, first: 407 * mb, second: 265 * mb, third: 160 * mb}
    monkeypatch.setattr(ingest, "_size", on_disk.get)
    third_read = threading.Event()
    third_read_during_store: list[bool] = []
    recorded_read, recorded_store = ingest._read, ingest._store

    def read(path: Path, *args: Any) -> Any:
        if path == third:
            third_read.set()
        return recorded_read(path, *args)

    def store(engine: Engine, path: Path, *args: Any) -> Any:
        if path == first:  # hold the store of `first` open until the second file after it is read
            third_read_during_store.append(third_read.wait(timeout=30))
        return recorded_store(engine, path, *args)

    monkeypatch.setattr(ingest, "_read", read)
    monkeypatch.setattr(ingest, "_store", store)

    outcomes = ingest_files([export, first, second, third], FORMATS, migrated_engine)

    assert [o.status for o in outcomes] == ["accepted"] * 4
    # nothing is read beside the export, the ingest's largest piece of memory
    assert events.index(("stored", export.name)) < events.index(("read", first.name))
    # the two after `first` are read while it is stored
    assert third_read_during_store == [True]
    assert events.index(("read", second.name)) < events.index(("read", third.name))


def test_a_call_that_ends_early_reads_none_of_the_files_it_had_queued(
    migrated_engine: Engine, day: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    export, first = day[0], day[1]
    queued = len(day) - 2  # after `first`, which is being read when the call ends
    cancelled = threading.Semaphore(0)
    read_paths: list[Path] = []
    real_read, real_cancel = ingest._read, Future.cancel

    def read(path: Path, *args: Any) -> Any:
        read_paths.append(path)
        if path == first:  # still being read while the call gives up on the rest
            for _ in range(queued):
                assert cancelled.acquire(timeout=30)
        return real_read(path, *args)

    def store(engine: Engine, path: Path, *args: Any) -> Any:
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    def cancel(future: Future[Any]) -> bool:
        done = real_cancel(future)
        if done:
            cancelled.release()
        return done

    monkeypatch.setattr(ingest, "_read", read)
    monkeypatch.setattr(ingest, "_store", store)
    monkeypatch.setattr(Future, "cancel", cancel)

    with pytest.raises(OperationalError):
        ingest_files(day, FORMATS, migrated_engine)

    assert read_paths == [export, first]
