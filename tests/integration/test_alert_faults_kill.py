"""A `vigil agent` killed with SIGKILL in the middle of a webhook delivery.

The agent scrapes the demo fleet's gateway, a rule fires at once, and the
receiver accepts the request and never answers, so the agent is certainly
mid-send when it is killed. The receiver then answers normally and a new agent
delivers the notification once the dead agent's lease on it has lapsed: the
same body and the same Idempotency-Key, and the outbox row ends ``delivered``.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from alerts.config import AlertingConfig
from alerts.outbox import delivery_lease
from demo import Fleet
from store.models import Notification, NotificationAttempt
from tests.processes import free_port, kill, start, stop
from tests.webhook_receiver import HANG, Receiver

pytestmark = pytest.mark.slow

RULES = """\
groups:
- name: canary
  interval: 1s
  rules:
  - alert: GatewayUp
    expr: up{job="gateway"} == 1
    for: 0s
    labels:
      severity: info
"""
WEBHOOK_TIMEOUT_S = 2


def _alerting(url: str) -> dict[str, Any]:
    return {
        "route": {"receiver": "ops", "group_by": ["alertname"], "group_wait": "0s"},
        "receivers": [
            {"name": "ops", "webhook_configs": [{"url": url, "timeout": f"{WEBHOOK_TIMEOUT_S}s"}]}
        ],
    }


def _write_config(path: Path, fleet: Fleet, database: Engine, url: str) -> None:
    (gateway,) = [s for s in fleet.services if s.name == "gateway"]
    (path.parent / "rules.yml").write_text(RULES)
    path.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
                "storage": {
                    "url": database.url.render_as_string(hide_password=False),
                    "data_dir": str(path.parent / "var"),
                },
                "agent": {"bind": f"127.0.0.1:{free_port()}"},
                "scrape_configs": [
                    {
                        "job_name": "gateway",
                        "static_configs": [{"targets": [gateway.url.removeprefix("http://")]}],
                    }
                ],
                "rule_files": ["rules.yml"],
                "alerting": _alerting(url),
            }
        )
    )


def _poll(condition: Callable[[], bool], timeout: float, what: str, period: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(period)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def _rows(database: Engine) -> list[Any]:
    with database.connect() as connection:
        return list(connection.execute(select(Notification)).all())


def _attempts(database: Engine) -> list[Any]:
    with database.connect() as connection:
        return list(
            connection.execute(select(NotificationAttempt).order_by(NotificationAttempt.id)).all()
        )


@pytest.fixture
def agents() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Agents started by the test; whatever is still running at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                kill(process)


def test_a_delivery_cut_by_sigkill_is_completed_after_restart(
    database: Engine,
    demo_fleet: Fleet,
    receiver: Receiver,
    tmp_path: Path,
    agents: list[subprocess.Popen[bytes]],
) -> None:
    began = time.monotonic()
    config = tmp_path / "vigil.yml"
    _write_config(config, demo_fleet, database, receiver.url)
    lease = delivery_lease(AlertingConfig.model_validate(_alerting(receiver.url)))
    assert lease < 10  # what the restart waits for

    receiver.script = [HANG]
    agents.append(start(config, "agent"))
    _poll(lambda: len(receiver.requests) >= 1, 15, "the first delivery to reach the receiver")
    output = kill(agents[0])  # mid-send: the receiver holds the request unanswered
    killed_at = time.monotonic()
    receiver.release.set()  # from now on the receiver answers 200

    (row,) = _rows(database)
    assert (row.status, row.attempts) == ("sending", 1), output
    assert _attempts(database) == []  # the attempt never finished

    agents.append(start(config, "agent"))
    _poll(lambda: _rows(database)[0].status == "delivered", lease + 10, "the redelivery", 0.1)
    redelivered_after = time.monotonic() - killed_at
    status, output = stop(agents[1])
    assert status == 0, output

    (row,) = _rows(database)
    assert (row.status, row.attempts) == ("delivered", 2)
    assert [(a.status_code, a.error) for a in _attempts(database)] == [(200, "")]
    first, *again = receiver.requests
    assert again, "the notification was delivered after the restart"
    for request in again:  # at-least-once: each duplicate is the same notification
        assert request.headers["Idempotency-Key"] == first.headers["Idempotency-Key"]
        assert request.body == first.body
    assert first.headers["Idempotency-Key"] == row.idempotency_key
    message = first.json()
    assert message["status"] == "firing"
    assert message["commonLabels"]["alertname"] == "GatewayUp"
    assert redelivered_after <= lease + 3
    assert time.monotonic() - began < 30
