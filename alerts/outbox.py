"""Delivering the outbox: claim due rows, send them, retry with backoff, log every attempt.

A row is claimed with a conditional UPDATE that also bumps ``attempts``, so of
two workers racing for it exactly one wins, and the attempt number doubles as
a fencing token: a worker whose lease expired (and whose row was reclaimed)
cannot overwrite the new owner's outcome. While a row is ``sending``,
``claimed_until`` holds its lease expiry, which is what makes a row claimed
by a crashed process due again. HTTP happens outside any transaction.

Rows are claimed one at a time, right before each is sent, so a lease only
has to outlast one send (not a whole batch of them, which another worker
would reclaim and send again while this one was still working through it).
Notifications of one group to one integration go out in the order they were
decided: a row waits while an older one of the same group is still pending
or being sent, so a resolution never overtakes the firing message it follows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import Connection, Engine, exists, insert, or_, select, update
from sqlalchemy.orm import aliased

from alerts.config import AlertingConfig, WebhookConfig
from alerts.notifiers import NOTIFIERS, DeliveryResult, Outgoing
from alerts.notifiers.webhook import signing_secret
from store.db import write_transaction
from store.models import Notification, NotificationAttempt

PENDING = "pending"
SENDING = "sending"
DELIVERED = "delivered"
DEAD = "dead"
SUPERSEDED = "superseded"


_CANDIDATES = 50
"""Due rows a claim looks at, so dead-lettered rows and lost races don't end it early."""


@dataclass(frozen=True)
class RetryPolicy:
    base_delay: float = 1.0
    max_delay: float = 300.0
    lease: float = 120.0
    """How long a claim lasts; longer than any send (timeout included) can take."""


LEASE_SLACK = 5.0
"""Seconds a lease allows beyond the sends themselves: reading a secret, writing the outcome."""


def delivery_lease(config: AlertingConfig) -> float:
    """A lease outlasting one send to any integration of ``config``: connect plus read timeout.

    Rows are claimed one at a time, so this is what a worker killed mid-send
    (SIGKILL, OOM) delays its notification by, instead of a fixed two minutes.
    """
    timeouts = [
        float(getattr(settings, "timeout", 10.0))
        for receiver in config.receivers
        for kind in NOTIFIERS
        for settings in getattr(receiver, f"{kind}_configs", [])
    ]
    return 2 * max(timeouts, default=10.0) + LEASE_SLACK


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": between half and all of base * 2^(n-1)."""
    ceiling = min(policy.max_delay, policy.base_delay * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + rng.random() * ceiling / 2


@dataclass(frozen=True)
class Claim:
    id: int
    attempt: int
    receiver: str
    url: str
    body: str
    idempotency_key: str
    integration: str = ""
    """The notifier type; "" for rows written before it was recorded."""
    integration_index: int = 0


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)


def claim_due(
    engine: Engine, now: float, *, max_attempts: int, lease: float, limit: int = 50
) -> list[Claim]:
    """Claim up to ``limit`` due rows; expired claims of dead workers are due again."""
    pending = (Notification.status == PENDING) & (Notification.next_attempt_at <= now)
    # A claim without an expiry (from before claimed_until existed) has lapsed.
    lease_over = or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now)
    lapsed = (Notification.status == SENDING) & lease_over
    # An older notification of the same group and integration goes first.
    earlier = aliased(Notification)
    queued_behind = exists().where(
        earlier.id < Notification.id,
        earlier.status.in_([PENDING, SENDING]),
        earlier.group_key == Notification.group_key,
        earlier.receiver == Notification.receiver,
        earlier.integration == Notification.integration,
        earlier.integration_index == Notification.integration_index,
        earlier.url == Notification.url,
    )
    in_order = (Notification.group_key == "") | ~queued_behind
    claims: list[Claim] = []
    with write_transaction(engine) as connection:
        rows = connection.execute(
            select(Notification)
            .where(or_(pending, lapsed), in_order)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(max(limit, _CANDIDATES))  # rows given up on or lost to a race don't count
        ).all()
        for row in rows:
            if len(claims) >= limit:
                break
            owned = (
                (Notification.id == row.id)
                & (Notification.status == row.status)
                & (Notification.attempts == row.attempts)
                & or_(pending, lapsed)
            )
            if row.attempts >= max_attempts:
                # Its last attempt's worker died: give up rather than exceed the limit.
                connection.execute(
                    update(Notification)
                    .where(owned)
                    .values(status=DEAD, last_error=row.last_error or "claim expired")
                )
                continue
            won = connection.execute(
                update(Notification)
                .where(owned)
                .values(status=SENDING, attempts=row.attempts + 1, claimed_until=now + lease)
            )
            if won.rowcount == 1:
                claims.append(
                    Claim(
                        row.id,
                        row.attempts + 1,
                        row.receiver,
                        row.url,
                        row.payload,
                        row.idempotency_key,
                        row.integration,
                        row.integration_index,
                    )
                )
    return claims


