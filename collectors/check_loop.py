"""One health check's loop: probe, then write its metrics and state in one transaction.

Results become ordinary series under blackbox_exporter's names
(``probe_success{check="api-health", instance="…", service="…"}``), so rules
and dashboards use PromQL on them like on any scraped metric.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Engine

from collectors.checks import CHECK_TYPES, run_check
from collectors.checks.base import CheckType, ProbeResult
from collectors.config import HealthCheckConfig
from promql.labels import make_labels
from store.checks import CheckInfo, record_check, sync_checks
from store.db import write_transaction
from store.samples import Sample, append_samples
from store.series import SeriesIndex
from store.writer import Writer, stream_key

CHECK_JOB = "vigil_health_checks"


def probe_samples(config: HealthCheckConfig, result: ProbeResult, at: float) -> list[Sample]:
    """The probe's metrics as samples, labelled with the check and its configured labels."""
    base = {**config.labels, "job": CHECK_JOB, "check": config.name, "instance": config.target}
    timestamp_ms = int(at * 1000)
    return [
        (
            make_labels({**base, **result.metric_labels.get(name, {}), "__name__": name}),
            timestamp_ms,
            value,
        )
        for name, value in sorted(result.metrics.items())
    ]


class CheckLoop:
    """Probes one check; with the agent's ``writer`` the write joins its group commit,
    so a thousand checks do not queue one by one for the store's write lock."""

    def __init__(
        self,
        config: HealthCheckConfig,
        database: Engine,
        index: SeriesIndex,
        *,
        check_types: dict[str, CheckType] | None = None,
        clock: Callable[[], float] = time.time,
        writer: Writer | None = None,
    ) -> None:
        self.config = config
        self._database = database
        self._index = index
        self._check_types = check_types
        self._clock = clock
        self._writer = writer
        self._stream = stream_key(CHECK_JOB, config.name)

    def run_once(self) -> ProbeResult:
        at = self._clock()
        result = run_check(self.config, at, self._check_types or CHECK_TYPES)
        samples = probe_samples(self.config, result, at)
        config, index, stream = self.config, self._index, self._stream

        def write(connection: Connection) -> None:
            append_samples(connection, index, samples, stream=stream)
            record_check(
                connection,
                name=config.name,
                at=at,
                success=result.success,
                duration_seconds=result.duration_seconds,
                error=result.error,
                retries=config.retries,
            )

        if self._writer is not None:
            self._writer.submit(write)
        else:
            with write_transaction(self._database) as connection:
                write(connection)
        return result


def register_checks(database: Engine, configs: Sequence[HealthCheckConfig]) -> None:
    """Make the check table match the configuration."""
    with write_transaction(database) as connection:
        sync_checks(
            connection,
            [CheckInfo(c.name, c.type, c.target, dict(c.labels)) for c in configs],
        )
