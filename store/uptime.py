"""Uptime of a health check, computed from its history of status changes.

The history (``health_check_events``) is what the ratio is built from, not the
``probe_success`` samples: it honours ``retries`` (one lost probe is not
downtime), it is kept when samples age out of retention, and a 30-day window
reads a handful of rows instead of 260,000 samples. Time before a check's
first result counts as neither up nor down.
"""

from __future__ import annotations

from collections.abc import Sequence

from store.checks import CheckEvent

UP = "up"
DOWN = "down"
UPTIME_WINDOWS = {"24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0}


def uptime_ratio(events: Sequence[CheckEvent], start: float, end: float) -> float | None:
    """Fraction of ``[start, end]`` spent up, of the time the status was known (None: never).

    ``events`` are oldest first and include the last change before ``start``.
    """
    up = known = 0.0
    for index, current in enumerate(events):
        segment_end = events[index + 1].at if index + 1 < len(events) else end
        low, high = max(current.at, start), min(segment_end, end)
        if high <= low or current.status not in (UP, DOWN):
            continue
        known += high - low
        if current.status == UP:
            up += high - low
    return up / known if known > 0 else None