def _integration(config: AlertingConfig, claim: Claim) -> tuple[str, Any]:
    """The notifier type and settings for a row: its receiver's integration at that index.

    Settings are matched by URL too, so a config edited since is not applied
    to another endpoint; a row whose receiver or integration was since removed
    is still sent, with default settings.
    """
    for receiver in config.receivers:
        if receiver.name != claim.receiver:
            continue
        for kind in [claim.integration] if claim.integration in NOTIFIERS else list(NOTIFIERS):
            candidates = list(enumerate(getattr(receiver, f"{kind}_configs", [])))
            candidates.sort(key=lambda pair: pair[0] != claim.integration_index)
            for _, settings in candidates:
                if settings.url == claim.url:
                    return kind, settings
    kind = claim.integration if claim.integration in NOTIFIERS else "webhook"
    return kind, WebhookConfig(url=claim.url)


def record_outcome(
    engine: Engine,
    claim: Claim,
    result: DeliveryResult,
    *,
    now: float,
    latency: float,
    max_attempts: int,
    next_attempt_at: float,
) -> str:
    """Log the attempt and move the row on; returns its new status."""
    if result.ok:
        values: dict[str, Any] = {"status": DELIVERED, "delivered_at": now, "last_error": ""}
    elif result.retryable and claim.attempt < max_attempts:
        values = {"status": PENDING, "next_attempt_at": next_attempt_at, "last_error": result.error}
    else:
        values = {"status": DEAD, "last_error": result.error}
    with write_transaction(engine) as connection:
        connection.execute(
            insert(NotificationAttempt).values(
                notification_id=claim.id,
                at=now,
                status_code=result.status_code,
                latency_seconds=latency,
                error=result.error,
            )
        )
        owned = connection.execute(
            update(Notification)
            .where(
                Notification.id == claim.id,
                Notification.status == SENDING,
                Notification.attempts == claim.attempt,
            )
            .values(**values)
        )
    # Lost the row (our lease expired and another worker reclaimed it): its outcome rules.
    return str(values["status"]) if owned.rowcount == 1 else SUPERSEDED


def deliver_due(
    engine: Engine,
    config: AlertingConfig,
    now: float,
    *,
    session: requests.Session | None = None,
    rng: random.Random | None = None,
    policy: RetryPolicy | None = None,
    clock: Callable[[], float] = time.monotonic,
    limit: int = 50,
) -> DeliveryReport:
    """Send every due outbox row once; call it each cycle with the current time.

    Without a ``policy`` the default backoff applies with ``delivery_lease(config)``.
    """
    policy = policy or RetryPolicy(lease=delivery_lease(config))
    rng = rng or random.Random()
    own_session = session is None
    http = session or requests.Session()
    report = DeliveryReport()
    began = clock()
    try:
        for _ in range(limit):
            # One row per claim, its lease starting when its own send does.
            claims = claim_due(
                engine,
                now + (clock() - began),
                max_attempts=config.delivery_attempts,
                lease=policy.lease,
                limit=1,
            )
            if not claims:
                break
            (claim,) = claims
            kind, settings = _integration(config, claim)
            started = clock()
            try:
                secret = signing_secret(settings)
            except OSError as error:
                result = DeliveryResult(
                    ok=False, retryable=True, error=f"cannot read hmac_secret_file: {error}"
                )
            else:
                outgoing = Outgoing(
                    claim.url,
                    claim.body,
                    claim.idempotency_key,
                    timeout=getattr(settings, "timeout", 10.0),
                    headers=getattr(settings, "headers", {}),
                    signing_secret=secret,
                )
                result = NOTIFIERS[kind].send(http, outgoing)
            latency = clock() - started
            delay = backoff_delay(claim.attempt, policy, rng)
            if result.retry_after is not None:
                delay = max(delay, min(result.retry_after, policy.max_delay))
            status = record_outcome(
                engine,
                claim,
                result,
                now=now,
                latency=latency,
                max_attempts=config.delivery_attempts,
                next_attempt_at=now + delay,
            )
            outcomes = {DELIVERED: report.delivered, PENDING: report.retrying, DEAD: report.dead}
            outcomes.get(status, report.superseded).append(claim.id)
    finally:
        if own_session:
            http.close()
    return report


def retry_notification(connection: Connection, notification_id: int, now: float) -> str | None:
    """Make a dead or pending row due at ``now`` with a fresh set of attempts.

    Returns the status the row had (None: no such row); only ``dead`` and
    ``pending`` rows change. Attempts restart from 0 because ``claim_due``
    dead-letters a row that already used ``delivery_attempts``; the attempt
    log keeps the earlier tries, and ``last_error`` stays until the next one.
    A row is not resent once a newer message of its group reached the same
    endpoint (``superseded`` is returned): it would undo what that one said.
    """
    row = connection.execute(select(Notification).where(Notification.id == notification_id)).first()
    if row is None or row.status not in (DEAD, PENDING):
        return None if row is None else str(row.status)
    newer = aliased(Notification)
    superseded = connection.scalar(
        select(newer.id)
        .where(
            newer.id > row.id,
            newer.status == DELIVERED,
            newer.group_key == row.group_key,
            newer.group_key != "",
            newer.receiver == row.receiver,
            newer.integration == row.integration,
            newer.integration_index == row.integration_index,
            newer.url == row.url,
        )
        .limit(1)
    )
    if superseded is not None:
        return SUPERSEDED
    connection.execute(
        update(Notification)
        .where(Notification.id == row.id, Notification.status == row.status)
        .values(status=PENDING, attempts=0, next_attempt_at=now, claimed_until=None)
    )
    return str(row.status)
