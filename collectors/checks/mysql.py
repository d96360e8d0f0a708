"""The ``mysql`` check (MySQL and MariaDB): connect with PyMySQL and run ``SELECT 1``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pymysql

from collectors.checks.base import LoginOptions, ProbeResult, split_host_port, timed_probe
from collectors.httpfetch import Clock

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class MysqlOptions(LoginOptions):
    username: str = "root"
    database: str | None = None


class MysqlCheck:
    options = MysqlOptions

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock

    def check_target(self, target: str) -> None:
        split_host_port(target, "mysql")

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        options = config.options
        assert isinstance(options, MysqlOptions)
        host, port = split_host_port(config.target, "mysql")

        def attempt() -> dict[str, float]:
            connection = pymysql.connect(
                host=host,
                port=port,
                user=options.username,
                password=options.password_text or "",
                database=options.database,
                connect_timeout=config.timeout,
                read_timeout=config.timeout,
                write_timeout=config.timeout,
            )
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    cursor.fetchone()
            finally:
                connection.close()
            return {}

        return timed_probe(attempt, target=config.target, clock=self._clock)
