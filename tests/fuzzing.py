"""What every fuzz test shares: hypothesis profiles and a per-example time budget.

``make test`` runs the short ``default`` profile; ``make fuzz`` sets
``HYPOTHESIS_PROFILE=fuzz`` for a long run. Hypothesis's own deadline is off
(2 shared cores make timings noisy); instead each example gets a generous
wall-clock budget enforced with ``SIGALRM``, so a hang fails the test with the
input that caused it instead of stalling the suite.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

from hypothesis import HealthCheck, settings

T = TypeVar("T")

EXAMPLE_BUDGET_SECONDS = 5
"""Far above what any parser needs for inputs of this size: exceeding it is a hang."""

settings.register_profile(
    "default",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


class Hang(AssertionError):
    """An example ran past its time budget."""


@contextmanager
def time_budget(seconds: int = EXAMPLE_BUDGET_SECONDS) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no result after {seconds} s: the input makes the code hang")

    previous = signal.signal(signal.SIGALRM, expire)
    started = time.monotonic()
    pending = signal.alarm(seconds)  # pytest-timeout's own alarm, if one is set
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        if pending:
            signal.alarm(max(1, pending - int(time.monotonic() - started)))


def within_budget(call: Callable[[], T]) -> T:
    with time_budget():
        return call()
