"""/api/v1/rules, /api/v1/alerts and /api/v1/status/reload in Prometheus's shapes."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from alerts.config import AlertingConfig
from alerts.manager import load_groups, retire_removed_rules
from alerts.rule_loop import GroupLoop
from alerts.rule_status import record_reload
from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from promql.labels import Labels, make_labels
from store.series import SeriesIndex

T0 = 1_700_000_000.0
RULES = """\
groups:
  - name: node
    interval: 30s
    limit: 10
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} is down"
      - record: job:up:sum
        expr: broken
        labels:
          team: infra
  - name: other
    rules:
      - alert: Never
        expr: vector(1) == 0
"""


def _query(expression: str, at: float) -> list[tuple[Labels, float]]:
    if expression == "broken":
        raise ValueError("boom")
    if expression == "up == 0":
        return [(make_labels({"__name__": "up", "instance": "db-1", "job": "node"}), 0.0)]
    return []


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    return path


@pytest.fixture
def client(database: Engine, rules_file: Path) -> Any:
    config = VigilConfig.model_validate(
        {"auth": {"anonymous_read": True}, "rule_files": [str(rules_file)]}
    )
    app = create_app(LoadedConfig(config=config), database=database, clock=lambda: T0)
    app.testing = True
    ticks = itertools.count(0.0, 0.25)
    groups = load_groups([rules_file], default_interval=15.0)
    retire_removed_rules(database, groups, T0)  # as the agent does when it loads rules
    for group in groups[:1]:
        GroupLoop(
            group,
            database,
            SeriesIndex(),
            _query,
            AlertingConfig(),
            external_labels={},
            external_url="",
            generator_urls={},
            clock=lambda: T0,
            timer=lambda: next(ticks),
        ).run_once()
    with app.test_client() as test_client:
        yield test_client


def _data(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "success"
    return response.json["data"]


ACTIVE_AT = "2023-11-14T22:13:20Z"


def test_rules_have_prometheus_fields_for_groups_alerting_and_recording_rules(
    client: FlaskClient, rules_file: Path
) -> None:
    node, other = _data(client, "/api/v1/rules")["groups"]
    timings = {key: node.pop(key) for key in ("evaluationTime",)}
    assert timings["evaluationTime"] > 0
    alerting, recording = node.pop("rules")
    assert node == {
        "name": "node",
        "file": str(rules_file),
        "interval": 30.0,
        "limit": 10,
        "lastEvaluation": ACTIVE_AT,
    }
    assert alerting.pop("evaluationTime") > 0
    assert alerting == {
        "state": "pending",
        "name": "Down",
        "query": "up == 0",
        "duration": 300.0,
        "keepFiringFor": 60.0,
        "labels": {"severity": "page"},
        "annotations": {"summary": "{{ $labels.instance }} is down"},
        "alerts": [
            {
                "labels": {
                    "alertname": "Down",
                    "instance": "db-1",
                    "job": "node",
                    "severity": "page",
                },
                "annotations": {"summary": "db-1 is down"},
                "state": "pending",
                "activeAt": ACTIVE_AT,
                "value": "0e+00",
            }
        ],
        "health": "ok",
        "lastEvaluation": ACTIVE_AT,
        "type": "alerting",
    }
    assert recording.pop("evaluationTime") >= 0
    assert recording == {
        "name": "job:up:sum",
        "query": "broken",
        "labels": {"team": "infra"},
        "health": "err",
        "lastError": "query failed: boom",
        "lastEvaluation": ACTIVE_AT,
        "type": "recording",
    }
    # Never evaluated yet: unknown health, Go's zero time, no lastError field.
    (never,) = other["rules"]
    assert (never["health"], never["lastEvaluation"], never["state"], never["alerts"]) == (
        "unknown",
        "0001-01-01T00:00:00Z",
        "inactive",
        [],
    )
    assert "lastError" not in never
    assert other["evaluationTime"] == 0 and other["interval"] == 15.0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=alert", [("node", ["Down"]), ("other", ["Never"])]),
        ("type=record", [("node", ["job:up:sum"])]),
        ("type=ALERT&rule_group[]=other", [("other", ["Never"])]),
        ("rule_name[]=Down&rule_name[]=job:up:sum", [("node", ["Down", "job:up:sum"])]),
        ("rule_name[]=Nope", []),
        ("file[]=/elsewhere.yml", []),
    ],
)
def test_rules_filters_as_prometheus(
    client: FlaskClient, query: str, expected: list[tuple[str, list[str]]]
) -> None:
    groups = _data(client, f"/api/v1/rules?{query}")["groups"]
    assert [(g["name"], [r["name"] for r in g["rules"]]) for g in groups] == expected


def test_file_filter_and_exclude_alerts(client: FlaskClient, rules_file: Path) -> None:
    groups = _data(client, f"/api/v1/rules?file[]={rules_file}&exclude_alerts=true")["groups"]
    assert [g["name"] for g in groups] == ["node", "other"]
    assert groups[0]["rules"][0]["alerts"] is None


def test_unsupported_type_is_bad_data(client: FlaskClient) -> None:
    response = client.get("/api/v1/rules?type=both")
    assert response.status_code == 400
    assert response.json == {
        "status": "error",
        "errorType": "bad_data",
        "error": 'invalid parameter "type": not supported value "both"',
    }


def test_alerts_lists_active_alerts_in_prometheus_shape(client: FlaskClient) -> None:
    assert _data(client, "/api/v1/alerts") == {
        "alerts": [
            {
                "labels": {
                    "alertname": "Down",
                    "instance": "db-1",
                    "job": "node",
                    "severity": "page",
                },
                "annotations": {"summary": "db-1 is down"},
                "state": "pending",
                "activeAt": ACTIVE_AT,
                "value": "0e+00",
            }
        ]
    }


def test_the_console_shows_what_the_agent_loaded_not_the_files(
    client: FlaskClient, rules_file: Path, database: Engine
) -> None:
    assert len(_data(client, "/api/v1/rules")["groups"]) == 2
    rules_file.write_text("groups: [{name: x, rules: [{alert: A}]}]\n")
    assert len(_data(client, "/api/v1/rules")["groups"]) == 2
    retire_removed_rules(database, [], T0 + 60)  # the agent reloaded with no rules
    assert _data(client, "/api/v1/rules")["groups"] == []


def test_reload_status_reports_the_agents_last_reload(
    client: FlaskClient, database: Engine
) -> None:
    assert _data(client, "/api/v1/status/reload") == {
        "lastReloadSuccessful": None,
        "lastReloadTime": None,
        "lastError": "",
    }
    record_reload(database, False, T0 + 0.5, "rules.yml:3: bad")
    assert _data(client, "/api/v1/status/reload") == {
        "lastReloadSuccessful": False,
        "lastReloadTime": "2023-11-14T22:13:20.5Z",
        "lastError": "rules.yml:3: bad",
    }
