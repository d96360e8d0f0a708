"""The ``rabbitmq`` check: an AMQP 0-9-1 connection (handshake and login), then close."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collectors.checks.base import HostPortCheck, LoginOptions

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class RabbitmqOptions(LoginOptions):
    username: str = "guest"
    virtual_host: str = "/"


class RabbitmqCheck(HostPortCheck):
    kind = "rabbitmq"
    options = RabbitmqOptions

    def probe(self, host: str, port: int, config: HealthCheckConfig) -> dict[str, float]:
        options = config.options
        assert isinstance(options, RabbitmqOptions)
        # Imported here, not at the top: the agent starts without loading every client library.
        import pika

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
        pika.BlockingConnection(parameters).close()
        return {}
