"""A console with alerting configured, a clock the test moves, and alerts put in the store.

Plain helpers, not fixtures: each test module declares its own fixtures from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Engine

from alerts.alerting import FIRING, PENDING, ActiveAlert
from alerts.state import save_states
from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from promql.labels import make_labels
from store.db import write_transaction

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
RULE = "rules.yml;node;Down"
ALERTING: dict[str, Any] = {
    "route": {
        "receiver": "ops",
        "group_by": ["alertname"],
        "routes": [
            {"matchers": ["team=db"], "receiver": "db", "continue": True},
            {"matchers": ['alertname=~".+"'], "receiver": "ops"},
        ],
    },
    "receivers": [
        {
            "name": "ops",
            "webhook_configs": [
                {
                    "url": "http://hooks.example/T0KEN-in-path",
                    "headers": {"Authorization": "Bearer s3cr3t-header"},
                    "hmac_secret": "s3cr3t-hmac",
                }
            ],
        },
        {"name": "db", "webhook_configs": [{"url": "http://user:pa55@db.example/hook"}]},
    ],
    "inhibit_rules": [{"source_matchers": ["severity=page"], "target_matchers": ["severity=info"]}],
}


@dataclass
class Clock:
    now: float = NOW

    def __call__(self) -> float:
        return self.now


def build_app(
    database: Engine, clock: Clock, *, alerting: dict[str, Any] | None = None, **extra: Any
) -> Flask:
    config = VigilConfig.model_validate(
        {
            "auth": {"anonymous_read": True},
            "global": {"external_labels": {"dc": "eu1"}, "evaluation_interval": "30s"},
            "alerting": ALERTING if alerting is None else alerting,
            **extra,
        }
    )
    app = create_app(LoadedConfig(config=config), database=database, clock=clock)
    app.testing = True
    return app


def firing(name: str, at: float = NOW - 600, value: float = 1.0, **labels: str) -> ActiveAlert:
    all_labels = make_labels({"alertname": name, **labels})
    annotations = make_labels({"summary": f"{name} on {labels.get('instance', '?')}"})
    return ActiveAlert(all_labels, annotations, FIRING, at - 60, value, fired_at=at)


def pending(name: str, at: float = NOW - 10, **labels: str) -> ActiveAlert:
    return ActiveAlert(make_labels({"alertname": name, **labels}), (), PENDING, at, 0.5)


def store_alerts(database: Engine, *alerts: ActiveAlert, rule: str = RULE) -> None:
    with write_transaction(database) as connection:
        save_states(connection, rule, {a.fingerprint: a for a in alerts})
