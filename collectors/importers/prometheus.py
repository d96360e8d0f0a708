"""Pulling raw history out of a running Prometheus over its HTTP API.

Raw samples, not resampled steps: each request is an instant query for a range
vector (``selector[slice]`` evaluated at the slice's end), which returns every
stored sample in the slice with its own timestamp, exactly what a
``query_range`` with a step would lose. The time span is cut into slices so one
response stays a manageable size; slices are half-open (start, end] so a sample
on a boundary is fetched once whatever the server's range semantics (Prometheus
2 includes the left edge, 3 excludes it). The first slice also takes ``start``.

The HTTP client is injected (anything with ``custom_query``), so tests and other
callers need not use ``prometheus-api-client``; ``connect`` builds that one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine

from collectors.importers.batches import DEFAULT_BATCH_SIZE, BatchWriter, ImportStats, Progress
from promql.durations import parse_duration
from promql.errors import PromQLError
from promql.labels import Labels, make_labels
from promql.parser import parse_metric_selector
from store.samples import Sample
from store.series import SeriesIndex

DEFAULT_STEP_SECONDS = 15.0
SAMPLES_PER_SERIES_PER_QUERY = 720
"""Slices default to this many scrape intervals (``--step``): 3h at 15s."""


class QueryClient(Protocol):
    """The part of ``prometheus_api_client.PrometheusConnect`` the importer uses."""

    def custom_query(self, query: str, params: dict[str, Any] | None = None) -> Any: ...


class PrometheusImportError(RuntimeError):
    """A selector the server rejected or a response that is not a range vector."""


def connect(url: str, *, timeout_seconds: int = 120) -> QueryClient:
    """A ``PrometheusConnect`` for ``url`` (imported here: only this path needs it)."""
    from prometheus_api_client import PrometheusConnect

    client: QueryClient = PrometheusConnect(url=url, timeout=timeout_seconds)
    return client


def parse_time(text: str, now: float | None = None) -> float:
    """Unix seconds from ``now``, a duration before now (``6h``), unix seconds or RFC 3339."""
    current = time.time() if now is None else now
    if text == "now":
        return current
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return current - parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use now, a duration ago (6h), unix seconds or RFC 3339"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone (add Z or +00:00)")
    return moment.timestamp()


def default_slice_ms(step_seconds: float) -> int:
    return max(1000, int(step_seconds * 1000) * SAMPLES_PER_SERIES_PER_QUERY)


def time_slices(start_ms: int, end_ms: int, slice_ms: int) -> Iterator[tuple[int, int]]:
    """Consecutive (low, high] slices covering [start_ms, end_ms], oldest first."""
    if slice_ms < 1:
        raise ValueError("the slice must be at least 1ms")
    low = start_ms
    while low < end_ms:
        high = min(low + slice_ms, end_ms)
        yield low, high
        low = high


def import_prometheus(
    client: QueryClient,
    selectors: Sequence[str],
    start_ms: int,
    end_ms: int,
    engine: Engine | None,
    index: SeriesIndex,
    progress: Progress | None = None,
    *,
    slice_ms: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportStats:
    """Copy every raw sample of the series matching ``selectors`` in [start_ms, end_ms].

    A series matched by several selectors is written once. Native histogram
    samples are counted in ``skipped``: the store holds floats only.
    """
    if not selectors:
        raise ValueError("at least one selector is needed")
    if end_ms < start_ms:
        raise ValueError("the end is before the start")
    for selector in selectors:
        try:
            parse_metric_selector(selector)  # a PromQL error here beats an HTTP 400 later
        except PromQLError as error:
            raise ValueError(f"{selector!r} is not a series selector: {error}") from None
    writer = BatchWriter(engine, index, batch_size=batch_size, progress=progress)
    span = slice_ms or default_slice_ms(DEFAULT_STEP_SECONDS)
    writer.add(fetch_samples(client, selectors, start_ms, end_ms, span, writer.stats))
    return writer.flush()


def fetch_samples(
    client: QueryClient,
    selectors: Sequence[str],
    start_ms: int,
    end_ms: int,
    slice_ms: int,
    stats: ImportStats,
) -> Iterator[Sample]:
    """The raw samples in [start_ms, end_ms], slice by slice; skips go to ``stats``."""
    for low, high in time_slices(start_ms, max(end_ms, start_ms + 1), slice_ms):
        seen: set[Labels] = set()
        first = low == start_ms
        for selector in selectors:
            result = _query(client, f"{selector}[{high - low}ms]", high)
            yield from _samples(result, low, min(high, end_ms), first, seen, stats)


def _query(client: QueryClient, query: str, at_ms: int) -> list[dict[str, Any]]:
    try:
        result = client.custom_query(query=query, params={"time": f"{at_ms / 1000:.3f}"})
    except Exception as error:  # the client raises its own and requests' exceptions
        raise PrometheusImportError(f"{query}: {error}") from error
    if not isinstance(result, list):
        raise PrometheusImportError(f"{query}: expected a range vector, got {type(result)}")
    return result


def _samples(
    result: list[dict[str, Any]],
    low: int,
    high: int,
    include_low: bool,
    seen: set[Labels],
    stats: ImportStats,
) -> Iterator[Sample]:
    for series in result:
        labels = make_labels(series["metric"])
        if labels in seen:
            continue
        seen.add(labels)
        stats.skipped += len(series.get("histograms", ()))
        for stamp, text in series.get("values", ()):
            ts = round(float(stamp) * 1000)
            if (low < ts or (include_low and ts == low)) and ts <= high:
                yield labels, ts, float(text)  # "NaN", "+Inf" parse too
