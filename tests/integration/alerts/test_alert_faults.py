"""Receiver faults on an injected clock: nothing is lost, nothing is sent twice.

The receiver is a real HTTP server on 127.0.0.1; time is the ``now`` handed to
``evaluate_group``, ``dispatch`` and ``deliver_due``, stepped one simulated
second at a time, so a minute of outage takes well under a second to run.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from alerts.config import AlertingConfig
from alerts.dispatch import PlannedNotification, dispatch, enqueue
from alerts.manager import QueryFunc, RuleGroup, evaluate_group, load_groups
from alerts.outbox import RetryPolicy, deliver_due
from promql.labels import Labels, make_labels
from store.db import write_transaction
from store.models import Notification, NotificationAttempt
from tests.processes import free_port

T0 = 1_700_000_000.0
RULES = """\
groups:
- name: faults
  rules:
  - alert: InstanceDown
    expr: up == 0
  - alert: HighErrorRate
    expr: errors > 1
"""
POLICY = RetryPolicy(base_delay=1.0, max_delay=16.0, lease=30.0)
OUTAGE = 70
"""The receiver is unreachable for the first 70 simulated seconds."""


@dataclass
class Arrival:
    at: float
    """The injected clock when the request arrived."""
    key: str
    message: dict[str, Any]


@dataclass
class Hook:
    """A webhook receiver that can be down (port closed or 503) and come back on its port."""

    port: int
    clock: Callable[[], float]
    answer: Callable[[], int] = lambda: 200
    retry_after: str | None = None
    delay: float = 0.0
    arrivals: list[Arrival] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if hook.delay:
                    time.sleep(hook.delay)
                status = hook.answer()
                if status == 200:
                    with hook._lock:
                        hook.arrivals.append(
                            Arrival(hook.clock(), self.headers["Idempotency-Key"], json.loads(body))
                        )
                self.send_response(status)
                if hook.retry_after is not None and status == 429:
                    self.send_header("Retry-After", hook.retry_after)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def hook(clock: Clock) -> Iterator[Hook]:
    hook = Hook(free_port(), clock)
    try:
        yield hook
    finally:
        hook.stop()


@pytest.fixture
def group(tmp_path: Path) -> RuleGroup:
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    (loaded,) = load_groups([path], default_interval=5.0)
    return loaded


def config(url: str, attempts: int = 20) -> AlertingConfig:
    return AlertingConfig.model_validate(
        {
            "route": {
                "receiver": "ops",
                "group_by": ["alertname", "instance"],
                "group_wait": "10s",
                "group_interval": "30s",
                "repeat_interval": "4h",
            },
            "receivers": [{"name": "ops", "webhook_configs": [{"url": url, "timeout": "2s"}]}],
            "delivery_attempts": attempts,
        }
    )


def sample(name: str, instance: str) -> tuple[Labels, float]:
    return make_labels({"__name__": name, "job": "node", "instance": instance}), 1.0


def scenario(at: float) -> QueryFunc:
    """db-1 and db-2 down and web-1 erroring from T0; db-1 back at T0+20; web-2 from T0+45."""

    def run(expr: str, _at: float) -> list[tuple[Labels, float]]:
        if expr == "up == 0":
            down = ["db-2"] if at >= T0 + 20 else ["db-1", "db-2"]
            return [sample("up", instance) for instance in down]
        erroring = ["web-1", "web-2"] if at >= T0 + 45 else ["web-1"]
        return [sample("errors", instance) for instance in erroring]

    return run


def attempt_log(engine: Engine) -> dict[int, list[tuple[float, int | None, str]]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                NotificationAttempt.notification_id,
                NotificationAttempt.at,
                NotificationAttempt.status_code,
                NotificationAttempt.error,
            ).order_by(NotificationAttempt.id)
        ).all()
    log: dict[int, list[tuple[float, int | None, str]]] = {}
    for row in rows:
        log.setdefault(row.notification_id, []).append((row.at, row.status_code, row.error))
    return log


def outbox_rows(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(Notification).order_by(Notification.id)).all())


def summary(arrival: Arrival) -> tuple[str, str, str]:
    labels = arrival.message["groupLabels"]
    return labels["alertname"], labels["instance"], arrival.message["status"]


@pytest.mark.parametrize("outage", ["refused", "503"])
def test_every_notification_arrives_once_after_a_minute_long_outage(
    database: Engine, group: RuleGroup, hook: Hook, clock: Clock, outage: str
) -> None:
    alerting = config(hook.url)
    if outage == "503":
        hook.answer = lambda: 503 if clock.now < T0 + OUTAGE else 200
        hook.start()
    rng = random.Random(7)
    for step in range(0, 200):
        clock.now = T0 + step
        if outage == "refused" and step == OUTAGE:
            hook.start()  # the receiver comes back on the port that refused until now
        if step % 5 == 0:
            evaluate_group(database, group, scenario(clock.now), clock.now)
            dispatch(database, alerting, clock.now)
        deliver_due(database, alerting, clock.now, rng=rng, policy=POLICY)

    expected = {
        ("InstanceDown", "db-1", "firing"),
        ("InstanceDown", "db-2", "firing"),
        ("HighErrorRate", "web-1", "firing"),
        ("InstanceDown", "db-1", "resolved"),
        ("HighErrorRate", "web-2", "firing"),
    }
    received = [summary(arrival) for arrival in hook.arrivals]
    assert sorted(received) == sorted(expected)  # each exactly once
    assert len({arrival.key for arrival in hook.arrivals}) == len(expected)
    # Per group, the receiver hears the notifications in the order they were decided.
    by_group = [s[2] for s in received if s[:2] == ("InstanceDown", "db-1")]
    assert by_group == ["firing", "resolved"]

    rows = outbox_rows(database)
    assert len(rows) == len(expected)
    assert {row.status for row in rows} == {"delivered"}
    log = attempt_log(database)
    for row in rows:
        attempts = log[row.id]
        assert len(attempts) == row.attempts
        *failed, (_, code, error) = attempts
        assert (code, error) == (200, "")
        # The resolution of db-1 queues behind its firing message, so it is first
        # tried once that is delivered; every other row was tried during the outage.
        queued = json.loads(row.payload)["status"] == "resolved"
        assert bool(failed) != queued, (row.id, attempts)
        for _, failed_code, failed_error in failed:
            if outage == "refused":
                assert failed_code is None and failed_error.startswith("connection failed")
            else:
                assert failed_code == 503 and failed_error.startswith("unexpected status code 503")
        # Backoff bounded by the policy: attempt n waits between half and all of
        # min(max_delay, base * 2^(n-1)) (plus the one-second step of the loop).
        times = [at for at, _, _ in attempts]
        for n, (before, after) in enumerate(itertools.pairwise(times), start=1):
            ceiling = min(POLICY.max_delay, POLICY.base_delay * 2 ** (n - 1))
            assert ceiling / 2 <= after - before <= ceiling + 1, (n, times)
        # Once the receiver is back, no row waits longer than the longest backoff.
        assert row.delivered_at <= max(T0 + OUTAGE, row.created_at) + POLICY.max_delay + 1
    for arrival in hook.arrivals:
        assert arrival.at >= T0 + OUTAGE


def test_a_429_waits_for_retry_after_but_no_longer_than_the_longest_backoff(
    database: Engine, hook: Hook, clock: Clock
) -> None:
    alerting = config(hook.url)
    with write_transaction(database) as connection:
        for key in "ab":
            enqueue(connection, planned(key, hook.url), T0)
    answers = iter([429, 429])
    hook.answer = lambda: next(answers, 200)
    hook.retry_after = "12"
    hook.start()
    report = deliver_due(database, alerting, T0, policy=POLICY)
    assert len(report.retrying) == 2
    for row in outbox_rows(database):
        assert row.next_attempt_at == T0 + 12  # Retry-After beats the 0.5-1 s backoff
        assert row.last_error == "unexpected status code 429: ok"
    assert deliver_due(database, alerting, T0 + 11.9, policy=POLICY).retrying == []
    assert len(deliver_due(database, alerting, T0 + 12, policy=POLICY).delivered) == 2

    # A Retry-After beyond max_delay is capped to it.
    with write_transaction(database) as connection:
        enqueue(connection, planned("c", hook.url), T0 + 20)
    hook.answer = lambda: 429
    hook.retry_after = "3600"
    (row_id,) = deliver_due(database, alerting, T0 + 20, policy=POLICY).retrying
    (row,) = [row for row in outbox_rows(database) if row.id == row_id]
    assert row.next_attempt_at == T0 + 20 + POLICY.max_delay
    assert [code for _, code, _ in attempt_log(database)[row_id]] == [429]


def planned(key: str, url: str, group_key: str = "") -> PlannedNotification:
    return PlannedNotification(
        "ops", "webhook", url, group_key or f"{{}}:{{g={key!r}}}", f'{{"k":"{key}"}}', key * 64, ()
    )


def test_two_workers_never_send_a_row_twice_within_its_lease(database: Engine, hook: Hook) -> None:
    """Two delivery workers (threads) on one store, a slow receiver, a short lease.

    Each send takes 0.1 s, well within the 2 s lease, so no row may be sent
    twice: a worker must not send a row whose claim it no longer holds.
    """
    hook.clock = time.time
    hook.delay = 0.1
    hook.start()
    rows = 30
    start = time.time()
    with write_transaction(database) as connection:
        for index in range(rows):
            enqueue(connection, planned(f"{index:02d}", hook.url), start)
    alerting = config(hook.url)
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0, lease=2.0)
    errors: list[BaseException] = []

    def worker() -> None:
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline and len(hook.arrivals) < rows:
                deliver_due(database, alerting, time.time(), policy=policy, limit=50)
                time.sleep(0.02)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    keys = [arrival.key for arrival in hook.arrivals]
    assert sorted(set(keys)) == sorted(f"{index:02d}" * 64 for index in range(rows))
    assert len(keys) == rows, f"{len(keys) - len(set(keys))} rows were sent twice"
    assert {row.status for row in outbox_rows(database)} == {"delivered"}


def test_a_groups_newer_notification_waits_for_the_older_one(
    database: Engine, hook: Hook, clock: Clock
) -> None:
    """The firing message of a group is in backoff when its resolution is decided.

    Were the resolution sent first, the receiver would be left believing the
    alert still fires: notifications of one group and integration go out in
    the order they were decided (as Alertmanager's per-group pipeline sends them).
    """
    alerting = config(hook.url)
    slow = RetryPolicy(base_delay=16.0, max_delay=16.0, lease=30.0)
    with write_transaction(database) as connection:
        enqueue(connection, planned("f", hook.url, group_key="{}:{g='x'}"), T0)
        enqueue(connection, planned("o", hook.url, group_key="{}:{g='other'}"), T0)
    hook.answer = lambda: 503
    hook.start()
    assert len(deliver_due(database, alerting, T0, policy=slow).retrying) == 2
    firing, _ = outbox_rows(database)
    assert T0 + 8 <= firing.next_attempt_at <= T0 + 16
    with write_transaction(database) as connection:
        enqueue(connection, planned("r", hook.url, group_key="{}:{g='x'}"), T0 + 1)
    hook.answer = lambda: 200
    clock.now = T0 + 2
    assert deliver_due(database, alerting, T0 + 2, policy=slow).delivered == []
    clock.now = T0 + 16
    assert len(deliver_due(database, alerting, T0 + 16, policy=slow).delivered) == 3
    order = [arrival.key[0] for arrival in hook.arrivals if arrival.key[0] in "fr"]
    assert order == ["f", "r"]
