"""Dashboards over REST and as pages, on a store holding the demo fleet's history."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from tests.console_store import fill_demo_store
from tests.integration.console.conftest import NOW


@pytest.fixture
def client(database: Engine, tmp_path: Path) -> FlaskClient:
    fill_demo_store(database, end=NOW, minutes=4)
    folder = tmp_path / "boards"
    folder.mkdir()
    (folder / "broken.yml").write_text("title: Broken\nrows:\n  - panels:\n      - type: pie\n")
    config = VigilConfig.model_validate(
        {"auth": {"anonymous_read": True}, "dashboards": {"path": str(folder)}}
    )
    app = create_app(LoadedConfig(config=config), database=database, clock=lambda: NOW)
    return app.test_client()


def test_it_lists_builtin_and_broken_dashboards(client: FlaskClient) -> None:
    listed = {item["uid"]: item for item in client.get("/api/v1/dashboards").get_json()["data"]}
    assert listed["service-red"]["error"] is None
    assert listed["service-red"]["builtin"] is True
    assert (
        'broken.yml:4: rows[0].panels[0].type: unknown panel type "pie"'
        in listed["broken"]["error"]
    )
    page = client.get("/d/broken").get_data(as_text=True)
    assert "broken.yml:4" in page
    assert client.get("/d/service-red").status_code == 200


def test_a_panel_returns_its_figure_for_the_variables_and_range(client: FlaskClient) -> None:
    response = client.get(
        "/api/v1/dashboards/service-red/panels/rate-by-route"
        "?from=now-5m&to=now&var-service=orders&var-route=$__all"
    )
    assert response.status_code == 200
    traces = response.get_json()["data"]["data"]
    assert traces and all(trace["type"] == "scatter" for trace in traces)
    assert sorted(trace["name"] for trace in traces) == ["/orders", "/orders/{id}"]
    assert response.get_json()["data"]["layout"]["yaxis"]["ticksuffix"] == " req/s"


def test_the_dashboard_page_resolves_chained_variables(client: FlaskClient) -> None:
    page = client.get("/d/service-red?var-service=orders").get_data(as_text=True)
    assert '<option value="orders" selected>' in page
    assert (
        '<option value="/orders/{id}"' in page
    )  # the route variable's options depend on the service
    assert "var-route=%2Forders%2F%7Bid%7D" in page  # repeated panels carry their value


def test_errors_come_in_the_envelope(client: FlaskClient) -> None:
    missing = client.get("/api/v1/dashboards/nope")
    assert missing.status_code == 404
    assert missing.get_json()["errorType"] == "not_found"
    broken = client.get("/api/v1/dashboards/broken/panels/r0p0")
    assert broken.status_code == 422
    bad_range = client.get("/api/v1/dashboards/vigil/panels/api-rate?from=now-x")
    assert bad_range.status_code == 400
    assert "invalid time range" in bad_range.get_json()["error"]


def test_export_round_trips_as_yaml(client: FlaskClient) -> None:
    response = client.get("/api/v1/dashboards/health-checks/export")
    assert response.mimetype == "application/yaml"
    exported = yaml.safe_load(response.get_data(as_text=True))
    assert exported["uid"] == "health-checks"
    assert exported["rows"][0]["panels"][0]["type"] == "health-grid"


def test_fleet_sparklines_are_keyed_by_service(client: FlaskClient) -> None:
    response = client.get(
        "/api/v1/sparklines?query=sum by (service) (rate(http_requests_total[1m]))"
        "&from=now-5m&unit=reqps"
    )
    figures = response.get_json()["data"]
    assert "gateway" in figures
    assert figures["gateway"]["latest"].endswith("req/s")
    fleet = client.get("/fleet").get_data(as_text=True)
    assert "/d/service-red?var-service=gateway" in fleet


def test_settings_page_hides_the_secret_key(database: Engine) -> None:
    config = VigilConfig.model_validate(
        {"auth": {"anonymous_read": True, "secret_key": "do-not-show-me"}}
    )
    app = create_app(LoadedConfig(config=config), database=database, clock=lambda: NOW)
    page = app.test_client().get("/settings").get_data(as_text=True)
    assert "do-not-show-me" not in page
    assert "secret_key" in page
