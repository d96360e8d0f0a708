"""The ``postgres`` check: connect with psycopg and run ``SELECT 1``."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Literal

import psycopg

from collectors.checks.base import LoginOptions, ProbeResult, split_host_port, timed_probe
from collectors.httpfetch import Clock

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class PostgresOptions(LoginOptions):
    username: str = "postgres"
    database: str = "postgres"
    sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = "prefer"


class PostgresCheck:
    options = PostgresOptions

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock

    def check_target(self, target: str) -> None:
        split_host_port(target, "postgres")

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        options = config.options
        assert isinstance(options, PostgresOptions)
        host, port = split_host_port(config.target, "postgres")

        def attempt() -> dict[str, float]:
            # libpq counts connect_timeout in whole seconds (and at least 2).
            with psycopg.connect(
                host=host,
                port=port,
                user=options.username,
                password=options.password_text,
                dbname=options.database,
                sslmode=options.sslmode,
                connect_timeout=max(1, math.ceil(config.timeout)),
                options=f"-c statement_timeout={int(config.timeout * 1000)}",
                application_name="vigil-health-check",
            ) as connection:
                connection.execute("SELECT 1").fetchone()
            return {}

        return timed_probe(attempt, target=config.target, clock=self._clock)
