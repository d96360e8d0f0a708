"""Scrape one target: fetch, parse, label (target labels, metric relabelling), add report samples.

Everything here is a function of its inputs: HTTP comes in as a ``Fetcher``
and time as ``now`` and ``clock``, so the scheduler that calls it decides on
threads and timing, and tests can drive it. A failed scrape is a result with
``up`` 0 and an error, never an exception; like Prometheus, a scrape over a
limit (``sample_limit``, ``label_limit``, ...) stores none of its samples.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Protocol

import requests

from collectors.exposition import (
    ExpositionError,
    MetricMetadata,
    SampleLimitExceeded,
    format_of,
    parse_exposition,
)
from collectors.http_config import HttpClientConfig
from collectors.httpclient import auth_headers, client_session
from collectors.httpfetch import Clock, FetchError, HttpResponse, http_request
from collectors.scrape_cache import SeriesCaches, target_labeller
from collectors.staleness import ScrapeLoopState, StoredSample, stale_markers, track_series
from collectors.target_labels import SeriesRejected
from collectors.targets import Target
from promql.labels import METRIC_NAME, Labels

# The formats Prometheus proposes, OpenMetrics first; legacy (escaped) names only,
# as Vigil's label sets do not take UTF-8 metric names.
ACCEPT_HEADER = ",".join(
    (
        "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6",
        "application/openmetrics-text;version=0.0.1;q=0.5",
        "text/plain;version=1.0.0;escaping=underscores;q=0.4",
        "text/plain;version=0.0.4;q=0.3",
        "*/*;q=0.2",
    )
)
USER_AGENT = "Vigil/0.1"
SAMPLE_LIMIT_EXCEEDED = "sample limit exceeded"
REPORT_METRICS = (
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
)


class Fetcher(Protocol):
    """Injected HTTP: return the response (any status) or raise FetchError."""

    def __call__(
        self, url: str, *, headers: Mapping[str, str], timeout: float, max_bytes: int
    ) -> HttpResponse: ...


class RequestsFetcher:
    """The production Fetcher: ``requests`` with a total deadline, a size cap, auth and TLS."""

    def __init__(
        self,
        session: requests.Session | None = None,
        clock: Clock = time.monotonic,
        *,
        client: HttpClientConfig | None = None,
    ):
        self._session = session or client_session(client)
        self._clock = clock
        self._client = client

    def __call__(
        self, url: str, *, headers: Mapping[str, str], timeout: float, max_bytes: int
    ) -> HttpResponse:
        auth = auth_headers(self._client)
        return http_request(
            self._session,
            url,
            timeout=timeout,
            max_bytes=max_bytes,
            headers={**headers, **auth} if auth else headers,
            allow_redirects=self._client.follow_redirects if self._client else True,
            clock=self._clock,
        )

    def close(self) -> None:
        self._session.close()


@dataclass(frozen=True)
class ScrapeResult:
    target: Target
    timestamp_ms: int
    samples: list[StoredSample]
    """Exposed samples with the target labels, then the report samples (``up``, ...)."""
    stale_markers: list[StoredSample]
    error: str | None
    duration_seconds: float
    metadata: dict[str, MetricMetadata] = field(default_factory=dict)
    state: ScrapeLoopState = field(default_factory=ScrapeLoopState)
    """Pass it to the next scrape of this target."""

    @property
    def up(self) -> bool:
        return self.error is None


def scrape_target(
    target: Target,
    fetch: Fetcher,
    now: float,
    state: ScrapeLoopState | None = None,
    *,
    cache: SeriesCaches | None = None,
    clock: Clock = time.monotonic,
) -> ScrapeResult:
    """Scrape once at wall time ``now`` (seconds), the timestamp of every sample."""
    previous = state or ScrapeLoopState()
    timestamp_ms = int(now * 1000)
    start = clock()
    try:
        response = fetch(
            target.url,
            headers=scrape_headers(target),
            timeout=target.scrape_timeout,
            max_bytes=target.body_size_limit,
        )
        error = _status_error(response)
    except FetchError as failure:
        response, error = None, str(failure)
    duration = clock() - start
    samples: list[StoredSample] = []
    metadata: dict[str, MetricMetadata] = {}
    current: frozenset[Labels] | None = None
    scraped = kept = 0
    if response is not None and error is None:
        try:
            samples, current, metadata, scraped, kept = _parse(
                target, response, timestamp_ms, cache
            )
        except (ExpositionError, SeriesRejected) as failure:
            error = str(failure)
        except SampleLimitExceeded as failure:
            error, scraped, kept = SAMPLE_LIMIT_EXCEEDED, failure.read, failure.read
        except UnicodeDecodeError as failure:
            error = f"the body is not UTF-8 text (at byte offset {failure.start})"
        limit = target.limits.sample_limit
        if error is None and limit and len(samples) > limit:
            error = SAMPLE_LIMIT_EXCEEDED  # the counts still say how much there was
            samples, current = [], None
    if error is not None:
        samples, current = [], None
        if error != SAMPLE_LIMIT_EXCEEDED:
            scraped = kept = 0
    change = track_series(previous, current)
    samples.extend(
        report_samples(
            target, timestamp_ms, error is None, duration, scraped, change.added, kept=kept
        )
    )
    return ScrapeResult(
        target=target,
        timestamp_ms=timestamp_ms,
        samples=samples,
        stale_markers=stale_markers(change.stale, timestamp_ms),
        error=error,
        duration_seconds=duration,
        metadata=metadata,
        state=change.state,
    )


def scrape_headers(target: Target) -> dict[str, str]:
    return {
        "Accept": ACCEPT_HEADER,
        "Accept-Encoding": "identity",
        "User-Agent": USER_AGENT,
        "X-Prometheus-Scrape-Timeout-Seconds": f"{target.scrape_timeout:g}",
    }


def report_samples(
    target: Target,
    timestamp_ms: int,
    up: bool,
    duration: float,
    scraped: int,
    added: int,
    *,
    kept: int | None = None,
) -> list[StoredSample]:
    """The series Prometheus writes about every scrape, with the target's labels.

    ``kept`` is what metric relabelling left (``scrape_samples_post_metric_relabeling``).
    """
    post = scraped if kept is None else kept
    values = (1.0 if up else 0.0, duration, float(scraped), float(post), float(added))
    return [
        (_with_name(target.labels, name), timestamp_ms, value)
        for name, value in zip(REPORT_METRICS, values, strict=True)
    ]


def final_stale_markers(
    target: Target, state: ScrapeLoopState, timestamp_ms: int
) -> list[StoredSample]:
    """Markers for every series of a target that is being removed, report series included."""
    series = sorted(state.series) + [_with_name(target.labels, n) for n in REPORT_METRICS]
    return stale_markers(series, timestamp_ms)


def _parse(
    target: Target, response: HttpResponse, timestamp_ms: int, caches: SeriesCaches | None
) -> tuple[list[StoredSample], frozenset[Labels], dict[str, MetricMetadata], int, int]:
    """Samples to store, the series seen, metadata, samples exposed and samples kept."""
    text_format = format_of(response.content_type)
    transform = caches.labeller(target) if caches is not None else target_labeller(target)
    cache = caches.for_format(text_format) if caches is not None else None
    exposition = parse_exposition(
        response.body.decode("utf-8"),
        text_format,
        cache=cache,
        transform=transform,
        sample_limit=target.limits.sample_limit,
    )
    samples: list[StoredSample] = []
    append = samples.append
    current: set[Labels] = set()
    track = current.add
    honor = target.honor_timestamps
    dropped = 0
    for labels, stamp, value in exposition.samples:
        if not labels:  # dropped by metric_relabel_configs
            dropped += 1
            continue
        if stamp is not None and honor:
            append((labels, stamp, value))
            continue
        size = len(current)
        track(labels)
        if len(current) != size:  # a repeated series in one scrape is dropped
            append((labels, timestamp_ms, value))
    if caches is not None:
        caches.trim(text_format, len(exposition.samples))
    scraped = len(exposition.samples)
    return samples, frozenset(current), exposition.metadata, scraped, scraped - dropped


def _status_error(response: HttpResponse) -> str | None:
    if response.status == 200:
        return None
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = ""
    return f"server returned HTTP status {response.status} {phrase}".rstrip()


def _with_name(labels: Labels, name: str) -> Labels:
    return tuple(sorted(((METRIC_NAME, name), *labels)))
