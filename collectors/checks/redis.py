"""The ``redis`` check: connect and ``PING`` (with AUTH when a password is set)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from collectors.checks.base import HostPortCheck, LoginOptions, ProbeFailure

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class RedisOptions(LoginOptions):
    database: int = Field(default=0, ge=0)


class RedisCheck(HostPortCheck):
    kind = "redis"
    options = RedisOptions

    def probe(self, host: str, port: int, config: HealthCheckConfig) -> dict[str, float]:
        options = config.options
        assert isinstance(options, RedisOptions)
        # Imported here, not at the top: the agent starts without loading every client library.
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

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
