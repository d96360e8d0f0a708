"""The thin path end to end, on SQLite and PostgreSQL: a real fleet is scraped and
health-checked into the store, a YAML rule fires and a real receiver gets the
webhook, and the console answers `up` in Prometheus's JSON shape."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.agent import AgentResources
from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from console.jobs import check_jobs, delivery_jobs, rule_jobs, scrape_jobs
from demo import Fleet
from store.checks import list_checks
from store.targets import list_targets
from tests.webhook_receiver import Receiver

RULES = """
groups:
  - name: fleet
    interval: 5s
    rules:
      - alert: EveryTargetIsUp
        expr: up == 1
        labels:
          severity: info
        annotations:
          summary: "{{ $labels.job }} is up"
"""


def _config(fleet: Fleet, rule_file: Path, webhook_url: str) -> LoadedConfig:
    config = VigilConfig.model_validate(
        {
            "auth": {"anonymous_read": True},
            "scrape_configs": [
                {
                    "job_name": s.name,
                    "static_configs": [
                        {"targets": [s.url.removeprefix("http://")], "labels": {"service": s.name}}
                    ],
                }
                for s in fleet.services
            ],
            "health_checks": [
                {
                    "name": f"{s.name}-health",
                    "type": "http",
                    "target": s.health_url,
                    "labels": {"service": s.name},
                }
                for s in fleet.services
            ],
            "rule_files": [str(rule_file)],
            "alerting": {
                "route": {"receiver": "hook", "group_by": ["alertname"], "group_wait": "0s"},
                "receivers": [{"name": "hook", "webhook_configs": [{"url": webhook_url}]}],
            },
        }
    )
    return LoadedConfig(config=config)


def test_a_fleet_flows_from_scrape_to_webhook_and_api(
    database: Engine, demo_fleet: Fleet, receiver: Receiver, tmp_path: Path
) -> None:
    rule_file = tmp_path / "rules.yml"
    rule_file.write_text(RULES)
    loaded = _config(demo_fleet, rule_file, receiver.url)

    resources = AgentResources(database)
    for builder in (scrape_jobs, check_jobs, rule_jobs, delivery_jobs):
        for job in builder(loaded, resources):
            job.run()

    targets = list_targets(database)
    assert len(targets) == len(demo_fleet.services)
    assert {t.health for t in targets} == {"up"}
    assert all(t.samples_scraped > 5 for t in targets), [
        (t.job, t.samples_scraped) for t in targets
    ]
    assert {c.status for c in list_checks(database)} == {"up"}

    (delivery,) = receiver.requests
    payload = delivery.json()
    assert payload["status"] == "firing"
    assert payload["receiver"] == "hook"
    assert payload["groupLabels"] == {"alertname": "EveryTargetIsUp"}
    assert sorted(a["labels"]["job"] for a in payload["alerts"]) == sorted(
        s.name for s in demo_fleet.services
    )
    assert payload["alerts"][0]["annotations"]["summary"].endswith(" is up")

    app = create_app(loaded, database=database)
    client: FlaskClient = app.test_client()
    body = client.get("/api/v1/query", query_string={"query": "up"}).get_json()
    assert body["status"] == "success"
    assert body["data"]["resultType"] == "vector"
    assert {r["metric"]["job"]: r["value"][1] for r in body["data"]["result"]} == {
        s.name: "1" for s in demo_fleet.services
    }
    probes = client.get("/api/v1/query", query_string={"query": "sum(probe_success)"}).get_json()
    assert probes["data"]["result"][0]["value"][1] == str(len(demo_fleet.services))
    page = client.get("/fleet").get_data(as_text=True)
    assert all(s.name in page for s in demo_fleet.services)
