"""Opening the database: the embedded SQLite file by default, PostgreSQL when configured.

SQLite gets WAL (readers in gunicorn workers never block the agent's writes),
foreign keys and a busy timeout on every connection. Connections to a database
file are pooled (``QueuePool``), so the PRAGMAs run once per connection, not
once per transaction: opening a connection and configuring it cost about a
fifth of the agent's CPU when every scrape opened its own (``NullPool``).
``:memory:`` keeps ``NullPool``. The schema is only ever created or changed by
the Alembic migrations in ``migrations/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool, QueuePool

from store.config import StorageConfig

DATABASE_URL_ENV = "VIGIL_DATABASE_URL"
WRITE_OPTION = "vigil_write"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def database_url(storage: StorageConfig, environ: Mapping[str, str] | None = None) -> URL:
    """The URL to use: VIGIL_DATABASE_URL, then storage.url, then var/vigil.db."""
    env = os.environ if environ is None else environ
    text = env.get(DATABASE_URL_ENV) or storage.url
    if not text:
        return make_url(f"sqlite:///{Path(storage.data_dir) / 'vigil.db'}")
    url = make_url(text)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def open_engine(url: URL | str, *, busy_timeout_seconds: float = 30.0) -> Engine:
    """An Engine with the per-connection settings each backend needs."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Enough idle connections for the agent's worker threads that read;
        # an overflow connection is closed when returned.
        engine = create_engine(url, poolclass=QueuePool, pool_size=8, max_overflow=32)
    else:
        engine = create_engine(url, poolclass=NullPool)
    busy_ms = int(busy_timeout_seconds * 1000)

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy manage transactions explicitly: BEGIN is emitted by
        # the "begin" hook below so that writers take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Writers take the write lock at BEGIN so that they wait (busy_timeout)
        # rather than fail when they later upgrade a read lock.
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # VACUUM and friends must run outside a transaction
        immediate = options.get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it holds the write lock from BEGIN."""
    connection = engine.connect().execution_options(**{WRITE_OPTION: True})
    with connection, connection.begin():
        yield connection


def alembic_config(url: URL | str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    rendered = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (serve, agent and demo call this on start)."""
    config = alembic_config(engine.url)
    with _migration_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url)
    with _migration_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction for migrations; on SQLite with foreign keys off meanwhile.

    SQLite alters a table by copying it and dropping the original, and with
    foreign keys on, dropping ``series`` would cascade to every chunk. Keys
    are checked before commit instead, as SQLite's documentation advises.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        if sqlite:
            assert driver is not None
            driver.execute("PRAGMA foreign_keys = OFF")  # no effect inside a transaction
        try:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                assert driver is not None
                driver.execute("PRAGMA foreign_keys = ON")


def vacuum(engine: Engine) -> None:
    """Give the space of deleted rows back to the filesystem (VACUUM), outside any transaction.

    pysqlite refuses VACUUM inside the transaction SQLAlchemy opens, so on
    SQLite it goes to the driver connection directly.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            driver = connection.connection.driver_connection
            assert driver is not None
            driver.execute("VACUUM")
            return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
