"""Alert states and the outbox in a real database: round trips, restarts, idempotency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select

from alerts.alerting import FIRING, INACTIVE, PENDING, ActiveAlert
from alerts.config import AlertingConfig
from alerts.dispatch import PlannedNotification, dispatch, enqueue
from alerts.manager import evaluate_group, load_groups
from alerts.outbox import claim_due
from alerts.state import load_states, mark_sent, prune_rules, save_states
from promql.labels import Labels, make_labels
from store.db import open_engine, upgrade, write_transaction
from store.models import Notification

T0 = 1_700_000_000.0
KEY = "rules.yml;g;Down"


def alert(instance: str, state: str = FIRING, **times: float | None) -> ActiveAlert:
    labels = make_labels({"alertname": "Down", "instance": instance})
    return ActiveAlert(
        labels, (("summary", f"{instance} <down>"),), state, active_at=T0, value=0.5, **times
    )


def test_states_round_trip_and_keep_last_sent_at(database: Engine) -> None:
    a = alert("a", fired_at=T0 + 60)
    b = alert("b", PENDING)
    with write_transaction(database) as connection:
        save_states(connection, KEY, {a.fingerprint: a, b.fingerprint: b})
        mark_sent(connection, [(KEY, a.fingerprint)], T0 + 90)
    with database.connect() as connection:
        loaded = load_states(connection)
    assert loaded[KEY][a.fingerprint].last_sent_at == T0 + 90
    assert loaded[KEY][b.fingerprint] == b
    resolved = ActiveAlert(**{**a.__dict__, "state": INACTIVE, "resolved_at": T0 + 120})
    with write_transaction(database) as connection:
        save_states(connection, KEY, {a.fingerprint: resolved})  # b is gone
        after = load_states(connection, [KEY])[KEY]
    assert list(after) == [a.fingerprint]
    assert after[a.fingerprint].resolved_at == T0 + 120
    assert after[a.fingerprint].last_sent_at == T0 + 90  # owned by the dispatcher


def test_saving_against_what_was_loaded_writes_only_what_changed(database: Engine) -> None:
    a, b, c = alert("a", fired_at=T0), alert("b", PENDING), alert("c", PENDING)
    with write_transaction(database) as connection:
        save_states(connection, KEY, {a.fingerprint: a, b.fingerprint: b})
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(args[2])

    event.listen(database, "before_cursor_execute", note)
    with write_transaction(database) as connection:
        stored = load_states(connection, [KEY])[KEY]
        statements.clear()
        firing = ActiveAlert(**{**b.__dict__, "state": FIRING, "fired_at": T0 + 60})
        save_states(connection, KEY, {a.fingerprint: a, b.fingerprint: firing}, stored)
        assert [s.split()[0] for s in statements] == ["UPDATE"]  # b only: a is unchanged
        statements.clear()
        save_states(connection, "other", {}, {})
        assert statements == []
        save_states(connection, KEY, {c.fingerprint: c}, load_states(connection, [KEY])[KEY])
        after = load_states(connection, [KEY])[KEY]
    assert list(after) == [c.fingerprint]
    event.remove(database, "before_cursor_execute", note)


def test_removed_rules_resolve_then_disappear(database: Engine) -> None:
    firing, pending = alert("a", fired_at=T0), alert("b", PENDING)
    with write_transaction(database) as connection:
        save_states(connection, KEY, {firing.fingerprint: firing})
        save_states(connection, "other", {pending.fingerprint: pending})
        prune_rules(connection, keep=set(), now=T0 + 100)
        states = load_states(connection)
    assert list(states) == [KEY]
    assert states[KEY][firing.fingerprint].state == INACTIVE
    assert states[KEY][firing.fingerprint].resolved_at == T0 + 100
    with write_transaction(database) as connection:
        prune_rules(connection, keep=set(), now=T0 + 100 + 15 * 60 + 1)
        assert load_states(connection) == {}


def test_the_same_notification_is_enqueued_once(database: Engine) -> None:
    planned = PlannedNotification("ops", "webhook", "http://h", "{}:{}", "{}", "k" * 64, ())
    with write_transaction(database) as connection:
        assert enqueue(connection, planned, T0)
        assert not enqueue(connection, planned, T0 + 1)
    with write_transaction(database) as connection:
        assert not enqueue(connection, planned, T0 + 2)
    with database.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Notification)) == 1
    (claim,) = claim_due(database, T0, max_attempts=3, lease=60)
    assert claim_due(database, T0, max_attempts=3, lease=60) == []
    assert claim.attempt == 1


def test_a_restart_keeps_for_timers_firing_alerts_and_what_was_sent(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: 5m\n"
    )
    (group,) = load_groups([rules], default_interval=15.0)
    down: list[tuple[Labels, float]] = [(make_labels({"__name__": "up", "instance": "a"}), 0.0)]
    config = AlertingConfig.model_validate(
        {
            "route": {"receiver": "ops", "group_wait": "0s"},
            "receivers": [{"name": "ops", "webhook_configs": [{"url": "http://h"}]}],
        }
    )
    url = f"sqlite:///{tmp_path / 'x.db'}"

    def run(step: int, now: float) -> list[PlannedNotification]:
        engine = open_engine(url)  # a fresh process each step
        try:
            if step == 0:
                upgrade(engine)
            evaluate_group(engine, group, lambda expr, at: down, now)
            return dispatch(engine, config, now)
        finally:
            engine.dispose()

    assert run(0, T0) == []  # pending
    assert run(1, T0 + 240) == []  # still pending: the timer did not restart
    (first,) = run(2, T0 + 300)  # fires exactly 5m after T0
    assert run(3, T0 + 330) == []  # not sent again after the restart
    engine = open_engine(url)
    with engine.connect() as connection:
        ((stored,),) = [rule.values() for rule in load_states(connection).values()]
        keys = connection.scalars(select(Notification.idempotency_key)).all()
    engine.dispose()
    assert (stored.state, stored.active_at, stored.fired_at) == (FIRING, T0, T0 + 300)
    assert keys == [first.idempotency_key]
