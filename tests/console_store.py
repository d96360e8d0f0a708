"""A store filled with the simulated fleet's recent history, for console and browser tests.

The history comes from ``demo.iter_history`` (the same simulation ``make demo``
scrapes), written straight to the store with the scrape times it carries, plus
what the agent would add: ``up`` per service, a target row per service, and a
health check's ``probe_success`` and ``probe_duration_seconds``.
"""

from __future__ import annotations

import io

from sqlalchemy import Engine

from collectors.check_loop import CHECK_JOB
from collectors.importers.openmetrics import read_openmetrics
from demo import iter_history
from promql.labels import make_labels
from store.checks import CheckInfo, record_check, sync_checks
from store.db import write_transaction
from store.logs.record import LogRecord
from store.logs.sql import SqlLogStore
from store.samples import Sample, append_samples
from store.series import SeriesIndex
from store.targets import TargetInfo, record_scrape, sync_targets

DOWN_SERVICE = "search"
"""Its health check fails in the last quarter of the history (so the grid shows red)."""
STATUS_GROUP = "demo"
"""Every check's ``group`` label, as ``make demo`` sets it: a status page at /status/demo."""


def fill_demo_store(
    engine: Engine,
    *,
    end: float,
    minutes: float = 30.0,
    step: float = 15.0,
    fault: str | None = None,
    fault_seconds: float = 180.0,
) -> int:
    """Write ``minutes`` of demo history ending at ``end``; returns the samples written.

    ``fault`` (a ``demo.FAULTS`` name) starts ``fault_seconds`` before ``end``.
    """
    start = end - minutes * 60
    index = SeriesIndex()
    pending: list[Sample] = []
    services: set[str] = set()
    history = iter_history(start, end, step, fault=fault, fault_delay=minutes * 60 - fault_seconds)
    for scrape in history:
        services.add(scrape.service)
        for samples in read_openmetrics(io.StringIO(scrape.text)):
            pending.extend(samples)
        at_ms = int(scrape.timestamp * 1000)
        down = scrape.service == DOWN_SERVICE and scrape.timestamp > end - minutes * 15
        job = {"job": scrape.service, "service": scrape.service, "instance": f"{scrape.service}:80"}
        pending.append((make_labels({"__name__": "up", **job}), at_ms, 1.0))
        # The labels the agent's check loop gives its samples (collectors/check_loop.py).
        check = {
            "check": f"{scrape.service}-health",
            "service": scrape.service,
            "group": STATUS_GROUP,
            "job": CHECK_JOB,
            "instance": f"http://{scrape.service}:80/health",
        }
        pending.append(
            (make_labels({"__name__": "probe_success", **check}), at_ms, 0.0 if down else 1.0)
        )
        pending.append((make_labels({"__name__": "probe_duration_seconds", **check}), at_ms, 0.004))
    with write_transaction(engine) as connection:
        append_samples(connection, index, pending)
        targets = [
            TargetInfo(
                job=name,
                url=f"http://{name}:80/metrics",
                labels=make_labels({"job": name, "service": name, "instance": f"{name}:80"}),
                scrape_interval_seconds=step,
                scrape_timeout_seconds=10.0,
            )
            for name in sorted(services)
        ]
        sync_targets(connection, targets)
        checks = [
            CheckInfo(
                name=f"{name}-health",
                type="http",
                target=f"http://{name}:80/health",
                labels={"service": name, "group": STATUS_GROUP},
            )
            for name in sorted(services)
        ]
        sync_checks(connection, checks)
        for info in checks:
            down = info.name == f"{DOWN_SERVICE}-health"
            record_check(
                connection,
                name=info.name,
                at=end,
                success=not down,
                duration_seconds=0.004,
                error="HTTP 503" if down else None,
                retries=0,
            )
        for target in targets:
            record_scrape(
                connection,
                job=target.job,
                url=target.url,
                at=end,
                duration_seconds=0.01,
                error=None,
                samples_scraped=100,
            )
    return len(pending)


LOG_EVERY_SECONDS = 10.0
LOG_ERROR_SERVICE = "payments"
LOG_ERROR_MESSAGE = "charge failed: connection refused by card processor"


def demo_log_records(*, end: float, minutes: float) -> list[LogRecord]:
    """A line every ``LOG_EVERY_SECONDS`` over the history, the services in turn.

    Every fifth line is a payments error (``LOG_ERROR_MESSAGE``), the rest
    are access lines at info, so a search has both something to find and
    something to leave out.
    """
    services = ("gateway", "orders", "payments", "inventory", "search")
    count = int(minutes * 60 / LOG_EVERY_SECONDS)
    records = []
    for number in range(count):
        at_ms = int((end - (count - number) * LOG_EVERY_SECONDS) * 1000)
        if number % 5 == 4:
            records.append(
                LogRecord(at_ms, LOG_ERROR_MESSAGE, LOG_ERROR_SERVICE, "error", source="demo")
            )
            continue
        service = services[number % len(services)]
        message = f"GET /api/{service} 200 in {10 + number % 7} ms"
        records.append(LogRecord(at_ms, message, service, "info", source="demo"))
    return records


def fill_demo_logs(engine: Engine, *, end: float, minutes: float = 30.0) -> int:
    """Write ``demo_log_records`` to the SQL log store; returns the lines written."""
    return SqlLogStore(engine).append(demo_log_records(end=end, minutes=minutes))
