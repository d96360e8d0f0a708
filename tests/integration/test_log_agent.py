"""Done-when for logs: a line written to a file is searchable within 5 s, survives an agent
restart without a duplicate, is counted in log_messages_total, and PromQL alerts on it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import yaml
from sqlalchemy import Engine

from alerts.listing import list_alerts
from console.agent import Agent, AgentResources
from console.config import load_config
from console.jobs import log_jobs, rule_jobs
from promql.engine import Engine as QueryEngine
from promql.engine import EngineOptions
from promql.values import Vector
from store.logs.query import parse_query
from store.logs.sql import SqlLogStore
from store.querier import StoreQuerier

BURST = 'sum by (service) (increase(log_messages_total{level="error"}[1m])) > 50'
"""More than 50 error lines a minute from one service: an ordinary PromQL alert."""


def _write(path: Path, service: str, level: str, message: str, count: int = 1) -> None:
    with path.open("a") as handle:
        for _ in range(count):
            record = {"ts": time.time(), "service": service, "level": level, "msg": message}
            handle.write(json.dumps(record) + "\n")


def _wait_for(store: SqlLogStore, query: str, count: int, timeout: float = 5.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        page = store.search(parse_query(query), start_ms=0, end_ms=2**62, limit=1000)
        if len(page.lines) >= count:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{count} lines matching {query!r} not stored within {timeout} s")


def _agent(tmp_path: Path, database: Engine) -> Agent:
    config = {
        "log_sources": [
            {"name": "app", "paths": [str(tmp_path / "logs" / "*.log")], "interval": "200ms"}
        ],
        "logs": {"counters": [{"name": "declined_total", "query": "declined"}]},
    }
    path = tmp_path / "vigil.yml"
    path.write_text(yaml.safe_dump(config))
    agent = Agent(load_config(str(path)), database, builders=[log_jobs])
    agent.start()
    return agent


def test_a_file_line_is_found_within_5s_survives_a_restart_and_is_counted(
    database: Engine, tmp_path: Path
) -> None:
    (tmp_path / "logs").mkdir()
    log = tmp_path / "logs" / "payments.log"
    store = SqlLogStore(database)
    agent = _agent(tmp_path, database)
    try:
        _write(log, "payments", "error", "card declined by issuer")
        assert _wait_for(store, "declined", 1) < 5.0
    finally:
        agent.stop()
    _write(log, "payments", "error", "card declined again", count=60)
    _write(log, "orders", "error", "order declined", count=10)
    agent = _agent(tmp_path, database)
    try:
        _wait_for(store, "declined", 71)
        time.sleep(0.5)  # further polls must add nothing
    finally:
        agent.stop()
    page = store.search(parse_query("declined"), start_ms=0, end_ms=2**62, limit=1000)
    assert len(page.lines) == 71

    engine = QueryEngine(EngineOptions())
    querier = StoreQuerier(database)
    now = time.time()
    totals = engine.instant_query(
        querier, 'sum by (service) (log_messages_total{level="error"})', now
    )
    assert isinstance(totals, Vector)
    assert {dict(s.labels)["service"]: s.value for s in totals.samples} == {
        "payments": 61.0,
        "orders": 10.0,
    }
    alert = engine.instant_query(
        querier,
        BURST,
        now,
    )
    assert isinstance(alert, Vector)
    assert [dict(s.labels)["service"] for s in alert.samples] == ["payments"]

    # The same expression as an ordinary alerting rule, evaluated by the agent's rule job.
    (tmp_path / "rules.yml").write_text(
        yaml.safe_dump(
            {
                "groups": [
                    {
                        "name": "logs",
                        "rules": [
                            {
                                "alert": "ErrorLogBurst",
                                "expr": BURST,
                            }
                        ],
                    }
                ]
            }
        )
    )
    (tmp_path / "vigil.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"]}))
    loaded = load_config(str(tmp_path / "vigil.yml"))
    (job,) = rule_jobs(loaded, AgentResources(database, clock=lambda: now))
    job.run()
    with database.connect() as connection:
        firing = list_alerts(connection, loaded.config.alerting, now)
    assert [dict(status.alert.labels) for status in firing] == [
        {"alertname": "ErrorLogBurst", "service": "payments"}
    ]
