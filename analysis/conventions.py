"""Metric naming conventions: one registry, one entry per convention.

A convention says how a fleet names its request histograms and counters on
the serving side, its outgoing-call metrics on the client side (with the label
naming the peer), and its resource gauges. Detection (``analysis.detect``)
keeps the conventions whose metrics exist in the data; several may apply at
once, since a fleet often mixes client libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Labels that name the service a series belongs to, in order of preference.
SERVICE_LABELS: tuple[str, ...] = ("service", "service_name", "job")
#: Labels on client-side metrics that name the downstream peer.
PEER_LABELS: tuple[str, ...] = (
    "server_address",
    "peer_service",
    "upstream",
    "net_peer_name",
    "client_name",
    "target_service",
)
STATUS_LABELS: tuple[str, ...] = ("status", "code", "http_response_status_code", "outcome")
#: Status values that count as a failure (5xx, a client-side timeout, an error outcome).
ERROR_PATTERN = "5..|timeout|error|SERVER_ERROR"


@dataclass(frozen=True)
class RequestMetrics:
    """A latency histogram (in seconds) and the counter that carries the status.

    ``requests`` is None when the histogram's own ``_count`` carries the status
    label (OpenTelemetry, Micrometer). ``off_path`` marks work that is not a
    synchronous request (jobs taken from a queue): its slowness shows as a
    backlog, not as latency at the front door.
    """

    duration: str
    requests: str | None = None
    status_labels: tuple[str, ...] = STATUS_LABELS
    error_pattern: str = ERROR_PATTERN
    off_path: bool = False


@dataclass(frozen=True)
class Gauge:
    """A USE signal: ``metric`` per service, as a rate for counters, over ``capacity``."""

    kind: str  # "cpu" | "memory" | "pool" | "queue"
    metric: str
    counter: bool = False
    capacity: str | None = None
    selector: str = ""


@dataclass(frozen=True)
class Convention:
    name: str
    server: RequestMetrics | None = None
    client: RequestMetrics | None = None
    workers: RequestMetrics | None = None
    gauges: tuple[Gauge, ...] = field(default=())


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            "prometheus",
            server=RequestMetrics("http_request_duration_seconds", "http_requests_total"),
            client=RequestMetrics(
                "http_client_request_duration_seconds", "http_client_requests_total"
            ),
            workers=RequestMetrics(
                "queue_job_duration_seconds", "queue_jobs_processed_total", off_path=True
            ),
            gauges=(
                Gauge("cpu", "process_cpu_seconds_total", counter=True),
                Gauge("memory", "process_resident_memory_bytes"),
                Gauge("pool", "db_pool_connections_in_use", capacity="db_pool_connections_max"),
                Gauge("queue", "queue_depth"),
            ),
        ),
        Convention(
            "opentelemetry",
            server=RequestMetrics("http_server_request_duration_seconds"),
            client=RequestMetrics("http_client_request_duration_seconds"),
            workers=RequestMetrics("messaging_process_duration_seconds", off_path=True),
            gauges=(
                Gauge("cpu", "process_cpu_time_seconds_total", counter=True),
                Gauge("memory", "process_memory_usage_bytes"),
                Gauge(
                    "pool",
                    "db_client_connection_count",
                    capacity="db_client_connection_max",
                    selector='state="used"',
                ),
            ),
        ),
        Convention(
            "micrometer",
            server=RequestMetrics("http_server_requests_seconds"),
            client=RequestMetrics("http_client_requests_seconds"),
            gauges=(
                Gauge("cpu", "process_cpu_usage"),
                Gauge("memory", "jvm_memory_used_bytes"),
                Gauge("pool", "hikaricp_connections_active", capacity="hikaricp_connections_max"),
                Gauge("queue", "executor_queued_tasks"),
            ),
        ),
    )
}
