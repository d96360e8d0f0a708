"""Routing state in a real database: restarts, silences, the log and the alert listing."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, func, select

import alerts.dispatch
from alerts.alerting import FIRING, INACTIVE, ActiveAlert
from alerts.config import AlertingConfig
from alerts.dispatch import dispatch
from alerts.listing import ACTIVE, SUPPRESSED, list_alerts
from alerts.matchers import parse_matchers
from alerts.silences import (
    ACTIVE as SILENCE_ACTIVE,
)
from alerts.silences import (
    EXPIRED,
    PENDING,
    SilenceError,
    SilenceNotFound,
    create_silence,
    delete_expired_silences,
    expire_silence,
    get_silence,
    list_silences,
    update_silence,
)
from alerts.state import load_states, save_states
from promql.labels import make_labels
from store.db import open_engine, write_transaction
from store.models import AlertGroup, Notification, NotificationLogEntry

T0 = 1_700_000_000.0
RULE = "rules.yml;g;r"
CONFIG = AlertingConfig.model_validate(
    {
        "route": {
            "receiver": "ops",
            "group_by": ["alertname"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "1h",
            "routes": [
                {"matchers": ["team=db"], "receiver": "db", "continue": True},
                {"matchers": ['alertname=~".+"'], "receiver": "ops"},  # and everything else
            ],
        },
        "receivers": [
            {"name": "ops", "webhook_configs": [{"url": "http://hook/ops"}]},
            {"name": "db", "webhook_configs": [{"url": "http://hook/db"}]},
        ],
        "inhibit_rules": [
            {"source_matchers": ["alertname=NodeDown"], "target_matchers": ["alertname=Slow"]}
        ],
    }
)


def alert(name: str, instance: str, at: float = T0, **labels: str) -> ActiveAlert:
    all_labels = make_labels({"alertname": name, "instance": instance, **labels})
    return ActiveAlert(all_labels, (), FIRING, at, 1.0, fired_at=at)


def store(engine: Engine, *alerts_: ActiveAlert) -> None:
    with write_transaction(engine) as connection:
        save_states(connection, RULE, {a.fingerprint: a for a in alerts_})


@contextmanager
def restarted(database: Engine) -> Iterator[Engine]:
    """A new engine on the same database, as a restarted process would open."""
    engine = open_engine(database.url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()


def sent(engine: Engine, now: float) -> list[tuple[str, list[str]]]:
    return sorted(
        (n.receiver, [a["labels"]["instance"] for a in json.loads(n.body)["alerts"]])
        for n in dispatch(engine, CONFIG, now)
    )


def test_a_restart_neither_resends_nor_waits_again(database: Engine) -> None:
    a = alert("Down", "a", team="db")
    store(database, a)
    assert sent(database, T0 + 10) == []  # group_wait
    with restarted(database) as engine:
        assert sent(engine, T0 + 30) == [("db", ["a"]), ("ops", ["a"])]
    with restarted(database) as engine:
        assert sent(engine, T0 + 31) == []
        store(engine, a, alert("Down", "b", T0 + 100, team="db"))
    with restarted(database) as engine:
        # The group flushed at T0+30: the new alert waits for group_interval, not group_wait.
        assert sent(engine, T0 + 200) == []
        assert sent(engine, T0 + 330) == [("db", ["a", "b"]), ("ops", ["a", "b"])]
    with restarted(database) as engine:
        assert sent(engine, T0 + 331) == []
        assert sent(engine, T0 + 630) == []  # the repeat interval is 1h
    with database.connect() as connection:
        rows = connection.execute(
            select(Notification.receiver, Notification.integration, Notification.group_key)
        ).all()
        groups = connection.scalar(select(func.count()).select_from(AlertGroup))
        entries = connection.scalar(select(func.count()).select_from(NotificationLogEntry))
    assert sorted(set(rows)) == [
        ("db", "webhook", '{}/{team="db"}:{alertname="Down"}'),
        ("ops", "webhook", '{}/{alertname=~".+"}:{alertname="Down"}'),
    ]
    assert len(rows) == 4
    assert (groups, entries) == (2, 2)


def test_a_dispatch_that_dies_midway_leaves_nothing_behind(
    database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(database, alert("Down", "a"))

    def crash(*args: object) -> None:
        raise RuntimeError("SIGKILL")

    monkeypatch.setattr(alerts.dispatch, "save_groups", crash)
    with pytest.raises(RuntimeError):
        dispatch(database, CONFIG, T0 + 30)
    monkeypatch.undo()
    with database.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Notification)) == 0
        assert connection.scalar(select(func.count()).select_from(NotificationLogEntry)) == 0
    assert sent(database, T0 + 31) == [("ops", ["a"])]
    assert sent(database, T0 + 32) == []


def test_silences_are_created_listed_updated_and_expired(database: Engine) -> None:
    with write_transaction(database) as connection:
        active = create_silence(
            connection,
            matchers=parse_matchers('team="db"'),
            starts_at=T0 - 100,  # in the past: starts now
            ends_at=T0 + 3600,
            created_by="ann",
            comment="upgrade",
            now=T0,
        )
        pending = create_silence(
            connection,
            matchers=parse_matchers("instance=~web-.*"),
            starts_at=T0 + 600,
            ends_at=T0 + 1200,
            created_by="bob",
            now=T0,
        )
    assert active.starts_at == T0 and active.updated_at == T0
    with database.connect() as connection:
        assert get_silence(connection, active.id) == active
        assert [s.id for s in list_silences(connection, T0)] == [active.id, pending.id]
        assert [s.id for s in list_silences(connection, T0, {PENDING})] == [pending.id]
    with write_transaction(database) as connection:
        longer = update_silence(
            connection,
            active.id,
            matchers=active.matchers,
            starts_at=active.starts_at,
            ends_at=T0 + 7200,
            created_by="ann",
            comment="takes longer",
            now=T0 + 10,
        )
        assert longer.id == active.id and longer.ends_at == T0 + 7200
        replaced = update_silence(
            connection,
            active.id,
            matchers=parse_matchers('team="db", env="prod"'),
            starts_at=T0,
            ends_at=T0 + 7200,
            created_by="ann",
            now=T0 + 20,
        )
        assert replaced.id != active.id and replaced.starts_at == T0 + 20
        old = get_silence(connection, active.id)
        assert old is not None and old.state(T0 + 21) == EXPIRED
        gone = expire_silence(connection, pending.id, T0 + 30)
        assert (gone.starts_at, gone.ends_at) == (T0 + 30, T0 + 30)  # never started
        assert expire_silence(connection, pending.id, T0 + 40) == gone  # idempotent
        with pytest.raises(SilenceNotFound):
            expire_silence(connection, "no-such-id", T0)
        with pytest.raises(SilenceError):
            create_silence(
                connection, matchers=parse_matchers('a=~".*"'), ends_at=T0 + 1, created_by="x",
                now=T0,
            )  # fmt: skip
    with database.connect() as connection:
        states = {s.id: s.state(T0 + 50) for s in list_silences(connection, T0 + 50)}
    assert states == {replaced.id: SILENCE_ACTIVE, active.id: EXPIRED, pending.id: EXPIRED}
    with write_transaction(database) as connection:
        later = T0 + 5 * 86400 + 3600  # five days after the first two expired
        delete_expired_silences(connection, later)
        assert [s.id for s in list_silences(connection, later)] == [replaced.id]


def test_an_alert_silenced_then_unsilenced_is_notified_once_the_silence_expires(
    database: Engine,
) -> None:
    store(database, alert("Down", "a"))
    with write_transaction(database) as connection:
        silence = create_silence(
            connection,
            matchers=parse_matchers("instance=a"),
            ends_at=T0 + 3600,
            created_by="ann",
            now=T0,
        )
    assert sent(database, T0 + 30) == []
    with database.connect() as connection:
        (status,) = list_alerts(connection, CONFIG, T0 + 40)
    assert (status.state, status.silenced_by) == (SUPPRESSED, (silence.id,))
    with write_transaction(database) as connection:
        expire_silence(connection, silence.id, T0 + 100)
    assert sent(database, T0 + 200) == []  # next flush of the group
    assert sent(database, T0 + 330) == [("ops", ["a"])]


def test_the_listing_shows_receivers_and_inhibitions(database: Engine) -> None:
    store(database, alert("NodeDown", "a"), alert("Slow", "a", team="db"))
    with database.connect() as connection:
        listed = list_alerts(connection, CONFIG, T0 + 1, external_labels={"dc": "eu"})
    by_name = {dict(s.alert.labels)["alertname"]: s for s in listed}
    down, slow = by_name["NodeDown"], by_name["Slow"]
    assert (down.state, down.receivers) == (ACTIVE, ("ops",))
    assert (slow.state, slow.receivers) == (SUPPRESSED, ("db", "ops"))
    assert slow.inhibited_by == (down.fingerprint,)
    assert dict(slow.alert.labels)["dc"] == "eu"


def test_nan_values_and_keep_firing_since_survive_the_round_trip(database: Engine) -> None:
    kept = ActiveAlert(
        make_labels({"alertname": "X"}), (), FIRING, T0, math.nan, T0, keep_firing_since=T0 + 5
    )
    resolved = ActiveAlert(
        make_labels({"alertname": "Y"}), (), INACTIVE, T0, 2.5, T0, resolved_at=T0 + 9
    )
    store(database, kept, resolved)
    with database.connect() as connection:
        loaded = load_states(connection)[RULE]
    assert math.isnan(loaded[kept.fingerprint].value)
    assert loaded[kept.fingerprint].keep_firing_since == T0 + 5
    assert loaded[resolved.fingerprint] == resolved
