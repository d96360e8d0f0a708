"""Checking a name and password, with failures throttled per address and per account.

The clock comes from the console context so tests move it past a lockout.
A locked-out attempt is refused before the password is checked, and an
unknown name costs as much as a wrong password, so neither tells anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from store.db import write_transaction
from store.login_throttle import (
    ThrottleRule,
    clear_failures,
    locked_until,
    record_failure,
    throttle_key,
)
from store.passwords import dummy_hash, verify_password
from store.users import UserRecord, find_user

ACCOUNT_FAILURE_FACTOR = 4
"""An account alone is locked after this many times the per-address limit."""


@dataclass(frozen=True)
class LoginOutcome:
    user: UserRecord | None
    locked_until: float | None = None


def throttle_rules(max_failures: int, lockout_seconds: float) -> tuple[ThrottleRule, ThrottleRule]:
    return (
        ThrottleRule("address+user", max_failures, lockout_seconds, lockout_seconds),
        ThrottleRule(
            "user", max_failures * ACCOUNT_FAILURE_FACTOR, lockout_seconds, lockout_seconds
        ),
    )


def attempt_login(
    engine: Engine,
    name: str,
    password: str,
    *,
    address: str,
    now: float,
    max_failures: int,
    lockout_seconds: float,
) -> LoginOutcome:
    by_address, by_user = throttle_rules(max_failures, lockout_seconds)
    keys = [
        (throttle_key(by_address, address, name), by_address),
        (throttle_key(by_user, name), by_user),
    ]
    with engine.connect() as connection:
        locks = [until for key, _ in keys if (until := locked_until(connection, key, now))]
        user = find_user(connection, name) if not locks else None
    if locks:
        return LoginOutcome(None, max(locks))
    matches = verify_password(password, user.password_hash if user else dummy_hash())
    with write_transaction(engine) as connection:
        if user is not None and matches:
            clear_failures(connection, keys[0][0])
            return LoginOutcome(user)
        for key, rule in keys:
            record_failure(connection, key, rule, now)
    return LoginOutcome(None)
