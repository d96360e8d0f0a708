"""The ``postgres`` check: connect with psycopg and run ``SELECT 1``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from collectors.checks.base import HostPortCheck, LoginOptions

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class PostgresOptions(LoginOptions):
    username: str = "postgres"
    database: str = "postgres"
    sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = "prefer"


class PostgresCheck(HostPortCheck):
    kind = "postgres"
    options = PostgresOptions

    def probe(self, host: str, port: int, config: HealthCheckConfig) -> dict[str, float]:
        options = config.options
        assert isinstance(options, PostgresOptions)
        # Imported here, not at the top: the agent starts without loading every client library.
        import psycopg

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
