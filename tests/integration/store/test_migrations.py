"""Migrations are the only source of the schema, and they match the models exactly."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from promql.matchers import Matcher, MatchType
from store.db import downgrade, upgrade
from store.logs.schema import is_modelled
from store.models import Base
from store.series import all_series, select_series


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


def test_it_converts_the_series_index_both_ways(database: Engine) -> None:
    """0006 rewrites JSON labels and postings rows as label pairs and postings blocks."""
    downgrade(database, "0005")
    label_sets = [
        [["__name__", "up"], ["instance", "a:1"], ["job", "api"]],
        [["__name__", "up"], ["instance", "b:1"], ["job", "api"]],
        [["__name__", "http_requests_total"], ["job", "db"]],
    ]
    with database.begin() as connection:
        for number, pairs in enumerate(label_sets, start=1):
            connection.execute(
                text(
                    "INSERT INTO series (id, fingerprint, metric_name, labels) "
                    "VALUES (:id, :fp, :name, :labels)"
                ),
                {"id": number, "fp": number * 7, "name": pairs[0][1], "labels": json.dumps(pairs)},
            )
            for name, value in pairs:
                connection.execute(
                    text("INSERT INTO series_labels (name, value, series_id) VALUES (:n, :v, :s)"),
                    {"n": name, "v": value, "s": number},
                )
        connection.execute(
            text(
                "INSERT INTO chunks (series_id, min_time, max_time, sample_count, level, data) "
                "VALUES (3, 0, 1000, 2, 1, :data)"
            ),
            {"data": b"chunk"},
        )
    upgrade(database)
    assert _differences(database) == []
    with database.connect() as connection:
        chunk_series = connection.execute(text("SELECT series_id FROM chunks")).scalars()
        assert list(chunk_series) == [3], "altering the series table must keep its chunks"
        found = select_series(
            connection,
            [Matcher("job", MatchType.EQUAL, "api"), Matcher("instance", MatchType.REGEX, "b.*")],
        )
        assert found == [(2, (("__name__", "up"), ("instance", "b:1"), ("job", "api")))]
        assert [labels for _, labels in all_series(connection)] == [
            tuple(map(tuple, pairs)) for pairs in label_sets
        ]
    downgrade(database, "0005")
    with database.connect() as connection:
        rows = connection.execute(text("SELECT id, labels, metric_name FROM series ORDER BY id"))
        assert [(i, json.loads(labels), name) for i, labels, name in rows] == [
            (number, pairs, pairs[0][1]) for number, pairs in enumerate(label_sets, start=1)
        ]
        postings = connection.execute(
            text("SELECT series_id FROM series_labels WHERE name = 'job' AND value = 'api'")
        ).scalars()
        assert sorted(postings) == [1, 2]
        assert list(connection.execute(text("SELECT series_id FROM chunks")).scalars()) == [3]
    upgrade(database)
