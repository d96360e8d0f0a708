"""The ``analysis:`` section of vigil.yml: the user's own metric names and call graph."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from analysis.conventions import ERROR_PATTERN, STATUS_LABELS, Convention, Gauge, RequestMetrics
from promql.errors import PromQLError
from promql.parser import parse_expr
from store.configfile import ConfigModel, Duration

METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_NAME = r"^[a-zA-Z_][a-zA-Z0-9_]*$"

DEFAULT_LINKS: dict[str, str] = {
    "alerts": "/alerts",
    "series": "/api/v1/series?match[]=%7B{label}%3D%22{service}%22%7D",
}
"""Pages about a service; point them at your dashboards and logs in vigil.yml."""


class RequestMapping(ConfigModel):
    """A latency histogram (seconds) and, optionally, the counter carrying the status."""

    duration: str = Field(pattern=METRIC_NAME)
    requests: str | None = Field(default=None, pattern=METRIC_NAME)
    status_label: str | None = Field(default=None, pattern=LABEL_NAME)
    error_pattern: str = ERROR_PATTERN
    """Status values that count as failures (a PromQL regex, anchored)."""

    @field_validator("error_pattern")
    @classmethod
    def _is_regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return value

    def to_metrics(self, *, off_path: bool = False) -> RequestMetrics:
        labels = (self.status_label,) if self.status_label else STATUS_LABELS
        return RequestMetrics(self.duration, self.requests, labels, self.error_pattern, off_path)


class GaugeMapping(ConfigModel):
    kind: Literal["cpu", "memory", "pool", "queue"]
    metric: str = Field(pattern=METRIC_NAME)
    counter: bool = False
    capacity: str | None = Field(default=None, pattern=METRIC_NAME)
    selector: str = ""
    """Label matchers narrowing the metric, as inside braces: ``state="used"``."""

    @field_validator("selector")
    @classmethod
    def _is_selector(cls, value: str) -> str:
        try:
            parse_expr(f"m{{{value}}}")
        except PromQLError as error:
            raise ValueError(f"not label matchers: {error}") from None
        return value

    def to_gauge(self) -> Gauge:
        return Gauge(self.kind, self.metric, self.counter, self.capacity, self.selector)


class MetricMapping(ConfigModel):
    """The fleet's own names, tried before the built-in conventions."""

    server: RequestMapping | None = None
    client: RequestMapping | None = None
    workers: RequestMapping | None = None
    gauges: list[GaugeMapping] = Field(default_factory=list)

    def to_convention(self) -> Convention:
        return Convention(
            "custom",
            server=self.server.to_metrics() if self.server else None,
            client=self.client.to_metrics() if self.client else None,
            workers=self.workers.to_metrics(off_path=True) if self.workers else None,
            gauges=tuple(g.to_gauge() for g in self.gauges),
        )


class AnalysisConfig(ConfigModel):
    """How to find services, their calls and their metrics; when a suspect is reported."""

    service_label: str | None = Field(default=None, pattern=LABEL_NAME)
    """The label naming a series' service; detected (service, service_name, job) when unset."""
    peer_label: str | None = Field(default=None, pattern=LABEL_NAME)
    """The label naming the callee on client-side metrics; detected when unset."""
    depends_on: dict[str, list[str]] = Field(default_factory=dict)
    """Synchronous calls per service, added to those inferred from client-side metrics."""
    metrics: MetricMapping | None = None
    threshold: float = Field(default=1.0, gt=0)
    """Suspects scoring below this are not reported as bottlenecks."""
    rate_interval: Duration = Field(default=60.0, gt=0)
    step: Duration | None = Field(default=None, gt=0)
    """Resolution of the signals; by default about 120 points over baseline and window."""
    score_interval: Duration | None = Field(default=None, gt=0)
    """When set, the agent writes ``vigil_bottleneck_score{service}`` this often, so an
    alerting rule can fire on it (e.g. ``vigil_bottleneck_score >= 1``)."""
    score_window: Duration = Field(default=900.0, gt=0)
    """The window those scores analyse (the baseline is the same length before it)."""
    links: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_LINKS))
    """Name -> URL template; ``{service}`` and ``{label}`` become the (URL-quoted) service
    name and the label that names services."""
