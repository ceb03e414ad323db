"""The cyclic garbage collector held off while a file's records are built, and given back as it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.formats.registry import Bounded
from adapters.memory import collector_paused
from reconcile.records import Parsed


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_turns_it_back_on() -> None:
    with pytest.raises(ValueError, match="bad file"), collector_paused():
        raise ValueError("bad file")
    assert gc.isenabled()


def test_a_collector_the_application_turned_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nested_pauses_end_with_the_outermost() -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_pauses_overlapping_in_two_threads_end_when_the_last_one_does() -> None:
    """The reader thread's pause ends first: the storing thread's must not find the collector on."""
    inside, reader_done, seen = threading.Event(), threading.Event(), []

    def reader() -> None:
        with collector_paused():
            inside.set()
            reader_done.wait(5)

    thread = threading.Thread(target=reader)
    thread.start()
    assert inside.wait(5)
    with collector_paused():
        reader_done.set()
        thread.join(5)
        seen.append(gc.isenabled())  # the reader has left; this thread is still inside
    assert seen == [False]
    assert gc.isenabled()


def test_a_parser_runs_with_the_collector_off_and_returns_it_on(tmp_path: Path) -> None:
    seen: list[bool] = []

    class Recording:
        name = "recording"

        def parse(self, path: Path) -> Parsed:
            seen.append(gc.isenabled())
            return Parsed(format="recording")

    Bounded(Recording()).parse(tmp_path / "statement.xml")

    assert seen == [False]
    assert gc.isenabled()
