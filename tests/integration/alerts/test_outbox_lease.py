"""The outbox's claim lease lives in its own column, leaving the retry schedule alone."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from alerts.dispatch import PlannedNotification, enqueue
from alerts.outbox import claim_due
from store.db import write_transaction
from store.models import Notification

T0 = 1_700_000_000.0


def planned(key: str) -> PlannedNotification:
    return PlannedNotification("ops", "webhook", "http://h", "{}:{}", "{}", key * 64, (), 1)


def test_a_claim_sets_claimed_until_and_keeps_next_attempt_at(database: Engine) -> None:
    with write_transaction(database) as connection:
        enqueue(connection, planned("a"), T0)
    (claim,) = claim_due(database, T0 + 5, max_attempts=3, lease=60)
    assert (claim.integration, claim.integration_index) == ("webhook", 1)
    with database.connect() as connection:
        row = connection.execute(select(Notification)).one()
    assert (row.status, row.claimed_until, row.next_attempt_at) == ("sending", T0 + 65, T0)
    assert (row.integration, row.integration_index, row.group_key) == ("webhook", 1, "{}:{}")
    assert claim_due(database, T0 + 64, max_attempts=3, lease=60) == []
    assert len(claim_due(database, T0 + 65, max_attempts=3, lease=60)) == 1


def test_a_sending_row_without_a_lease_is_due(database: Engine) -> None:
    with write_transaction(database) as connection:
        enqueue(connection, planned("b"), T0)
        connection.execute(update(Notification).values(status="sending", attempts=1))
    (claim,) = claim_due(database, T0, max_attempts=3, lease=60)
    assert claim.attempt == 2
