"""The console's own metrics, exposed on /metrics through prometheus-client.

Under gunicorn every worker is a process, so the metrics use prometheus-client's
multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set (``vigil serve`` sets it).
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from console.metrics_dir import MULTIPROC_ENV

REQUEST_DURATION = Histogram(
    "vigil_http_request_duration_seconds",
    "Time spent answering HTTP requests to the console and API.",
    ["handler", "method", "code"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REQUEST_ERRORS = Counter(
    "vigil_http_request_errors_total",
    "Requests that ended in a server error.",
    ["handler"],
)


def install(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("request_started", None)
        if started is not None:
            handler = request.url_rule.rule if request.url_rule else "unmatched"
            REQUEST_DURATION.labels(handler, request.method, str(response.status_code)).observe(
                time.perf_counter() - started
            )
            if response.status_code >= 500:
                REQUEST_ERRORS.labels(handler).inc()
        return response


def exposition() -> Response:
    """Every worker's metrics in multiprocess mode, else this process's."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, mimetype=CONTENT_TYPE_LATEST)
