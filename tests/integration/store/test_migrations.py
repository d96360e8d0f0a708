"""Migrations are the only source of the schema, and they match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from store.db import downgrade, upgrade
from store.logs.schema import is_modelled
from store.models import Base


def _differences(database: Engine) -> list[object]:
    with database.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": is_modelled}
        )
        return list(compare_metadata(context, Base.metadata))


def test_it_upgrades_downgrades_and_upgrades_again_to_the_models(database: Engine) -> None:
    assert _differences(database) == []
    downgrade(database, "base")
    assert set(inspect(database).get_table_names()) <= {"alembic_version"}
    upgrade(database)
    assert _differences(database) == []
    assert {"series", "sample_batches", "notifications", "log_lines"} <= set(
        inspect(database).get_table_names()
    )
