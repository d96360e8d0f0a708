"""The ``rabbitmq`` check: an AMQP 0-9-1 connection (handshake and login), then close."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pika

from collectors.checks.base import LoginOptions, ProbeResult, split_host_port, timed_probe
from collectors.httpfetch import Clock

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class RabbitmqOptions(LoginOptions):
    username: str = "guest"
    virtual_host: str = "/"


class RabbitmqCheck:
    options = RabbitmqOptions

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock

    def check_target(self, target: str) -> None:
        split_host_port(target, "rabbitmq")

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        options = config.options
        assert isinstance(options, RabbitmqOptions)
        host, port = split_host_port(config.target, "rabbitmq")
        password = options.password_text
        parameters = pika.ConnectionParameters(
            host=host,
            port=port,
            virtual_host=options.virtual_host,
            credentials=pika.PlainCredentials(
                options.username, "guest" if password is None else password
            ),
            connection_attempts=1,
            socket_timeout=config.timeout,
            stack_timeout=config.timeout,
            blocked_connection_timeout=config.timeout,
        )

        def attempt() -> dict[str, float]:
            pika.BlockingConnection(parameters).close()
            return {}

        return timed_probe(attempt, target=config.target, clock=self._clock)
