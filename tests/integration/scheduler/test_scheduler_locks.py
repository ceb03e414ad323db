"""Job locks in the database: many racers, one winner, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from adapters.db.engine import create_engine_for, migrate
from adapters.db.jobs import acquire_lock, release_lock

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def engines(database_url: str) -> Iterator[list[Engine]]:
    """Eight engines on one database, as eight scheduler processes would have."""
    made = [create_engine_for(database_url) for _ in range(8)]
    migrate(made[0])
    try:
        yield made
    finally:
        for engine in made:
            engine.dispose()


def race(engines: list[Engine], name: str) -> list[str]:
    """Every engine tries to take ``name`` at the same moment; returns the winners."""
    start = threading.Barrier(len(engines))
    winners: list[str] = []

    def contend(index: int) -> None:
        start.wait()
        if acquire_lock(engines[index], name, f"holder-{index}", HOUR):
            winners.append(f"holder-{index}")

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return winners


def test_of_many_processes_racing_for_a_lock_exactly_one_wins(engines: list[Engine]) -> None:
    name = f"daily_run-{os.getpid()}-{id(engines)}"
    assert len(race(engines, name)) == 1
    assert race(engines, name) == []  # held: nobody else gets it


def test_an_expired_lock_is_taken_over_by_exactly_one_process(engines: list[Engine]) -> None:
    name = f"fetch:bank-{os.getpid()}-{id(engines)}"
    assert acquire_lock(engines[0], name, "crashed", -HOUR)  # a holder that died long ago

    assert len(race(engines, name)) == 1


def test_a_lock_is_released_only_by_its_holder(engines: list[Engine]) -> None:
    name = f"publish-{os.getpid()}-{id(engines)}"
    assert acquire_lock(engines[0], name, "owner", HOUR)

    release_lock(engines[1], name, "someone else")
    assert not acquire_lock(engines[1], name, "someone else", HOUR)

    release_lock(engines[0], name, "owner")
    assert acquire_lock(engines[1], name, "someone else", HOUR)
