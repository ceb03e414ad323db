"""The run store's contract, the same tests over every implementation of the port.

:class:`reconcile.ports.RunStore` is implemented in memory for the core's
unit tests (``FakeRunStore``) and in the database (``SqlRunStore``, on SQLite
and on PostgreSQL). Each test here runs on all three, so the fake the unit
tests trust behaves as the real stores do: what a run saved (its record,
its discrepancy rows and its verdict) comes back as it was; the latest run
of a date, and of a province, is the same everywhere; a date without a run
is refused the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from db_fixtures import _fresh_postgres_database
from matching_world import D, FakeRunStore, World, account

from adapters.db.engine import create_engine_for, migrate, write_transaction
from adapters.db.reference import load_reference_data
from adapters.db.runs import SqlRunStore
from reconcile.errors import NoRunError, NotFoundError
from reconcile.matching import MatchResult, reconcile_inputs
from reconcile.ports import RunRecord, RunStore
from reconcile.runs import run_id
from reconcile.verdict import RunVerdict

NEXT = dt.date(2026, 11, 26)
T0 = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(
    params=[
        pytest.param("fake", id="fake"),
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunStore]:
    if request.param == "fake":
        yield FakeRunStore(World())
        return
    if request.param == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'recon.db'}")
        yield _migrated(engine)
        engine.dispose()
        return
    with _fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        engine = create_engine_for(url)
        try:
            yield _migrated(engine)
        finally:
            engine.dispose()


def _migrated(engine) -> SqlRunStore:  # type: ignore[no-untyped-def]
    migrate(engine)
    with write_transaction(engine) as conn:
        load_reference_data(conn)
    return SqlRunStore(engine)


def _result() -> MatchResult:
    """A day with a clean batch, a short one, a missing one and an unexplained credit."""
    world = World()
    world.payment("P1", "T1", 300_000, batch_id="B-OK")
    world.payment("P2", "T2", 200_000, batch_id="B-SHORT")
    world.payment("P3", "T3", 100_000, province_code="79", batch_id="B-NONE")
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id="B-OK")
    world.entry(150_000, account("01"), NEXT, "BANK2", end_to_end_id="B-SHORT")
    world.entry(99_000, account("01"), D, "BANK3")
    world.bank_covered[account("79")] = NEXT
    return reconcile_inputs(world.inputs(D))


def _record(version: int, provinces: tuple[str, ...] = (), minutes: int = 0) -> RunRecord:
    return RunRecord(
        id=run_id(D, provinces, version),
        business_date=D,
        provinces=provinces,
        version=version,
        status="completed",
        reason=None if version == 1 else "again",
        started_at=T0 + dt.timedelta(minutes=minutes),
        finished_at=T0 + dt.timedelta(minutes=minutes, seconds=30),
        counts={"discrepancies": 3},
        fingerprint="f" * 64,
    )


def test_a_saved_run_comes_back_with_its_rows_and_verdict_as_the_core_made_them(store: RunStore) -> None:
    result = _result()
    run = _record(1)
    store.save_run(run, result.discrepancies, result.verdict)
    assert store.get_run(run.id) == run
    assert store.discrepancies(run.id).equals(result.discrepancies)
    verdict = store.verdict(run.id)
    assert verdict.batches.equals(result.verdict.batches)
    assert verdict.credits.equals(result.verdict.credits)
    statuses = {row["batch_id"]: row["status"] for row in verdict.batches.to_pylist()}
    assert statuses == {"B-OK": "matched", "B-SHORT": "mismatch", "B-NONE": "missing"}


def test_a_run_saved_without_a_verdict_has_an_empty_one(store: RunStore) -> None:
    run = _record(1)
    store.save_run(run, _result().discrepancies)
    assert store.verdict(run.id).batches.num_rows == 0
    assert store.verdict(run.id).credits.num_rows == 0


def test_versions_count_per_date_and_scope(store: RunStore) -> None:
    assert store.next_version(D, ()) == 1
    store.save_run(_record(1), _result().discrepancies, RunVerdict())
    assert store.next_version(D, ()) == 2
    assert store.next_version(D, ("79",)) == 1


def test_the_latest_run_of_a_date_and_of_a_province(store: RunStore) -> None:
    result = _result()
    national, scoped = _record(1), _record(1, ("79",), minutes=5)
    store.save_run(national, result.discrepancies, result.verdict)
    store.save_run(scoped, result.discrepancies, result.verdict)
    assert store.latest_run(D) == scoped
    assert store.runs_of_date(D) == [scoped, national]
    assert store.runs_of_date(NEXT) == []
    assert store.latest_run_covering(D, "79") == scoped
    assert store.latest_run_covering(D, "01") == national


def test_a_date_or_run_that_does_not_exist_is_refused(store: RunStore) -> None:
    with pytest.raises(NoRunError, match="no run of 2026-11-25"):
        store.latest_run(D)
    with pytest.raises(NoRunError, match="covering province 01"):
        store.latest_run_covering(D, "01")
    store.save_run(_record(1, ("79",)), _result().discrepancies)
    with pytest.raises(NoRunError):
        store.latest_run_covering(D, "01")
    with pytest.raises(NotFoundError):
        store.get_run("2026-11-25-v9")
    with pytest.raises(NotFoundError):
        store.verdict("2026-11-25-v9")
