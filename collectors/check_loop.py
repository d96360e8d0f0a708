"""One health check's loop: probe, then write its metrics and state in one transaction.

Results become ordinary series under blackbox_exporter's names
(``probe_success{check="api-health", instance="…", service="…"}``), so rules
and dashboards use PromQL on them like on any scraped metric.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from collectors.checks import CHECK_TYPES, run_check
from collectors.checks.base import CheckType, ProbeResult
from collectors.config import HealthCheckConfig
from promql.labels import make_labels
from store.checks import CheckInfo, record_check, sync_checks
from store.db import write_transaction
from store.samples import Sample, append_samples
from store.series import SeriesIndex

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
    def __init__(
        self,
        config: HealthCheckConfig,
        database: Engine,
        index: SeriesIndex,
        *,
        check_types: dict[str, CheckType] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._database = database
        self._index = index
        self._check_types = check_types
        self._clock = clock

    def run_once(self) -> ProbeResult:
        at = self._clock()
        result = run_check(self.config, at, self._check_types or CHECK_TYPES)
        with write_transaction(self._database) as connection:
            append_samples(connection, self._index, probe_samples(self.config, result, at))
            record_check(
                connection,
                name=self.config.name,
                at=at,
                success=result.success,
                duration_seconds=result.duration_seconds,
                error=result.error,
                retries=self.config.retries,
            )
        return result


def register_checks(database: Engine, configs: Sequence[HealthCheckConfig]) -> None:
    """Make the check table match the configuration."""
    with write_transaction(database) as connection:
        sync_checks(
            connection,
            [CheckInfo(c.name, c.type, c.target, dict(c.labels)) for c in configs],
        )
