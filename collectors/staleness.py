"""Which series went stale and which are new, from one scrape to the next.

Pure functions over the set of series a target exposed last time: the scrape
loop keeps a ``ScrapeLoopState`` per target and writes the staleness markers
these functions return, as Prometheus does, so a vanished series stops showing
in queries at once. Series exposed with their own timestamps are not tracked
(Prometheus does not mark those stale either).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from promql.labels import Labels
from promql.staleness import STALE_NAN
from store.samples import Sample

StoredSample = Sample
"""Labels, timestamp in milliseconds, value: what a scrape hands to storage."""


@dataclass(frozen=True)
class ScrapeLoopState:
    """What one target's scrape loop remembers between scrapes."""

    series: frozenset[Labels] = frozenset()


@dataclass(frozen=True)
class SeriesChange:
    state: ScrapeLoopState
    """The state for the next scrape."""
    stale: tuple[Labels, ...]
    """Series of the previous scrape that are gone (all of them when the target is down)."""
    added: int
    """Series of this scrape that the previous one did not have (scrape_series_added)."""


def track_series(state: ScrapeLoopState, current: frozenset[Labels] | None) -> SeriesChange:
    """Compare this scrape's series with the previous ones; ``None`` means the scrape failed."""
    if current is None:
        return SeriesChange(ScrapeLoopState(), tuple(sorted(state.series)), 0)
    stale = tuple(sorted(state.series - current))
    added = len(current - state.series)
    return SeriesChange(ScrapeLoopState(current), stale, added)


def stale_markers(series: Iterable[Labels], timestamp_ms: int) -> list[StoredSample]:
    return [(labels, timestamp_ms, STALE_NAN) for labels in series]
