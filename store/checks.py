"""Health check state and its history of status changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from store.models import HealthCheck, HealthCheckEvent, table_of
from store.sqlutil import insert_ignoring_conflicts

CHECKS = table_of(HealthCheck)
EVENTS = table_of(HealthCheckEvent)


@dataclass(frozen=True)
class CheckInfo:
    name: str
    type: str
    target: str
    labels: dict[str, str]


@dataclass(frozen=True)
class CheckStatus:
    name: str
    type: str
    target: str
    labels: dict[str, str]
    status: str
    last_error: str
    last_check: float | None
    last_duration_seconds: float | None
    consecutive_failures: int
    consecutive_successes: int


def sync_checks(connection: Connection, checks: Sequence[CheckInfo]) -> None:
    """Make the table hold exactly the configured checks, keeping known state."""
    insert_ignoring_conflicts(
        connection,
        CHECKS,
        [
            {
                "name": check.name,
                "type": check.type,
                "target": check.target,
                "labels": json.dumps(check.labels),
                "status": "unknown",
                "last_error": "",
                "consecutive_failures": 0,
                "consecutive_successes": 0,
            }
            for check in checks
        ],
    )
    for check in checks:
        connection.execute(
            update(CHECKS)
            .where(CHECKS.c.name == check.name)
            .values(type=check.type, target=check.target, labels=json.dumps(check.labels))
        )
    names = [check.name for check in checks]
    connection.execute(delete(CHECKS).where(CHECKS.c.name.not_in(names)))


def get_check(connection: Connection, name: str) -> CheckStatus | None:
    row = connection.execute(select(CHECKS).where(CHECKS.c.name == name)).first()
    return _status(row) if row is not None else None


def record_check(
    connection: Connection,
    *,
    name: str,
    at: float,
    success: bool,
    duration_seconds: float,
    error: str | None,
    retries: int,
) -> CheckStatus | None:
    """Store a result; the status flips only after ``retries + 1`` results in a row.

    Returns the new state. A flip is also written to the history with its error.
    """
    current = get_check(connection, name)
    if current is None:
        return None
    failures = 0 if success else current.consecutive_failures + 1
    successes = current.consecutive_successes + 1 if success else 0
    status = current.status
    needed = retries + 1
    if success and (status != "up") and (successes >= needed or status == "unknown"):
        status = "up"
    elif not success and status != "down" and (failures >= needed or status == "unknown"):
        status = "down"
    state = {
        "status": status,
        "last_error": error or "",
        "last_check": at,
        "last_duration_seconds": duration_seconds,
        "consecutive_failures": failures,
        "consecutive_successes": successes,
    }
    connection.execute(update(CHECKS).where(CHECKS.c.name == name).values(**state))
    if status != current.status:
        connection.execute(
            insert(EVENTS).values(check_name=name, at=at, status=status, error=error or "")
        )
    return replace(current, **state)  # type: ignore[arg-type]


def list_checks(engine: Engine) -> list[CheckStatus]:
    with engine.connect() as connection:
        rows = connection.execute(select(CHECKS).order_by(CHECKS.c.name))
        return [_status(row) for row in rows]


def _status(row: object) -> CheckStatus:
    values = row._mapping  # type: ignore[attr-defined]
    return CheckStatus(
        name=values["name"],
        type=values["type"],
        target=values["target"],
        labels=json.loads(values["labels"]),
        status=values["status"],
        last_error=values["last_error"],
        last_check=values["last_check"],
        last_duration_seconds=values["last_duration_seconds"],
        consecutive_failures=values["consecutive_failures"],
        consecutive_successes=values["consecutive_successes"],
    )


@dataclass(frozen=True)
class CheckEvent:
    """A status change: when, to what, and the error text that caused it."""

    at: float
    status: str
    error: str


def check_history(
    connection: Connection, name: str, *, since: float | None = None, limit: int | None = None
) -> list[CheckEvent]:
    """Status changes, oldest first; with ``since``, the last change before it comes too,
    so the caller knows the status the window starts in."""
    query = select(EVENTS.c.at, EVENTS.c.status, EVENTS.c.error).where(EVENTS.c.check_name == name)
    if since is not None:
        before = (
            select(EVENTS.c.at)
            .where(EVENTS.c.check_name == name, EVENTS.c.at < since)
            .order_by(EVENTS.c.at.desc(), EVENTS.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = query.where(EVENTS.c.at >= func.coalesce(before, since))
    if limit is not None:
        newest = query.order_by(EVENTS.c.at.desc(), EVENTS.c.id.desc()).limit(limit)
        return [CheckEvent(*row) for row in reversed(connection.execute(newest).all())]
    rows = connection.execute(query.order_by(EVENTS.c.at, EVENTS.c.id))
    return [CheckEvent(*row) for row in rows]
