"""/api/v1/notifications: the outbox with its attempts; retrying a dead letter over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert, select

from alerts.outbox import deliver_due
from console.config import VigilConfig
from store.db import write_transaction
from store.models import Notification, NotificationAttempt
from tests.integration.console.accounts import log_in
from tests.integration.console.alerting_setup import NOW, Clock, build_app
from tests.webhook_receiver import Receiver


def alerting(url: str) -> dict[str, Any]:
    return {
        "route": {"receiver": "ops"},
        "receivers": [{"name": "ops", "webhook_configs": [{"url": url}]}],
        "delivery_attempts": 3,
    }


@pytest.fixture
def client(database: Engine, receiver: Receiver) -> Iterator[FlaskClient]:
    with build_app(database, Clock(), alerting=alerting(receiver.url)).test_client() as test:
        yield test


@pytest.fixture
def editor(client: FlaskClient, database: Engine) -> None:
    log_in(client, database, "editor")


def add_row(
    database: Engine,
    url: str,
    status: str,
    *,
    attempts: Sequence[tuple[int | None, str]] = (),
    group_key: str = '{}:{alertname="Down"}',
    delivered_at: float | None = None,
) -> int:
    with write_transaction(database) as connection:
        row_id = connection.execute(
            insert(Notification)
            .values(
                idempotency_key=f"key-{status}-{NOW}-{len(attempts)}-{group_key}",
                receiver="ops",
                url=url,
                payload='{"status":"firing"}',
                status=status,
                attempts=len(attempts),
                created_at=NOW - 300,
                next_attempt_at=NOW - 200,
                delivered_at=delivered_at,
                last_error=attempts[-1][1] if attempts else "",
                integration="webhook",
                group_key=group_key,
            )
            .returning(Notification.id)
        ).scalar_one()
        for index, (code, error) in enumerate(attempts):
            connection.execute(
                insert(NotificationAttempt).values(
                    notification_id=row_id,
                    at=NOW - 250 + index * 10,
                    status_code=code,
                    latency_seconds=0.25,
                    error=error,
                )
            )
    return int(row_id)


def data(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    body: Any = response.json
    assert body["status"] == "success"
    return body["data"]


DEAD_ATTEMPTS: list[tuple[int | None, str]] = [
    (503, "unexpected status code 503"),
    (None, "connection refused"),
    (400, "unexpected status code 400: bad"),
]


def test_the_outbox_is_listed_newest_first_with_attempts(
    client: FlaskClient, database: Engine
) -> None:
    url = "http://user:pw@hooks.example:8443/services/T0KEN?x=1"
    dead = add_row(database, url, "dead", attempts=DEAD_ATTEMPTS)
    delivered = add_row(
        database, url, "delivered", attempts=[(200, "")], group_key="g2", delivered_at=NOW - 100
    )
    listed = data(client, "/api/v1/notifications")["notifications"]
    assert [entry["id"] for entry in listed] == [delivered, dead]
    assert listed[1] == {
        "id": dead,
        "receiver": "ops",
        "integration": "webhook",
        "integrationIndex": 0,
        "endpoint": "http://hooks.example:8443/…",
        "groupKey": '{}:{alertname="Down"}',
        "status": "dead",
        "attempts": 3,
        "createdAt": "2023-11-14T22:08:20Z",
        "nextAttemptAt": None,
        "deliveredAt": None,
        "lastError": "unexpected status code 400: bad",
        "attemptLog": [
            {
                "at": "2023-11-14T22:09:10Z",
                "statusCode": 503,
                "latencySeconds": 0.25,
                "error": "unexpected status code 503",
            },
            {
                "at": "2023-11-14T22:09:20Z",
                "statusCode": None,
                "latencySeconds": 0.25,
                "error": "connection refused",
            },
            {
                "at": "2023-11-14T22:09:30Z",
                "statusCode": 400,
                "latencySeconds": 0.25,
                "error": "unexpected status code 400: bad",
            },
        ],
    }
    assert listed[0]["deliveredAt"] == "2023-11-14T22:11:40Z"
    assert [
        e["id"] for e in data(client, "/api/v1/notifications?status=dead")["notifications"]
    ] == [dead]
    assert len(data(client, "/api/v1/notifications?limit=1")["notifications"]) == 1
    for query in ("status=lost", "limit=0", "limit=x"):
        response = client.get(f"/api/v1/notifications?{query}")
        assert response.status_code == 400
        assert response.json is not None and response.json["errorType"] == "bad_data"


@pytest.mark.usefixtures("editor")
def test_retrying_a_dead_letter_sends_it_on_the_next_delivery(
    client: FlaskClient, database: Engine, receiver: Receiver
) -> None:
    row_id = add_row(database, receiver.url, "dead", attempts=DEAD_ATTEMPTS)
    config = VigilConfig.model_validate({"alerting": alerting(receiver.url)}).alerting
    assert deliver_due(database, config, NOW).delivered == []  # dead rows are not sent

    response = client.post(f"/api/v1/notifications/{row_id}/retry")
    assert response.status_code == 200, response.text
    body: Any = response.json
    assert body["data"] == {"id": row_id, "status": "pending", "previousStatus": "dead"}
    with database.connect() as connection:
        row = connection.execute(select(Notification).where(Notification.id == row_id)).one()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, NOW)

    assert deliver_due(database, config, NOW + 1).delivered == [row_id]
    (sent,) = receiver.requests
    assert sent.body == b'{"status":"firing"}'
    (entry,) = data(client, "/api/v1/notifications")["notifications"]
    assert (entry["status"], entry["attempts"]) == ("delivered", 1)
    assert [a["statusCode"] for a in entry["attemptLog"]] == [503, None, 400, 200]


@pytest.mark.usefixtures("editor")
def test_only_dead_or_pending_rows_that_nothing_newer_replaced_are_retried(
    client: FlaskClient, database: Engine
) -> None:
    url = "http://hooks.example/x"
    delivered = add_row(database, url, "delivered", attempts=[(200, "")], group_key="other")
    old = add_row(database, url, "dead", attempts=DEAD_ATTEMPTS)
    add_row(database, url, "delivered", attempts=[(200, "")], delivered_at=NOW)
    refused = client.post(f"/api/v1/notifications/{delivered}/retry")
    assert refused.status_code == 400
    assert "only dead or pending" in refused.text
    outdated = client.post(f"/api/v1/notifications/{old}/retry")
    assert outdated.status_code == 400
    assert "newer notification of its group was delivered" in outdated.text
    missing = client.post("/api/v1/notifications/9999/retry")
    assert missing.status_code == 404
    assert missing.json is not None and missing.json["errorType"] == "not_found"


def test_retry_needs_the_editor_role(client: FlaskClient, database: Engine) -> None:
    row_id = add_row(database, "http://hooks.example/x", "dead", attempts=DEAD_ATTEMPTS)
    assert client.post(f"/api/v1/notifications/{row_id}/retry").status_code == 401
