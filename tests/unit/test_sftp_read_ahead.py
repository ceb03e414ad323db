"""A read-ahead thread killed by a dropped connection is one log line; other threads are untouched."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from adapters.sftp import quiet_read_ahead_failures


@pytest.fixture
def hooks() -> Iterator[list[str]]:
    seen: list[str] = []
    before = threading.excepthook
    threading.excepthook = lambda args: seen.append(args.thread.name if args.thread else "")
    try:
        quiet_read_ahead_failures()
        quiet_read_ahead_failures()  # a second install does not stack a second hook
        yield seen
    finally:
        threading.excepthook = before


def _die(name: str, error: BaseException) -> None:
    def boom() -> None:
        raise error

    thread = threading.Thread(target=boom, name=name)
    thread.start()
    thread.join()


def test_a_read_ahead_thread_losing_its_connection_is_logged_not_raised(
    hooks: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="adapters.sftp"):
        _die("Thread-7 (_prefetch_thread)", OSError(104, "Connection reset by peer"))
    assert hooks == []
    assert "connection lost" in caplog.text


def test_any_other_thread_failure_reaches_the_previous_hook(hooks: list[str]) -> None:
    _die("Thread-8 (worker)", OSError("disk full"))
    _die("Thread-9 (_prefetch_thread)", ValueError("a bug, not a lost connection"))
    assert hooks == ["Thread-8 (worker)", "Thread-9 (_prefetch_thread)"]
