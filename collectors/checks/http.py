"""The ``http`` check: one request, success when the status is an expected one."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import requests
from pydantic import Field

from collectors.checks.base import CheckOptions, ProbeResult, probe_metrics
from collectors.httpfetch import Clock, FetchError, http_request

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig

_MAX_BODY = 16 * 1024 * 1024


class HttpOptions(CheckOptions):
    method: Literal["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"] = "GET"
    expected_status: list[int] = Field(default_factory=list)
    """Status codes that mean healthy; empty means any 2xx, as blackbox_exporter."""
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    follow_redirects: bool = True


class HttpCheck:
    """Probes a URL; ``session_factory`` is the injected HTTP client (one per probe,
    so every probe opens its own connection as blackbox_exporter's does)."""

    options = HttpOptions

    def __init__(
        self,
        session_factory: Callable[[], requests.Session] = requests.Session,
        clock: Clock = time.monotonic,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock

    def check_target(self, target: str) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f'an http check needs an http(s) URL as target, not "{target}"')

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        options = config.options
        assert isinstance(options, HttpOptions)
        start = self._clock()
        try:
            with self._session_factory() as session:
                response = http_request(
                    session,
                    config.target,
                    timeout=config.timeout,
                    max_bytes=_MAX_BODY,
                    method=options.method,
                    headers=options.headers,
                    data=options.body.encode() if options.body is not None else None,
                    allow_redirects=options.follow_redirects,
                    clock=self._clock,
                )
        except FetchError as error:
            duration = self._clock() - start
            return ProbeResult(False, duration, probe_metrics(False, duration), str(error))
        duration = self._clock() - start
        expected = options.expected_status
        success = response.status in expected if expected else 200 <= response.status < 300
        metrics = probe_metrics(
            success,
            duration,
            probe_http_status_code=float(response.status),
            probe_http_content_length=float(len(response.body)),
            probe_http_uncompressed_body_length=float(len(response.body)),
            probe_http_redirects=float(response.redirects),
            probe_http_ssl=1.0 if response.url.startswith("https:") else 0.0,
            probe_http_version=response.http_version,
        )
        problem = None if success else f"unexpected HTTP status {response.status}"
        return ProbeResult(success, duration, metrics, problem)
