"""A store filled with the simulated fleet's recent history, for console and browser tests.

The history comes from ``demo.iter_history`` (the same simulation ``make demo``
scrapes), written straight to the store with the scrape times it carries, plus
what the agent would add: ``up`` per service, a target row per service, and a
health check's ``probe_success`` and ``probe_duration_seconds``.
"""

from __future__ import annotations

import io

from sqlalchemy import Engine

from collectors.importers.openmetrics import read_openmetrics
from demo import iter_history
from promql.labels import make_labels
from store.checks import CheckInfo, record_check, sync_checks
from store.db import write_transaction
from store.samples import Sample, append_samples
from store.series import SeriesIndex
from store.targets import TargetInfo, record_scrape, sync_targets

DOWN_SERVICE = "search"
"""Its health check fails in the last quarter of the history (so the grid shows red)."""


def fill_demo_store(
    engine: Engine, *, end: float, minutes: float = 30.0, step: float = 15.0
) -> int:
    """Write ``minutes`` of demo history ending at ``end``; returns the samples written."""
    start = end - minutes * 60
    index = SeriesIndex()
    pending: list[Sample] = []
    services: set[str] = set()
    for scrape in iter_history(start, end, step):
        services.add(scrape.service)
        for samples in read_openmetrics(io.StringIO(scrape.text)):
            pending.extend(samples)
        at_ms = int(scrape.timestamp * 1000)
        down = scrape.service == DOWN_SERVICE and scrape.timestamp > end - minutes * 15
        job = {"job": scrape.service, "service": scrape.service, "instance": f"{scrape.service}:80"}
        pending.append((make_labels({"__name__": "up", **job}), at_ms, 1.0))
        check = {"check": f"{scrape.service}-health", "service": scrape.service}
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
                labels={"service": name},
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
