"""Shared fixtures: the store on SQLite and on the real PostgreSQL on 127.0.0.1.

Any test that takes ``database`` runs twice, once per backend. PostgreSQL gets a
fresh database per test run, dropped at the end; if the server is not there the
run fails rather than silently skipping half the suite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from store.db import open_engine, upgrade
from store.models import Base
from tests import fuzzing  # noqa: F401  (registers and loads the hypothesis profiles)

pytest_plugins = ["tests.fleet_fixture", "tests.webhook_receiver", "tests.prometheus_server"]

ADMIN_URL_ENV = "VIGIL_TEST_POSTGRES_URL"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A new, migrated PostgreSQL database for this test run."""
    admin_url = make_url(os.environ.get(ADMIN_URL_ENV, DEFAULT_ADMIN_URL))
    name = f"vigil_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        pytest.fail(f"PostgreSQL at {admin_url.render_as_string()} is required: {error}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = open_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_tables(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store: a SQLite file, then the real PostgreSQL."""
    if request.param == "sqlite":
        engine = open_engine(f"sqlite:///{tmp_path / 'vigil.db'}")
        upgrade(engine)
    else:
        engine = open_engine(request.getfixturevalue("postgres_url"))
        _empty_tables(engine)
    try:
        yield engine
    finally:
        engine.dispose()
