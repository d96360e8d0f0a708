"""Failed logins counted in the store, so every gunicorn worker sees the same lockout.

Each attempt is counted under several keys (the client address with the user
name, and the user name alone with a higher limit): guessing from one address
is stopped early, and guessing one account from many addresses later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from store.models import LoginFailure, table_of
from store.sqlutil import insert_ignoring_conflicts

FAILURES = table_of(LoginFailure)


@dataclass(frozen=True)
class ThrottleRule:
    """Lock a key for ``lockout_seconds`` after ``max_failures`` within ``window_seconds``."""

    prefix: str
    max_failures: int
    window_seconds: float
    lockout_seconds: float


def throttle_key(rule: ThrottleRule, *parts: str) -> str:
    text = "\x00".join((rule.prefix, *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def locked_until(connection: Connection, key: str, now: float) -> float | None:
    """When the key's lockout ends, or None if it is not locked now."""
    until = connection.execute(
        select(FAILURES.c.locked_until).where(FAILURES.c.key == key)
    ).scalar_one_or_none()
    return until if until is not None and until > now else None


def record_failure(connection: Connection, key: str, rule: ThrottleRule, now: float) -> None:
    """Count a failure; two workers counting the same key at once both count.

    The row is created if missing (ignoring a concurrent creation), then read
    under a row lock (PostgreSQL; SQLite's write transaction already holds
    the database) and updated.
    """
    fresh = {"key": key, "failures": 0, "first_failure_at": now, "locked_until": None}
    insert_ignoring_conflicts(connection, FAILURES, [fresh])
    row = connection.execute(
        select(FAILURES.c.failures, FAILURES.c.first_failure_at)
        .where(FAILURES.c.key == key)
        .with_for_update()
    ).one()
    if now - row.first_failure_at > rule.window_seconds:
        failures, first = 1, now
    else:
        failures, first = row.failures + 1, row.first_failure_at
    lock = now + rule.lockout_seconds if failures >= rule.max_failures else None
    connection.execute(
        update(FAILURES)
        .where(FAILURES.c.key == key)
        .values(failures=failures, first_failure_at=first, locked_until=lock)
    )


def clear_failures(connection: Connection, key: str) -> None:
    connection.execute(delete(FAILURES).where(FAILURES.c.key == key))
