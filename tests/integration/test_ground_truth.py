"""Generated national days, ingested and reconciled: every injected problem found, nothing else.

The generator (:mod:`fixtures.generator`) labels each problem it injects with
its category and key (DESIGN.md §5). A run of the day must report exactly
that set: recall and precision both 1.0, on several seeds and on days whose
settlement window crosses a weekend, a holiday or Tết.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.bootstrap import file_formats, gateway_terms
from adapters.db.runs import SqlRunStore
from adapters.ingest import ingest_files
from adapters.settings import load_settings
from fixtures.generator import generate_world
from reconcile.runs import item_key, reconcile_day

DAYS = [
    pytest.param(11, dt.date(2026, 11, 25), id="wednesday"),
    pytest.param(12, dt.date(2026, 11, 27), id="friday-window-over-the-weekend"),
    pytest.param(13, dt.date(2026, 11, 28), id="saturday"),
    pytest.param(14, dt.date(2026, 12, 31), id="before-new-year-holiday"),
    pytest.param(15, dt.date(2026, 2, 13), id="before-tet"),
    pytest.param(16, dt.date(2025, 12, 31), id="online-discounts-end-before-new-year"),
]


def reported(engine: Engine, world_dir: Path, seed: int, day: dt.date, n: int) -> tuple[set[str], set[str]]:
    world = generate_world(world_dir, business_date=day, n_payments=n, seed=seed)
    settings = load_settings(world.config)
    outcomes = ingest_files(list(world.input_files), file_formats(settings), engine)
    assert [o.error for o in outcomes if o.error] == []
    store = SqlRunStore(engine, gateway_terms(settings))
    summary = reconcile_day(store, world.business_date)
    found = {item_key(row) for row in store.discrepancies(summary.id).to_pylist()}
    truth = {f"{category}:{key}" for category, key in world.ground_truth}
    return found, truth


def assert_exact(found: set[str], truth: set[str], *, business_day: bool = True) -> None:
    """``business_day``: a stray credit belongs to its booking date, and banks book none on a weekend."""
    assert len(truth) >= 14
    required = {"MISSING_BANK_CREDIT", "UNEXPECTED_BANK_CREDIT"} if business_day else {"MISSING_BANK_CREDIT"}
    assert {key.split(":")[0] for key in truth} >= required
    assert sorted(truth - found) == [], "missed (recall < 1)"
    assert sorted(found - truth) == [], "reported but not injected (precision < 1)"


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "day"), DAYS)
def test_a_generated_day_reports_exactly_its_injected_problems(
    seed: int, day: dt.date, migrated_sqlite_engine: Engine, tmp_path: Path
) -> None:
    # the days here are business days but the Saturday (no holiday among them)
    assert_exact(
        *reported(migrated_sqlite_engine, tmp_path / "world", seed, day, n=1_500),
        business_day=day.weekday() < 5,
    )


@pytest.mark.slow
def test_a_generated_day_on_each_database_reports_exactly_its_injected_problems(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    assert_exact(*reported(migrated_engine, tmp_path / "world", 31, dt.date(2026, 11, 26), n=1_000))


@pytest.mark.slow
def test_a_generated_day_without_problems_reports_nothing(
    migrated_sqlite_engine: Engine, tmp_path: Path
) -> None:
    day = dt.date(2026, 11, 25)
    world = generate_world(tmp_path / "world", business_date=day, n_payments=800, seed=21, problems=False)
    settings = load_settings(world.config)
    ingest_files(list(world.input_files), file_formats(settings), migrated_sqlite_engine)
    store = SqlRunStore(migrated_sqlite_engine, gateway_terms(settings))
    summary = reconcile_day(store, day)
    assert world.ground_truth == ()
    assert store.discrepancies(summary.id).to_pylist() == []
