"""Turning served batches into Prometheus-style series on a service's store.

Kept apart from the simulation rules so metric naming lives in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from demo.state import FloatArray, IntArray, ServiceState
from demo.topology import Route, ServiceSpec

TIMEOUT_LABEL = "timeout"


def _status_counts(status: IntArray) -> list[tuple[int, int]]:
    """(code, count) pairs; batches are small, so a Counter beats np.unique."""
    return sorted(Counter(status.tolist()).items())


def _record_http(st: ServiceState, route: Route, lat: FloatArray, status: IntArray) -> None:
    m = st.metrics
    for code, count in _status_counts(status):
        lbl = (("method", route.method), ("route", route.path), ("status", str(code)))
        m.inc("http_requests_total", lbl, count)
    m.observe("http_request_duration_seconds",
              (("method", route.method), ("route", route.path)), lat)


def _record_job(st: ServiceState, route: Route, lat: FloatArray, status: IntArray) -> None:
    m = st.metrics
    failed = int(np.count_nonzero(status >= 500))
    queue = (("queue", route.path),)
    if status.size - failed:
        m.inc("queue_jobs_processed_total", (*queue, ("status", "ok")), status.size - failed)
    if failed:
        m.inc("queue_jobs_processed_total", (*queue, ("status", "error")), failed)
    m.observe("queue_job_duration_seconds", queue, lat)


_RECORDERS: dict[str, Callable[[ServiceState, Route, FloatArray, IntArray], None]] = {
    "http": _record_http,
    "job": _record_job,
}


def record_served(st: ServiceState, route: Route, lat: FloatArray, status: IntArray) -> None:
    """Server-side view of a batch: request counters, latency histogram, cache stats."""
    if status.size == 0:
        return
    _RECORDERS[route.kind](st, route, lat, status)
    st.busy_seconds += float(lat.sum())
    if route.cache_lookup:
        st.metrics.inc("cache_hits_total", (), int(np.count_nonzero(status == 200)))
        st.metrics.inc("cache_misses_total", (), int(np.count_nonzero(status == 404)))


def record_client(st: ServiceState, peer: str, lat: FloatArray, status: IntArray) -> None:
    """Client-side view of calls to ``peer``; a client-side timeout is status="timeout"."""
    m = st.metrics
    for code, count in _status_counts(status):
        label = str(code) if code else TIMEOUT_LABEL
        m.inc("http_client_requests_total", (("server_address", peer), ("status", label)),
              count)
    m.observe("http_client_request_duration_seconds", (("server_address", peer),), lat)


_EMPTY_F = np.zeros(0)
_EMPTY_I = np.zeros(0, np.int64)


def initialise_series(st: ServiceState, spec: ServiceSpec) -> None:
    """Create every known series at zero, as instrumented services do at boot,
    so the very first scrape already shows the full metric surface."""
    for route in spec.all_routes:
        _RECORDERS[route.kind](st, route, _EMPTY_F, _EMPTY_I)
        if route.kind == "http":
            st.metrics.inc("http_requests_total", (("method", route.method),
                           ("route", route.path), ("status", "200")), 0)
        else:
            st.metrics.inc("queue_jobs_processed_total",
                           (("queue", route.path), ("status", "ok")), 0)
        if route.cache_lookup:
            st.metrics.inc("cache_hits_total", (), 0)
            st.metrics.inc("cache_misses_total", (), 0)
        if route.enqueue is not None:
            st.metrics.inc("queue_jobs_enqueued_total", (("queue", route.enqueue),), 0)
    for peer in spec.depends_on:
        record_client(st, peer, _EMPTY_F, _EMPTY_I)
        st.metrics.inc("http_client_requests_total",
                       (("server_address", peer), ("status", "200")), 0)
