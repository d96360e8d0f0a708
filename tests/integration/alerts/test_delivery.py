"""Rules to webhook over real HTTP: evaluate, dispatch, deliver, retry, dead-letter."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from alerts.config import AlertingConfig
from alerts.dispatch import dispatch
from alerts.manager import QueryFunc, RuleGroup, evaluate_group, generator_urls, load_groups
from alerts.notifiers import DeliveryResult
from alerts.outbox import RetryPolicy, claim_due, deliver_due, record_outcome
from promql.labels import Labels, make_labels
from store.db import open_engine, upgrade
from store.models import Notification, NotificationAttempt
from tests.webhook_receiver import HANG, Receiver

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
RULES = """\
groups:
- name: availability
  rules:
  - alert: InstanceDown
    expr: up == 0
    for: 1m
    labels:
      severity: page
    annotations:
      summary: "{{ $labels.instance }} of {{ $labels.job }} is down"
"""
DOWN = make_labels({"__name__": "up", "job": "node", "instance": "db-1:9100"})
POLICY = RetryPolicy(base_delay=2.0, max_delay=60.0, lease=30.0)


def alerting(url: str, **webhook: Any) -> AlertingConfig:
    return AlertingConfig.model_validate(
        {
            "route": {"receiver": "ops", "group_by": ["alertname"], "group_wait": "30s"},
            "receivers": [{"name": "ops", "webhook_configs": [{"url": url, **webhook}]}],
            "delivery_attempts": 3,
        }
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def groups(tmp_path: Path) -> list[RuleGroup]:
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    return load_groups([path], default_interval=15.0)


def query(samples: list[tuple[Labels, float]]) -> QueryFunc:
    def run(expr: str, at: float) -> list[tuple[Labels, float]]:
        assert expr == "up == 0"
        return samples

    return run


def fire_and_dispatch(engine: Engine, groups: list[RuleGroup], config: AlertingConfig) -> None:
    """InstanceDown pending at T0, firing at T0+60, notified after group_wait at T0+90."""
    (group,) = groups
    for at in (T0, T0 + 60):
        evaluate_group(engine, group, query([(DOWN, 0.0)]), at, external_labels={"dc": "eu1"})
    urls = generator_urls(groups, "http://vigil:8080")
    assert dispatch(engine, config, T0 + 89, external_labels={"dc": "eu1"}) == []
    (added,) = dispatch(
        engine,
        config,
        T0 + 90,
        external_labels={"dc": "eu1"},
        external_url="http://vigil:8080",
        generator_urls=urls,
    )
    assert added.url == config.receivers[0].webhook_configs[0].url


def attempts(engine: Engine) -> list[tuple[int | None, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(NotificationAttempt.status_code, NotificationAttempt.error).order_by(
                NotificationAttempt.id
            )
        ).all()
    return [(row.status_code, row.error) for row in rows]


def outbox(engine: Engine) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(Notification)).one()


def test_a_failing_receiver_gets_the_notification_once_it_recovers(
    engine: Engine, groups: list[RuleGroup], receiver: Receiver
) -> None:
    config = alerting(receiver.url, headers={"Authorization": "Bearer abc"})
    fire_and_dispatch(engine, groups, config)
    receiver.script = [500, 200]
    rng = random.Random(3)
    first = deliver_due(engine, config, T0 + 90, rng=rng, policy=POLICY)
    assert first.retrying and not first.delivered
    row = outbox(engine)
    assert row.status == "pending" and row.attempts == 1
    assert T0 + 91 <= row.next_attempt_at <= T0 + 92  # 2s base backoff, jittered
    assert "500" in row.last_error
    assert deliver_due(engine, config, T0 + 90.5, rng=rng, policy=POLICY).retrying == []
    second = deliver_due(engine, config, T0 + 95, rng=rng, policy=POLICY)
    assert second.delivered == [row.id]
    row = outbox(engine)
    assert (row.status, row.attempts, row.delivered_at) == ("delivered", 2, T0 + 95)
    assert attempts(engine) == [(500, "unexpected status code 500: ok"), (200, "")]
    assert deliver_due(engine, config, T0 + 1000, policy=POLICY).delivered == []

    one, two = receiver.requests
    assert one.body == two.body
    assert one.headers["Idempotency-Key"] == two.headers["Idempotency-Key"] == row.idempotency_key
    assert one.headers["Authorization"] == "Bearer abc"
    assert one.headers["Content-Type"] == "application/json"
    message = one.json()
    assert message["version"] == "4"
    assert message["receiver"] == "ops"
    assert message["status"] == "firing"
    assert message["groupKey"] == '{}:{alertname="InstanceDown"}'
    assert message["truncatedAlerts"] == 0
    assert message["groupLabels"] == {"alertname": "InstanceDown"}
    labels = {
        "alertname": "InstanceDown",
        "dc": "eu1",
        "instance": "db-1:9100",
        "job": "node",
        "severity": "page",
    }
    assert message["commonLabels"] == labels
    assert message["commonAnnotations"] == {"summary": "db-1:9100 of node is down"}
    assert message["externalURL"] == "http://vigil:8080"
    (alert,) = message["alerts"]
    assert alert["status"] == "firing"
    assert alert["labels"] == labels
    assert alert["annotations"] == {"summary": "db-1:9100 of node is down"}
    assert alert["startsAt"] == "2023-11-14T22:14:20Z"  # fired_at, one minute after T0
    assert alert["endsAt"] == "0001-01-01T00:00:00Z"
    assert alert["generatorURL"] == "http://vigil:8080/graph?g0.expr=up+%3D%3D+0&g0.tab=1"
    assert len(alert["fingerprint"]) == 16


def test_resolution_is_delivered(
    engine: Engine, groups: list[RuleGroup], receiver: Receiver
) -> None:
    config = alerting(receiver.url)
    fire_and_dispatch(engine, groups, config)
    deliver_due(engine, config, T0 + 90, policy=POLICY)
    evaluate_group(engine, groups[0], query([]), T0 + 120)
    assert dispatch(engine, config, T0 + 200, external_labels={"dc": "eu1"}) == []
    assert len(dispatch(engine, config, T0 + 390, external_labels={"dc": "eu1"})) == 1
    assert deliver_due(engine, config, T0 + 390, policy=POLICY).delivered
    message = receiver.requests[-1].json()
    assert message["status"] == "resolved"
    assert message["alerts"][0]["endsAt"] == "2023-11-14T22:15:20Z"
    assert dispatch(engine, config, T0 + 5000, external_labels={"dc": "eu1"}) == []


def test_a_client_error_is_dead_lettered(
    engine: Engine, groups: list[RuleGroup], receiver: Receiver
) -> None:
    config = alerting(receiver.url)
    fire_and_dispatch(engine, groups, config)
    receiver.script = [400]
    report = deliver_due(engine, config, T0 + 90, policy=POLICY)
    assert report.dead and not report.retrying
    assert outbox(engine).status == "dead"
    assert attempts(engine) == [(400, "unexpected status code 400: ok")]
    assert deliver_due(engine, config, T0 + 10_000, policy=POLICY).dead == []
    assert len(receiver.requests) == 1


def test_server_errors_are_dead_after_delivery_attempts(
    engine: Engine, groups: list[RuleGroup], receiver: Receiver
) -> None:
    config = alerting(receiver.url)
    fire_and_dispatch(engine, groups, config)
    receiver.script = [503, 503, 503, 200]
    now = T0 + 90
    for _ in range(3):
        deliver_due(engine, config, now, policy=POLICY)
        now += 120
    assert outbox(engine).status == "dead"
    assert [code for code, _ in attempts(engine)] == [503, 503, 503]


def test_a_receiver_hanging_past_the_timeout_is_retried(
    engine: Engine, groups: list[RuleGroup], receiver: Receiver
) -> None:
    config = alerting(receiver.url, timeout="300ms")
    fire_and_dispatch(engine, groups, config)
    receiver.script = [HANG]
    report = deliver_due(engine, config, T0 + 90, policy=POLICY)
    assert report.retrying
    ((code, error),) = attempts(engine)
    assert code is None and error == "timed out after 0.3s"
    assert deliver_due(engine, config, T0 + 200, policy=POLICY).delivered
    assert len(receiver.requests) == 2


def test_a_refused_connection_is_retried(engine: Engine, groups: list[RuleGroup]) -> None:
    config = alerting("http://127.0.0.1:9/hook")  # the discard port: nothing listens
    fire_and_dispatch(engine, groups, config)
    assert deliver_due(engine, config, T0 + 90, policy=POLICY).retrying
    assert attempts(engine)[0][1].startswith("connection failed")


def test_only_one_worker_claims_a_row_and_a_dead_workers_claim_expires(
    engine: Engine, groups: list[RuleGroup], receiver: Receiver
) -> None:
    config = alerting(receiver.url)
    fire_and_dispatch(engine, groups, config)
    (claim,) = claim_due(engine, T0 + 90, max_attempts=3, lease=30)
    assert claim_due(engine, T0 + 90, max_attempts=3, lease=30) == []
    assert claim_due(engine, T0 + 119, max_attempts=3, lease=30) == []
    (reclaimed,) = claim_due(engine, T0 + 120, max_attempts=3, lease=30)  # the lease expired
    assert reclaimed.id == claim.id and reclaimed.attempt == claim.attempt + 1
    # The first worker wakes up late: its outcome must not override the new owner's.
    stale = record_outcome(
        engine,
        claim,
        DeliveryResult(True, status_code=200),
        now=T0 + 121,
        latency=0.1,
        max_attempts=3,
        next_attempt_at=T0 + 121,
    )
    assert stale == "superseded"
    assert outbox(engine).status == "sending"
    assert deliver_due(engine, config, T0 + 150, policy=POLICY).delivered == [claim.id]


def test_a_configured_secret_signs_every_delivered_body(
    engine: Engine, groups: list[RuleGroup], receiver: Receiver, tmp_path: Path
) -> None:
    secret_file = tmp_path / "hook.secret"
    secret_file.write_text("s3cret\n")
    config = alerting(receiver.url, hmac_secret_file=str(secret_file))
    fire_and_dispatch(engine, groups, config)
    deliver_due(engine, config, T0 + 90, policy=POLICY)
    (request,) = receiver.requests
    fields = dict(part.split("=", 1) for part in request.headers["X-Vigil-Signature"].split(","))
    signed = f"{fields['t']}.".encode() + request.body
    assert fields["v1"] == hmac.new(b"s3cret", signed, hashlib.sha256).hexdigest()


def test_a_config_with_two_secrets_is_refused(receiver: Receiver) -> None:
    with pytest.raises(ValueError, match="at most one of hmac_secret and hmac_secret_file"):
        alerting(receiver.url, hmac_secret="a", hmac_secret_file="/x")
