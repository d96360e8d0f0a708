"""Health checks in the API and the console: state, uptime, history, response times,
and the public status page that shows nothing secret."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from collectors.check_loop import CheckLoop, register_checks
from collectors.config import HealthCheckConfig
from store.checks import record_check
from store.db import write_transaction
from store.series import SeriesIndex
from tests.integration.checks.servers import http_service
from tests.integration.checks.support import closed_port
from tests.integration.console.conftest import NOW, make_app

DAY = 86400.0


def config(**fields: Any) -> HealthCheckConfig:
    return HealthCheckConfig.model_validate({"timeout": "1s", **fields})


@pytest.fixture
def checks(database: Engine) -> Iterator[dict[str, HealthCheckConfig]]:
    """Three checks: api (a real HTTP service, up), db (a closed port, down) and web,
    whose history is written by hand: up two days ago, down 12 h ago, up again 6 h ago."""
    refused_port = closed_port()
    with http_service() as address:
        configs = {
            "api": config(
                name="api",
                type="http",
                target=f"http://{address}/health",
                labels={"group": "public", "service": "api"},
            ),
            "db": config(
                name="db",
                type="tcp",
                target=f"127.0.0.1:{refused_port}",
                retries=1,
                labels={"group": "public", "service": "db", "team": "storage-team"},
            ),
            "web": config(name="web", type="tcp", target="127.0.0.1:1", labels={"group": "x"}),
        }
        register_checks(database, list(configs.values()))
        index = SeriesIndex()
        for step in range(10):
            at = NOW - 600 + step * 60
            for name in ("api", "db"):
                CheckLoop(configs[name], database, index, clock=lambda at=at: at).run_once()
        for at, success in [(NOW - 2 * DAY, True), (NOW - DAY / 2, False), (NOW - DAY / 4, True)]:
            with write_transaction(database) as connection:
                record_check(
                    connection,
                    name="web",
                    at=at,
                    success=success,
                    duration_seconds=0.01,
                    error=None if success else "connect to web: timeout",
                    retries=0,
                )
        yield configs


def test_the_list_has_status_and_uptime_per_window(
    client: FlaskClient, checks: dict[str, HealthCheckConfig]
) -> None:
    body = client.get("/api/v1/checks").get_json()
    assert body["status"] == "success"
    rows = {row["name"]: row for row in body["data"]}
    assert sorted(rows) == ["api", "db", "web"]
    assert rows["api"]["status"] == "up"
    assert rows["api"]["uptime"] == {"24h": 1.0, "7d": 1.0, "30d": 1.0}
    assert rows["db"]["status"] == "down"
    assert rows["db"]["uptime"] == {"24h": 0.0, "7d": 0.0, "30d": 0.0}
    assert rows["db"]["labels"] == {"group": "public", "service": "db", "team": "storage-team"}
    assert "refused" in rows["db"]["last_error"].lower()
    assert rows["web"]["uptime"] == {"24h": 0.75, "7d": 0.875, "30d": 0.875}
    assert rows["api"]["response_time_query"] == 'probe_duration_seconds{check="api"}'
    assert "history" not in rows["api"]


def test_one_check_has_its_history_with_the_error_text(
    client: FlaskClient, checks: dict[str, HealthCheckConfig]
) -> None:
    web = client.get("/api/v1/checks/web").get_json()["data"]
    assert web["history"] == [
        {"at": NOW - 2 * DAY, "status": "up", "error": ""},
        {"at": NOW - DAY / 2, "status": "down", "error": "connect to web: timeout"},
        {"at": NOW - DAY / 4, "status": "up", "error": ""},
    ]
    db = client.get("/api/v1/checks/db").get_json()["data"]
    assert [event["status"] for event in db["history"]] == ["down"]
    assert "refused" in db["history"][0]["error"].lower()
    missing = client.get("/api/v1/checks/nope")
    assert missing.status_code == 404
    assert missing.get_json()["errorType"] == "not_found"


def test_response_times_come_from_probe_duration_seconds(
    client: FlaskClient, checks: dict[str, HealthCheckConfig]
) -> None:
    response = client.get(
        "/api/v1/checks/api/response_times",
        query_string={"start": NOW - 600, "end": NOW, "step": "60"},
    )
    data = response.get_json()["data"]
    assert data["query"] == 'probe_duration_seconds{check="api"}'
    times = [t for t, _ in data["values"]]
    assert times == [NOW - 600 + 60 * i for i in range(10)] + [NOW]
    assert all(0 < value < 1 for _, value in data["values"])


def test_console_pages_show_checks_and_history(
    client: FlaskClient, checks: dict[str, HealthCheckConfig]
) -> None:
    page = client.get("/checks").get_data(as_text=True)
    assert all(f">{name}</a>" in page for name in ("api", "db", "web"))
    assert "75.00%" in page
    detail = client.get("/checks/web").get_data(as_text=True)
    assert "connect to web: timeout" in detail
    assert "probe_duration_seconds" in detail  # the chart's query
    assert client.get("/checks/nope").status_code == 404


def test_the_status_page_is_public_and_shows_nothing_secret(
    database: Engine, checks: dict[str, HealthCheckConfig]
) -> None:
    app = make_app(database, anonymous_read=False)
    with app.test_client() as anonymous:
        assert anonymous.get("/checks").status_code != 200
        assert anonymous.get("/api/v1/checks").status_code != 200
        page = anonymous.get("/status/public")
        api = anonymous.get("/api/v1/status_pages/public")
        assert anonymous.get("/status/nope").status_code == 404
    assert page.status_code == 200 and api.status_code == 200
    text = page.get_data(as_text=True)
    assert "some systems are down" in text
    for secret in (checks["db"].target, checks["api"].target, "refused", "storage-team", "web"):
        assert secret not in text
    data = api.get_json()["data"]
    assert [check["name"] for check in data["checks"]] == ["api", "db"]
    assert set(data["checks"][0]) == {
        "name",
        "service",
        "status",
        "last_check",
        "uptime",
        "history",
    }
    assert checks["db"].target not in api.get_data(as_text=True)
