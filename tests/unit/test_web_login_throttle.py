"""The sign-in throttle forgets failures once its window has passed, and a success clears them."""

from __future__ import annotations

from adapters.web.auth import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_older_than_the_window_no_longer_count() -> None:
    clock = Clock()
    throttle = LoginThrottle(limit=3, window_s=60, clock=clock)
    for _ in range(3):
        throttle.failed("an")
    assert throttle.blocked("an")
    assert not throttle.blocked("binh")
    clock.now += 61
    assert not throttle.blocked("an")


def test_a_successful_sign_in_clears_the_names_failures() -> None:
    throttle = LoginThrottle(limit=2, window_s=60, clock=Clock())
    throttle.failed("an")
    throttle.succeeded("an")
    throttle.failed("an")
    assert not throttle.blocked("an")
