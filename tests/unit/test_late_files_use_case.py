"""The run use case brings earlier dates up to date when late files touched them (in-memory fakes)."""

from __future__ import annotations

import datetime as dt

from matching_world import D, FakeRunStore, World, found

from reconcile.runs import reconcile_day
from usecases.ports import LateFiles
from usecases.runs import late_reason, rerun_scope, run_day

NEXT = dt.date(2026, 11, 26)


class FakeArrivals:
    """In-memory ``Arrivals``: a file is late for a date whose latest run it follows."""

    def __init__(self, store: FakeRunStore) -> None:
        self.store = store
        self.files: list[tuple[str, tuple[dt.date, ...], frozenset[str]]] = []

    def arrive(self, name: str, *days: dt.date) -> None:
        self.files.append((name, days, frozenset(self.store.runs)))  # the runs that came before it

    def late_files(self, before: dt.date, since: dt.date) -> list[LateFiles]:
        late = []
        for day in sorted({run.business_date for run, _ in self.store.runs.values()}):
            if not since <= day < before:
                continue
            latest = self.store.runs_of_date(day)[0].id
            names = tuple(name for name, days, seen in self.files if day in days and latest in seen)
            if names:
                late.append(LateFiles(day, names))
        return late


def test_a_file_arriving_after_a_dates_run_has_that_date_run_again_first_naming_the_file() -> None:
    world = World()
    world.payment("P1", "T1", 100_000)
    store = FakeRunStore(world)
    arrivals = FakeArrivals(store)
    first = reconcile_day(store, D)
    world.txn("T-LATE", "NO-SUCH-CODE")  # an orphan of D, in a file that came after D's run
    arrivals.arrive("vnpay-late.csv", D)

    done = run_day(store, arrivals, NEXT)

    (caught,) = done.caught_up
    assert caught.summary.id == "2026-11-25-v2"
    assert caught.summary.run.reason == "late files: vnpay-late.csv"
    assert ("ORPHAN_PAYMENT", "T-LATE") in found(store.discrepancies(caught.summary.id))
    assert ("ORPHAN_PAYMENT", "T-LATE") not in found(store.discrepancies(first.id))
    assert done.id == "2026-11-26-v1"
    assert done.lines()[-1] == "late files: 2026-11-25 re-run as 2026-11-25-v2 (vnpay-late.csv)"
    assert caught.as_dict() == {
        "business_date": "2026-11-25",
        "run_id": caught.summary.id,
        "files": ["vnpay-late.csv"],
    }


def test_with_nothing_late_the_run_is_only_the_date_asked_for() -> None:
    world = World()
    world.payment("P1", "T1", 100_000)
    store = FakeRunStore(world)
    arrivals = FakeArrivals(store)
    arrivals.arrive("vnpay-on-time.csv", D)  # before D's run: D's run read it
    reconcile_day(store, D)

    done = run_day(store, arrivals, NEXT)

    assert done.caught_up == ()
    assert done.lines() == done.summary.lines()
    assert [run.version for run in store.runs_of_date(D)] == [1]


def test_a_date_is_caught_up_once_and_later_dates_are_left_alone() -> None:
    world = World()
    world.payment("P1", "T1", 100_000)
    store = FakeRunStore(world)
    arrivals = FakeArrivals(store)
    reconcile_day(store, D)
    arrivals.arrive("late.csv", D)

    assert len(run_day(store, arrivals, NEXT).caught_up) == 1
    assert run_day(store, arrivals, NEXT).caught_up == ()  # the catch-up read it
    arrivals.arrive("late-next.csv", NEXT)
    assert run_day(store, arrivals, D).caught_up == ()  # only earlier dates are caught up


def test_the_catch_up_covers_every_province_or_those_the_dates_runs_covered() -> None:
    world = World()
    world.payment("P1", "T1", 100_000)
    store = FakeRunStore(world)
    scoped = [reconcile_day(store, D, ["79"]).run, reconcile_day(store, D, ["01"]).run]
    assert rerun_scope(scoped) == ("01", "79")
    assert rerun_scope([*scoped, reconcile_day(store, D).run]) == ()


def test_a_long_list_of_late_files_is_cut_short_in_the_reason() -> None:
    names = [f"f{n:02}.csv" for n in range(12)]
    assert late_reason(names) == "late files: " + ", ".join(names[:10]) + " and 2 more"
    assert late_reason(names[:1]) == "late files: f00.csv"
