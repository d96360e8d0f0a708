"""Vigil's own notification API: the outbox with its delivery attempts, and retrying a row.

Prometheus and Alertmanager have no such endpoint, so it lives under
``/api/v1`` in the Prometheus envelope like the rest of Vigil's API. A
retry makes a dead (or waiting) row due now with a fresh set of attempts;
see ``alerts.outbox.retry_notification`` for why attempts restart. URLs are
shown as their scheme and host only: receiver URLs often carry tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response
from sqlalchemy import Connection, select

from alerts.outbox import DEAD, DELIVERED, PENDING, SENDING, SUPERSEDED, retry_notification
from console.api.envelope import ApiError, bad_data, success
from console.api.params import MAX_ID, int_param, param
from console.api.rules import go_time
from console.auth import Role, requires
from console.context import current
from store.db import write_transaction
from store.models import Notification, NotificationAttempt

blueprint = Blueprint("notifications_api", __name__, url_prefix="/api/v1")
STATUSES = (PENDING, SENDING, DELIVERED, DEAD)
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Attempt:
    at: float
    status_code: int | None
    latency_seconds: float
    error: str


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    receiver: str
    integration: str
    integration_index: int
    endpoint: str
    group_key: str
    status: str
    attempts: int
    created_at: float
    next_attempt_at: float
    delivered_at: float | None
    last_error: str
    log: tuple[Attempt, ...]


def endpoint(url: str) -> str:
    """Scheme, host and port of a receiver URL; path, query and credentials may hold secrets."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid URL>"
    if not parts.scheme or not host:
        return "<secret>"
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def list_outbox(
    connection: Connection, status: str | None = None, limit: int = DEFAULT_LIMIT
) -> list[OutboxEntry]:
    """The newest outbox rows (in one status, or all), each with its attempts, oldest first."""
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Notification.status == status)
    rows = connection.execute(query).all()
    log: dict[int, list[Attempt]] = {row.id: [] for row in rows}
    if rows:
        attempts = connection.execute(
            select(NotificationAttempt)
            .where(NotificationAttempt.notification_id.in_(list(log)))
            .order_by(NotificationAttempt.at, NotificationAttempt.id)
        )
        for attempt in attempts:
            log[attempt.notification_id].append(
                Attempt(attempt.at, attempt.status_code, attempt.latency_seconds, attempt.error)
            )
    return [
        OutboxEntry(
            id=row.id,
            receiver=row.receiver,
            integration=row.integration or "webhook",
            integration_index=row.integration_index,
            endpoint=endpoint(row.url),
            group_key=row.group_key,
            status=row.status,
            attempts=row.attempts,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            last_error=row.last_error,
            log=tuple(log[row.id]),
        )
        for row in rows
    ]


class RetryRefused(ApiError):
    """Why a row was not retried; an ApiError, so the API renders it in the envelope."""


def retry(connection: Connection, notification_id: int, now: float) -> str:
    """Retry one row; returns the status it had, or raises RetryRefused saying why not."""
    previous = retry_notification(connection, notification_id, now)
    if previous is None:
        raise RetryRefused("not_found", f"notification {notification_id} not found")
    if previous == SUPERSEDED:
        raise RetryRefused(
            "bad_data",
            f"notification {notification_id} is outdated: a newer notification of its group "
            "was delivered to the same receiver",
        )
    if previous not in (DEAD, PENDING):
        raise RetryRefused(
            "bad_data",
            f"notification {notification_id} is {previous}: "
            "only dead or pending ones can be retried",
        )
    return previous


def _api_entry(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "receiver": entry.receiver,
        "integration": entry.integration,
        "integrationIndex": entry.integration_index,
        "endpoint": entry.endpoint,
        "groupKey": entry.group_key,
        "status": entry.status,
        "attempts": entry.attempts,
        "createdAt": go_time(entry.created_at),
        "nextAttemptAt": go_time(entry.next_attempt_at) if entry.status == PENDING else None,
        "deliveredAt": go_time(entry.delivered_at) if entry.delivered_at is not None else None,
        "lastError": entry.last_error,
        "attemptLog": [
            {
                "at": go_time(a.at),
                "statusCode": a.status_code,
                "latencySeconds": a.latency_seconds,
                "error": a.error,
            }
            for a in entry.log
        ],
    }


@blueprint.route("/notifications", methods=["GET"])
@requires(Role.VIEWER)
def notifications() -> Response:
    status = param("status") or None
    if status is not None and status not in STATUSES:
        raise bad_data(f'invalid parameter "status": must be one of {", ".join(STATUSES)}')
    limit = int_param("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    with current().database.connect() as connection:
        entries = list_outbox(connection, status, limit)
    return success({"notifications": [_api_entry(e) for e in entries]})


@blueprint.route("/notifications/<int:notification_id>/retry", methods=["POST"])
@requires(Role.EDITOR)
def retry_one(notification_id: int) -> Response:
    if notification_id > MAX_ID:  # no such row, and too big for the database's integer
        raise RetryRefused("not_found", f"notification {notification_id} not found")
    context = current()
    with write_transaction(context.database) as connection:
        previous = retry(connection, notification_id, context.clock())
    return success({"id": notification_id, "status": PENDING, "previousStatus": previous})
