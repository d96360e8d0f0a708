"""Alert states in the ``alert_states`` table, so a restart keeps what alerting knew.

Firing alerts, ``for`` and ``keep_firing_for`` timers and when an alert was
last notified (``last_sent_at``, for display) survive a restart. Each rule's
rows are replaced as a whole inside the caller's write transaction (one per
group evaluation), while ``last_sent_at`` belongs to the dispatcher and is
never overwritten here.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, select, tuple_, update
from sqlalchemy import insert as sql_insert

from alerts.alerting import FIRING, INACTIVE, RESOLVED_RETENTION, ActiveAlert
from promql.labels import Labels
from store.models import AlertState

RuleStates = dict[int, ActiveAlert]


def _labels_json(labels: Labels) -> str:
    return json.dumps([list(pair) for pair in labels], separators=(",", ":"))


@functools.lru_cache(maxsize=65_536)
def _labels_from_json(text: str) -> Labels:
    """Cached: every dispatch reads every alert's labels and annotations back, and
    they rarely change; the tuples are immutable, so sharing them is safe."""
    return tuple((str(name), str(value)) for name, value in json.loads(text))


def _alert_from_row(row: Any) -> ActiveAlert:
    return ActiveAlert(
        labels=_labels_from_json(row.labels),
        annotations=_labels_from_json(row.annotations),
        state=row.state,
        active_at=row.active_at,
        value=math.nan if row.last_value is None else row.last_value,
        fired_at=row.fired_at,
        resolved_at=row.resolved_at,
        keep_firing_since=row.keep_firing_since,
        last_sent_at=row.last_sent_at,
    )


_COLUMNS = (
    AlertState.rule_key,
    AlertState.fingerprint,
    AlertState.labels,
    AlertState.annotations,
    AlertState.state,
    AlertState.active_at,
    AlertState.fired_at,
    AlertState.resolved_at,
    AlertState.last_value,
    AlertState.last_sent_at,
    AlertState.keep_firing_since,
)


def load_states(
    connection: Connection, rule_keys: Collection[str] | None = None
) -> dict[str, RuleStates]:
    """Stored alerts by rule key, then fingerprint (all rules when ``rule_keys`` is None)."""
    query = select(*_COLUMNS)
    if rule_keys is not None:
        if not rule_keys:
            return {}
        query = query.where(AlertState.rule_key.in_(list(rule_keys)))
    states: dict[str, RuleStates] = {}
    for row in connection.execute(query):
        alert = _alert_from_row(row)
        states.setdefault(row.rule_key, {})[alert.fingerprint] = alert
    return states


def _values(rule_key: str, alert: ActiveAlert) -> dict[str, object]:
    return {
        "rule_key": rule_key,
        "fingerprint": alert.fingerprint,
        "labels": _labels_json(alert.labels),
        "annotations": _labels_json(alert.annotations),
        "state": alert.state,
        "active_at": alert.active_at,
        "fired_at": alert.fired_at,
        "resolved_at": alert.resolved_at,
        "keep_firing_since": alert.keep_firing_since,
        # SQLite stores NaN as NULL, so NaN is written as NULL everywhere.
        "last_value": None if math.isnan(alert.value) else alert.value,
    }


def save_states(
    connection: Connection,
    rule_key: str,
    alerts: Mapping[int, ActiveAlert],
    stored: Mapping[int, ActiveAlert] | None = None,
) -> None:
    """Make the stored alerts of ``rule_key`` exactly ``alerts`` (last_sent_at kept).

    ``stored``: what ``load_states`` read for the rule earlier in this
    transaction; rows it shows unchanged are not written again, and a rule
    with no alerts before or now costs no statement at all.
    """
    if stored is None:
        rows = select(*_COLUMNS).where(AlertState.rule_key == rule_key)
        stored = {a.fingerprint: a for a in map(_alert_from_row, connection.execute(rows))}
    gone = stored.keys() - alerts.keys()
    if gone:
        connection.execute(
            delete(AlertState).where(
                AlertState.rule_key == rule_key, AlertState.fingerprint.in_(list(gone))
            )
        )
    new_rows = [_values(rule_key, a) for fp, a in alerts.items() if fp not in stored]
    if new_rows:
        connection.execute(sql_insert(AlertState), new_rows)
    for fp, alert in alerts.items():
        if fp not in stored:
            continue
        values = _values(rule_key, alert)
        if values == _values(rule_key, stored[fp]):
            continue
        del values["rule_key"], values["fingerprint"]
        connection.execute(
            update(AlertState)
            .where(AlertState.rule_key == rule_key, AlertState.fingerprint == fp)
            .values(**values)
        )


def prune_rules(connection: Connection, keep: Collection[str], now: float) -> None:
    """Retire alerts of rules no longer configured.

    Their firing alerts become resolved (so receivers hear they ended), pending
    ones vanish, and resolved ones go once the retention has passed.
    """
    gone = [
        key for key in connection.scalars(select(AlertState.rule_key).distinct()) if key not in keep
    ]
    if not gone:
        return
    in_gone = AlertState.rule_key.in_(gone)
    connection.execute(
        update(AlertState)
        .where(in_gone, AlertState.state == FIRING)
        .values(state=INACTIVE, resolved_at=now)
    )
    connection.execute(
        delete(AlertState).where(
            in_gone,
            (AlertState.state != INACTIVE)
            | (AlertState.resolved_at < now - RESOLVED_RETENTION)
            | AlertState.resolved_at.is_(None),
        )
    )


def mark_sent(connection: Connection, alerts: Iterable[tuple[str, int]], at: float) -> None:
    """Record that these (rule key, fingerprint) alerts went into a notification at ``at``."""
    keys = list(alerts)
    if keys:
        connection.execute(
            update(AlertState)
            .where(tuple_(AlertState.rule_key, AlertState.fingerprint).in_(keys))
            .values(last_sent_at=at)
        )
