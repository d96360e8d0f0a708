"""The ``http`` check: one request; healthy when status, body and latency are as expected."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import requests
from pydantic import Field, field_validator

from collectors.certificates import certificate_expiry
from collectors.checks.base import CheckOptions, ProbeResult, probe_metrics, valid_regex
from collectors.http_config import HttpClientConfig, TLSConfig
from collectors.httpclient import client_session
from collectors.httpfetch import Clock, FetchError, HttpResponse, http_request
from store.configfile import Duration

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig

_MAX_BODY = 16 * 1024 * 1024

SessionFactory = Callable[[TLSConfig], requests.Session]


class HttpOptions(CheckOptions):
    method: Literal["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"] = "GET"
    expected_status: list[int] = Field(default_factory=list)
    """Status codes that mean healthy; empty means any 2xx, as blackbox_exporter."""
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    follow_redirects: bool = True
    keyword: str | None = None
    """Text the body must contain."""
    body_regex: str | None = None
    """A regular expression the body must match (searched, as blackbox's
    ``fail_if_body_not_matches_regexp``)."""
    max_latency: Duration | None = Field(default=None, gt=0)
    """Fail when the whole request takes longer, even if the answer is right."""
    tls_config: TLSConfig = TLSConfig()
    """``ca_file``, ``insecure_skip_verify``, ``server_name``, client ``cert_file``/``key_file``."""

    _compiles = field_validator("body_regex")(valid_regex)


def _session_for(tls: TLSConfig) -> requests.Session:
    return client_session(HttpClientConfig(tls_config=tls))


def body_problem(body: bytes, options: HttpOptions) -> str | None:
    """Why the body fails the keyword or regex (None: it passes)."""
    text = body.decode("utf-8", "replace")
    if options.keyword is not None and options.keyword not in text:
        return f'keyword "{options.keyword}" not found in the body'
    if options.body_regex is not None and not re.search(options.body_regex, text):
        return f"body does not match /{options.body_regex}/"
    return None


def response_problem(
    response: HttpResponse, duration: float, options: HttpOptions
) -> tuple[str | None, bool]:
    """The first reason the response is unhealthy, and whether it was the body's regex."""
    expected = options.expected_status
    if not (response.status in expected if expected else 200 <= response.status < 300):
        return f"unexpected HTTP status {response.status}", False
    problem = body_problem(response.body, options)
    if problem is not None:
        return problem, True
    if options.max_latency is not None and duration > options.max_latency:
        return f"took {duration:.3f}s, more than max_latency {options.max_latency:g}s", False
    return None, False


class HttpCheck:
    """Probes a URL; ``session_factory`` is the injected HTTP client (one per probe,
    so every probe opens its own connection as blackbox_exporter's does)."""

    options = HttpOptions

    def __init__(
        self,
        session_factory: SessionFactory = _session_for,
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
            with self._session_factory(options.tls_config) as session:
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
        problem, regex_failed = response_problem(response, duration, options)
        success = problem is None
        extra = {
            "probe_http_status_code": float(response.status),
            "probe_http_content_length": float(len(response.body)),
            "probe_http_uncompressed_body_length": float(len(response.body)),
            "probe_http_redirects": float(response.redirects),
            "probe_http_ssl": 1.0 if response.url.startswith("https:") else 0.0,
            "probe_http_version": response.http_version,
        }
        if options.keyword is not None or options.body_regex is not None:
            extra["probe_failed_due_to_regex"] = 1.0 if regex_failed else 0.0
        if response.peer_certificate is not None:
            extra["probe_ssl_earliest_cert_expiry"] = certificate_expiry(response.peer_certificate)
        return ProbeResult(success, duration, probe_metrics(success, duration, **extra), problem)
