"""The bottleneck API and page over the real store (SQLite and PostgreSQL), on demo history."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from bench.bottlenecks import FAULT_DELAY, SCRAPE_STEP, START
from collectors.importers.openmetrics import read_openmetrics
from console.agent import AgentResources
from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from console.jobs import bottleneck_jobs
from demo import iter_history
from promql.engine import Engine as QueryEngine
from promql.values import Vector
from store.db import write_transaction
from store.querier import StoreQuerier
from store.samples import Sample, append_samples
from store.series import SeriesIndex

FAULT_START = START + FAULT_DELAY
END = FAULT_START + 120


def _load(database: Engine, fault: str) -> None:
    """Demo history from START to two minutes into the fault, as the agent would store it."""
    samples: list[Sample] = []
    for scrape in iter_history(
        START + 300, END, SCRAPE_STEP, fault=fault, fault_delay=FAULT_DELAY - 300
    ):
        for batch in read_openmetrics(io.StringIO(scrape.text)):
            samples.extend(batch)
    with write_transaction(database) as connection:
        append_samples(connection, SeriesIndex(), samples)


def _app(database: Engine, analysis: dict[str, object] | None = None) -> Flask:
    config = VigilConfig.model_validate(
        {"auth": {"anonymous_read": True}, "analysis": analysis or {}}
    )
    app = create_app(LoadedConfig(config=config), database=database, clock=lambda: END)
    app.testing = True
    return app


@pytest.fixture
def client(database: Engine) -> FlaskClient:
    _load(database, "db-slow")
    return _app(database).test_client()


def test_it_names_the_slow_database_over_http(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/analysis/bottlenecks?start={END - 300}&end={END}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "success"
    data = body["data"]
    top = data["suspects"][0]
    assert (top["service"], top["kind"]) == ("database", "latency")
    assert top["score"] >= data["threshold"]
    assert {"service", "score", "kind", "evidence", "links"} <= set(top)
    latency = next(e for e in top["evidence"] if e["signal"] == "own_latency_seconds")
    assert latency["current"] > 5 * latency["baseline"]
    assert latency["difference"] == pytest.approx(
        latency["current"] - latency["baseline"], abs=1e-5
    )
    assert FAULT_START <= latency["since"] <= END
    assert top["links"]["series"] == "/api/v1/series?match[]=%7Bservice%3D%22database%22%7D"
    graph = data["graph"]
    assert graph["entries"] == ["gateway"]
    assert graph["critical_path"][-1] == "database"
    assert any(e["caller"] == "gateway" and e["callee"] == "orders" for e in graph["edges"])
    assert data["baseline_end"] == END - 300 and data["baseline_start"] == END - 600


def test_it_takes_an_explicit_baseline(client: FlaskClient) -> None:
    start, end = END - 120, END
    response = client.get(
        "/api/v1/analysis/bottlenecks",
        query_string={
            "start": start,
            "end": end,
            "baseline_start": START + 300,
            "baseline_end": START + 600,
        },
    )
    data = response.get_json()["data"]
    assert (data["baseline_start"], data["baseline_end"]) == (START + 300, START + 600)
    assert data["suspects"][0]["service"] == "database"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "10", "end": "5"}, "end timestamp must be after start time"),
        ({"start": "yesterday"}, 'cannot parse "yesterday"'),
        ({"baseline_start": str(END), "baseline_end": str(END - 10)}, "baseline"),
        ({"datasource": "nope"}, 'unknown datasource "nope"'),
    ],
)
def test_it_rejects_bad_parameters_in_the_envelope(
    client: FlaskClient, query: dict[str, str], message: str
) -> None:
    response = client.get("/api/v1/analysis/bottlenecks", query_string=query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == "error" and body["errorType"] == "bad_data"
    assert message in body["error"]


def test_the_page_shows_the_suspect_the_graph_and_the_evidence(client: FlaskClient) -> None:
    page = client.get(f"/analysis/bottlenecks?start={END - 300}&end={END}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<g class="node critical suspect top">' in html
    assert ">database</text>" in html
    assert 'class="edge critical"' in html
    assert 'id="evidence-data"' in html and "own_latency_seconds" in html
    assert "/static/bottlenecks.js" in html
    assert 'href="/analysis/bottlenecks"' in client.get("/fleet").get_data(as_text=True)


def test_it_needs_the_viewer_role(database: Engine) -> None:
    config = VigilConfig.model_validate({"auth": {"anonymous_read": False}})
    app = create_app(LoadedConfig(config=config), database=database, clock=lambda: END)
    response = app.test_client().get("/api/v1/analysis/bottlenecks")
    assert response.status_code in (401, 403)


def test_a_mapping_and_links_from_vigil_yml_are_used(database: Engine) -> None:
    _load(database, "db-slow")
    client = _app(
        database,
        {
            "links": {"logs": "/logs?service={service}", "bad": "javascript:alert(1)"},
            "threshold": 50,
        },
    ).test_client()
    data = client.get(f"/api/v1/analysis/bottlenecks?start={END - 300}&end={END}").get_json()
    assert data["data"]["threshold"] == 50
    assert data["data"]["suspects"][0]["links"]["logs"] == "/logs?service=database"
    html = client.get(f"/analysis/bottlenecks?start={END - 300}&end={END}").get_data(as_text=True)
    assert "javascript:" not in html
    assert "nothing holds the fleet back" in html


def test_the_agent_stores_scores_a_rule_can_fire_on(database: Engine) -> None:
    _load(database, "db-slow")
    config = VigilConfig.model_validate(
        {"analysis": {"score_interval": "1m", "score_window": "5m"}}
    )
    resources = AgentResources(database=database, clock=lambda: END)
    (job,) = bottleneck_jobs(LoadedConfig(config=config), resources)
    assert job.interval == 60.0
    job.run()
    firing = QueryEngine().instant_query(StoreQuerier(database), "vigil_bottleneck_score >= 1", END)
    assert isinstance(firing, Vector)
    assert [dict(s.labels).get("service") for s in firing.samples] == ["database"]
    assert bottleneck_jobs(LoadedConfig(config=VigilConfig()), resources) == []
