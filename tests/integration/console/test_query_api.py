"""The Prometheus-compatible query API, called the way Grafana's datasource calls it."""

from __future__ import annotations

import itertools

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from console.context import EXTENSION_KEY
from promql.engine import Engine as QueryEngine
from promql.labels import make_labels
from store.db import write_transaction
from store.samples import append_samples
from store.series import SeriesIndex
from tests.integration.console.conftest import NOW

START = int(NOW) - 600


def _load(database: Engine) -> None:
    """Ten minutes of two counters, scraped every 15 s."""
    index = SeriesIndex()
    with write_transaction(database) as connection:
        for step in range(41):
            t_ms = (START + 15 * step) * 1000
            append_samples(
                connection,
                index,
                [
                    (
                        make_labels(
                            {
                                "__name__": "http_requests_total",
                                "job": "api",
                                "instance": f"10.0.0.{i}:80",
                            }
                        ),
                        t_ms,
                        float(step * 15 * i),
                    )
                    for i in (1, 2)
                ]
                + [
                    (
                        make_labels({"__name__": "up", "job": "api", "instance": "10.0.0.1:80"}),
                        t_ms,
                        1.0,
                    )
                ],
            )


def test_grafana_health_check_and_instant_query(database: Engine, client: FlaskClient) -> None:
    _load(database)
    health = client.post("/api/v1/query", data={"query": "1+1", "time": str(NOW)})
    assert health.get_json() == {
        "status": "success",
        "data": {"resultType": "scalar", "result": [NOW, "2"]},
    }
    rate = client.post(
        "/api/v1/query",
        data={"query": "sum by (job) (rate(http_requests_total[5m]))", "time": str(NOW)},
    ).get_json()
    assert rate["data"]["resultType"] == "vector"
    (sample,) = rate["data"]["result"]
    assert sample["metric"] == {"job": "api"}
    assert float(sample["value"][1]) == pytest.approx(3.0)  # 1/s + 2/s


def test_range_query_in_prometheus_shape(database: Engine, client: FlaskClient) -> None:
    _load(database)
    body = client.get(
        "/api/v1/query_range",
        query_string={"query": "up", "start": START, "end": START + 60, "step": "15s"},
    ).get_json()
    (series,) = body["data"]["result"]
    assert body["data"]["resultType"] == "matrix"
    assert series["metric"] == {"__name__": "up", "instance": "10.0.0.1:80", "job": "api"}
    assert series["values"] == [[START + 15 * i, "1"] for i in range(5)]


def test_range_query_parameters_are_checked_like_prometheus(client: FlaskClient) -> None:
    def error(**params: object) -> tuple[int, str]:
        response = client.get("/api/v1/query_range", query_string={"query": "up", **params})
        return response.status_code, response.get_json().get("error", "")

    assert error(start=100, end=50, step=1) == (
        400,
        'invalid parameter "end": end timestamp must not be before start time',
    )
    assert error(start=0, end=100, step=0)[1].startswith(
        'invalid parameter "step": zero or negative query resolution step widths'
    )
    assert error(start=0, end=100_000, step=1)[1].startswith(
        "exceeded maximum resolution of 11,000 points per timeseries"
    )
    assert error(start="2026-01-01T00:00:00Z", end="2026-01-01T00:10:00Z", step="1m") == (200, "")


def test_a_parse_error_names_its_position(client: FlaskClient) -> None:
    response = client.get("/api/v1/query", query_string={"query": "sum(rate(x[5m])"})
    assert response.status_code == 400
    assert response.get_json() == {
        "status": "error",
        "errorType": "bad_data",
        "error": 'invalid parameter "query": 1:16: parse error: unclosed left parenthesis',
    }


def test_limits_fail_the_query_not_the_worker(database: Engine) -> None:
    _load(database)
    config = VigilConfig.model_validate(
        {"auth": {"anonymous_read": True}, "query": {"max_samples": 10}}
    )
    client = create_app(
        LoadedConfig(config=config), database=database, clock=lambda: NOW
    ).test_client()
    too_many = client.get(
        "/api/v1/query", query_string={"query": "http_requests_total[10m]", "time": NOW}
    )
    assert too_many.status_code == 422
    assert too_many.get_json()["errorType"] == "execution"
    assert "too many samples" in too_many.get_json()["error"]


def test_a_request_timeout_fails_the_query_with_prometheus_error(database: Engine) -> None:
    """The engine's clock jumps a second per reading, so a 1 ms timeout always expires."""
    _load(database)
    app = create_app(
        LoadedConfig(config=VigilConfig.model_validate({"auth": {"anonymous_read": True}})),
        database=database,
        clock=lambda: NOW,
    )
    ticks = itertools.count()
    context = app.extensions[EXTENSION_KEY]
    context.query_engine = QueryEngine(context.query_engine.options, clock=lambda: next(ticks))
    params = {"query": "sum(rate(http_requests_total[5m]))", "time": NOW}
    timed_out = app.test_client().get("/api/v1/query", query_string={**params, "timeout": "1ms"})
    assert timed_out.status_code == 503
    assert timed_out.get_json()["errorType"] == "timeout"
    assert "timed out" in timed_out.get_json()["error"]
    # Without the shorter timeout the default (2 minutes) holds even on this clock.
    assert app.test_client().get("/api/v1/query", query_string=params).status_code == 200


def test_metric_and_label_browsers(database: Engine, client: FlaskClient) -> None:
    _load(database)
    names = client.get("/api/v1/label/__name__/values").get_json()["data"]
    assert names == ["http_requests_total", "up"]
    assert client.get("/api/v1/labels").get_json()["data"] == ["__name__", "instance", "job"]
    instances = client.get(
        "/api/v1/label/instance/values", query_string={"match[]": "up"}
    ).get_json()["data"]
    assert instances == ["10.0.0.1:80"]
    series = client.post(
        "/api/v1/series",
        data={"match[]": 'http_requests_total{instance=~".*2:80"}', "start": START, "end": NOW},
    ).get_json()["data"]
    assert series == [{"__name__": "http_requests_total", "instance": "10.0.0.2:80", "job": "api"}]
    assert client.get("/api/v1/series").status_code == 400
    assert client.get("/api/v1/query_exemplars", query_string={"query": "up"}).get_json() == {
        "status": "success",
        "data": [],
    }
    formatted = client.get(
        "/api/v1/format_query", query_string={"query": "sum(rate(x[5m]))by(job)"}
    ).get_json()
    assert formatted["data"] == "sum by (job) (rate(x[5m]))"
