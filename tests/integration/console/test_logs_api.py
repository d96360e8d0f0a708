"""The logs API over the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.api.logs import tail_events
from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from promql.labels import make_labels
from store.logs.query import parse_query
from store.logs.record import LogRecord
from store.logs.sql import SqlLogStore
from store.samples import read_samples
from store.series import SeriesIndex
from tests.integration.console.accounts import add_user, make_token
from tests.integration.console.conftest import NOW

NOW_MS = int(NOW * 1000)


def _app(database: Engine, *, anonymous_read: bool = True, **logs: object) -> Flask:
    config = VigilConfig.model_validate({"auth": {"anonymous_read": anonymous_read}, "logs": logs})
    app = create_app(LoadedConfig(config=config), database=database, clock=lambda: NOW)
    app.testing = True
    return app


@pytest.fixture
def seeded(database: Engine) -> SqlLogStore:
    store = SqlLogStore(database)
    store.append(
        [
            LogRecord(NOW_MS - 3000 + n * 1000, f"request {n} <b>done</b>", "api", level, "t")
            for n, level in enumerate(["info", "warn", "error"])
        ]
    )
    return store


def test_it_searches_newest_first_and_pages_with_the_cursor(
    client: FlaskClient, seeded: SqlLogStore
) -> None:
    first = client.get("/api/v1/logs", query_string={"query": "request", "limit": 2}).get_json()
    assert first["status"] == "success"
    assert [line["level"] for line in first["data"]["lines"]] == ["error", "warn"]
    assert first["data"]["lines"][0]["message"] == "request 2 <b>done</b>"
    cursor = first["data"]["next_cursor"]
    second = client.get("/api/v1/logs", query_string={"query": "request", "cursor": cursor})
    assert [line["level"] for line in second.get_json()["data"]["lines"]] == ["info"]
    assert second.get_json()["data"]["next_cursor"] is None
    warn = client.get("/api/v1/logs", query_string={"query": "level>=warn service:api"})
    assert len(warn.get_json()["data"]["lines"]) == 2


def test_a_malformed_query_is_a_400_naming_the_position(client: FlaskClient) -> None:
    response = client.get("/api/v1/logs", query_string={"query": "error AND (x"})
    assert response.status_code == 400
    assert response.get_json() == {
        "status": "error",
        "errorType": "bad_data",
        "error": "invalid parameter \"query\": 1:13: unexpected end of query, expected ')'",
    }
    assert client.get("/api/v1/logs", query_string={"cursor": "!!"}).status_code == 400


def test_pushed_ndjson_is_stored_and_counted(database: Engine) -> None:
    app = _app(database)
    push_token = make_token(database, add_user(database, "shipper", "editor"), "push")
    pushing = {"Authorization": f"Bearer {push_token}"}
    body = "\n".join(
        json.dumps({"ts": NOW_MS, "service": "pay", "level": "error", "msg": f"declined {n}"})
        for n in range(3)
    )
    with app.test_client() as client:
        refused = client.post("/api/v1/logs", data=body, content_type="application/x-ndjson")
        assert refused.status_code == 401  # anonymous read does not let anyone push
        response = client.post(
            "/api/v1/logs", data=body, content_type="application/x-ndjson", headers=pushing
        )
        assert response.get_json() == {"status": "success", "data": {"accepted": 3}}
        found = client.get("/api/v1/logs", query_string={"query": "declined"}).get_json()
        assert len(found["data"]["lines"]) == 3
        bad = client.post("/api/v1/logs", data='{"msg": "ok"}\n[1]\n', headers=pushing)
        assert bad.status_code == 400
        assert bad.get_json()["error"] == "line 2: not a JSON object"
    labels = make_labels(
        {"__name__": "log_messages_total", "source": "push", "service": "pay", "level": "error"}
    )
    with database.connect() as connection:
        (series_id,) = SeriesIndex().ids_for(connection, [labels])
        _, values = read_samples(connection, [series_id], 0, 2**62)[series_id]
    assert values[-1] == 3.0


def test_push_needs_the_editor_role(database: Engine) -> None:
    with _app(database).test_client() as client:
        assert client.post("/api/v1/logs", data="{}").status_code == 401


def test_a_push_over_the_size_limit_is_a_413(database: Engine) -> None:
    push_token = make_token(database, add_user(database, "shipper", "editor"), "push")
    with _app(database, max_push_bytes=16).test_client() as client:
        response = client.post(
            "/api/v1/logs",
            data='{"msg": "far too long a line"}',
            headers={"Authorization": f"Bearer {push_token}"},
        )
        assert response.status_code == 413
        assert "larger than 16 bytes" in response.get_json()["error"]


def test_the_tail_streams_new_matching_lines_then_ends(seeded: SqlLogStore) -> None:
    clock = iter(range(100))
    writes = iter(
        [
            [LogRecord(NOW_MS, "late error arrives", "api", "error")],
            [LogRecord(NOW_MS, "unrelated", "api", "info")],
        ]
    )

    def sleep(_: float) -> None:
        seeded.append(next(writes, []))

    events = list(
        tail_events(
            seeded,
            parse_query("level:error"),
            after=None,
            seconds=3,
            monotonic=lambda: float(next(clock)),
            sleep=sleep,
        )
    )
    data = [json.loads(event.split("data: ", 1)[1]) for event in events if "data: " in event]
    assert [line["message"] for line in data] == ["late error arrives"]
    assert events[0].startswith("retry: 1000\nid: 3\n")


def test_the_tail_endpoint_is_an_event_stream_resuming_from_last_event_id(
    client: FlaskClient, seeded: SqlLogStore
) -> None:
    response = client.get(
        "/api/v1/logs/tail", query_string={"seconds": "0"}, headers={"Last-Event-ID": "1"}
    )
    assert response.mimetype == "text/event-stream"
    body = response.get_data(as_text=True)
    assert body.count("data: ") == 2
    assert "request 2 <b>done</b>" in body


def test_volume_is_a_plotly_bar_figure(client: FlaskClient, seeded: SqlLogStore) -> None:
    figure = client.get("/api/v1/logs/volume", query_string={"query": "request"}).get_json()
    assert figure["data"]["data"][0]["type"] == "bar"
    assert sum(figure["data"]["data"][0]["y"]) == 3
