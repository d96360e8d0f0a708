"""Silences: mute notifications for matching alerts for a while, as Alertmanager's.

A silence is ``pending`` before ``starts_at``, ``active`` until ``ends_at``
(both inclusive) and ``expired`` afterwards; it mutes an alert while active and
every matcher matches. Rules follow ``silence/silence.go``: a silence needs a
matcher that does not match the empty label (else it would mute everything),
a change that would rewrite history (other matchers, an earlier start) expires
the old silence and creates a new one, and expiring is idempotent. The store
functions take a Connection so callers choose the transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from alerts import AlertsError
from alerts.matchers import (
    Matchers,
    matcher_from_json,
    matcher_to_json,
    matches,
    matches_empty,
    sort_matchers,
)
from promql.matchers import Matcher
from store.models import Silence as SilenceRow

PENDING = "pending"
ACTIVE = "active"
EXPIRED = "expired"
RETENTION = 5 * 86400.0
"""How long expired silences are kept (Alertmanager's default --data.retention)."""


class SilenceError(AlertsError, ValueError):
    """A silence that cannot be stored as asked."""


class SilenceNotFound(AlertsError, LookupError):
    """No silence has that ID."""


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: Matchers
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    updated_at: float

    def state(self, now: float) -> str:
        if now < self.starts_at:
            return PENDING
        return EXPIRED if now > self.ends_at else ACTIVE

    def mutes(self, labels: Mapping[str, str], now: float) -> bool:
        return self.state(now) == ACTIVE and matches(self.matchers, labels)


def silenced_by(silences: Sequence[Silence], labels: Mapping[str, str], now: float) -> list[str]:
    """IDs of the silences muting an alert with ``labels`` at ``now`` (pure)."""
    return sorted(s.id for s in silences if s.mutes(labels, now))


def validate(
    matchers: Sequence[Matcher], starts_at: float, ends_at: float, created_by: str = "-"
) -> None:
    """Raise SilenceError unless Alertmanager would accept the silence."""
    if not created_by.strip():
        raise SilenceError("created_by is required")
    if not matchers:
        raise SilenceError("at least one matcher is required")
    if all(matches_empty(m) for m in matchers):
        raise SilenceError("at least one matcher must not match the empty string")
    if ends_at < starts_at:
        raise SilenceError("end time must not be before start time")


def _can_update(old: Silence, new: Silence, now: float) -> bool:
    """Whether ``old`` may be changed in place without rewriting what it muted."""
    if old.matchers != new.matchers:
        return False
    state = old.state(now)
    if state == ACTIVE:
        return int(old.starts_at) == int(new.starts_at) and new.ends_at >= now
    return state == PENDING and new.starts_at >= now


def _from_row(row: Any) -> Silence:
    return Silence(
        id=row.id,
        matchers=sort_matchers(matcher_from_json(m) for m in json.loads(row.matchers)),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_by=row.created_by,
        comment=row.comment,
        updated_at=row.updated_at,
    )


def _values(silence: Silence) -> dict[str, object]:
    return {
        "matchers": json.dumps([matcher_to_json(m) for m in silence.matchers]),
        "starts_at": silence.starts_at,
        "ends_at": silence.ends_at,
        "created_by": silence.created_by,
        "comment": silence.comment,
        "updated_at": silence.updated_at,
    }


def get_silence(connection: Connection, silence_id: str) -> Silence | None:
    row = connection.execute(select(SilenceRow).where(SilenceRow.id == silence_id)).first()
    return None if row is None else _from_row(row)


def _insert(connection: Connection, silence: Silence) -> Silence:
    connection.execute(insert(SilenceRow).values(id=silence.id, **_values(silence)))
    return silence


def create_silence(
    connection: Connection,
    *,
    matchers: Sequence[Matcher],
    ends_at: float,
    created_by: str,
    now: float,
    starts_at: float | None = None,
    comment: str = "",
) -> Silence:
    """Store a new silence; a start in the past (or none) means ``now``."""
    start = now if starts_at is None or starts_at < now else starts_at
    validate(matchers, start, ends_at, created_by)
    silence = Silence(
        str(uuid.uuid4()), sort_matchers(matchers), start, ends_at, created_by, comment, now
    )
    return _insert(connection, silence)


def update_silence(
    connection: Connection,
    silence_id: str,
    *,
    matchers: Sequence[Matcher],
    starts_at: float,
    ends_at: float,
    created_by: str,
    now: float,
    comment: str = "",
) -> Silence:
    """Change a silence; returns it, or the new silence replacing it (a new ID).

    Alertmanager's rule: matchers changed, a start moved into the past or an
    expired silence means the old one is expired (kept as history) and a new
    one created.
    """
    old = get_silence(connection, silence_id)
    if old is None:
        raise SilenceNotFound(silence_id)
    validate(matchers, starts_at, ends_at, created_by)
    wanted = Silence(old.id, sort_matchers(matchers), starts_at, ends_at, created_by, comment, now)
    if _can_update(old, wanted, now):
        connection.execute(
            update(SilenceRow).where(SilenceRow.id == old.id).values(**_values(wanted))
        )
        return wanted
    if old.state(now) != EXPIRED:
        expire_silence(connection, old.id, now)
    return create_silence(
        connection,
        matchers=matchers,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        comment=comment,
        now=now,
    )


def expire_silence(connection: Connection, silence_id: str, now: float) -> Silence:
    """End a silence now (a pending one never starts); expiring twice is harmless."""
    silence = get_silence(connection, silence_id)
    if silence is None:
        raise SilenceNotFound(silence_id)
    state = silence.state(now)
    if state == EXPIRED:
        return silence
    start = now if state == PENDING else silence.starts_at
    connection.execute(
        update(SilenceRow)
        .where(SilenceRow.id == silence_id)
        .values(starts_at=start, ends_at=now, updated_at=now)
    )
    return Silence(
        silence.id, silence.matchers, start, now, silence.created_by, silence.comment, now
    )


def list_silences(
    connection: Connection, now: float, states: Collection[str] | None = None
) -> list[Silence]:
    """Silences in the given states (all when None): active first, then pending, then expired."""
    query = select(SilenceRow)
    if states is not None and EXPIRED not in states:
        query = query.where(SilenceRow.ends_at >= now)
    found = [_from_row(row) for row in connection.execute(query)]
    if states is not None:
        found = [s for s in found if s.state(now) in states]
    order = {ACTIVE: 0, PENDING: 1, EXPIRED: 2}
    return sorted(found, key=lambda s: (order[s.state(now)], s.ends_at, s.id))


def active_silences(connection: Connection, now: float) -> list[Silence]:
    return list_silences(connection, now, {ACTIVE})


def delete_expired_silences(connection: Connection, now: float) -> None:
    """Forget silences expired longer than the retention ago."""
    connection.execute(delete(SilenceRow).where(SilenceRow.ends_at < now - RETENTION))
