"""The ``redis`` check: connect and ``PING`` (with AUTH when a password is set)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import redis
from pydantic import Field
from redis.backoff import NoBackoff
from redis.retry import Retry

from collectors.checks.base import (
    LoginOptions,
    ProbeFailure,
    ProbeResult,
    split_host_port,
    timed_probe,
)
from collectors.httpfetch import Clock

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class RedisOptions(LoginOptions):
    database: int = Field(default=0, ge=0)


class RedisCheck:
    options = RedisOptions

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock

    def check_target(self, target: str) -> None:
        split_host_port(target, "redis")

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        options = config.options
        assert isinstance(options, RedisOptions)
        host, port = split_host_port(config.target, "redis")

        def attempt() -> dict[str, float]:
            client = redis.Redis(
                host=host,
                port=port,
                db=options.database,
                username=options.username or None,
                password=options.password_text,
                socket_timeout=config.timeout,
                socket_connect_timeout=config.timeout,
                retry=Retry(NoBackoff(), 0),  # one probe is one attempt
            )
            try:
                if client.ping() is not True:
                    raise ProbeFailure("PING did not answer PONG")
            finally:
                client.close()
            return {}

        return timed_probe(attempt, target=config.target, clock=self._clock)
