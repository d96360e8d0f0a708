"""The ``mysql`` check (MySQL and MariaDB): connect with PyMySQL and run ``SELECT 1``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collectors.checks.base import HostPortCheck, LoginOptions

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class MysqlOptions(LoginOptions):
    username: str = "root"
    database: str | None = None


class MysqlCheck(HostPortCheck):
    kind = "mysql"
    options = MysqlOptions

    def probe(self, host: str, port: int, config: HealthCheckConfig) -> dict[str, float]:
        options = config.options
        assert isinstance(options, MysqlOptions)
        # Imported here, not at the top: the agent starts without loading every client library.
        import pymysql

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
