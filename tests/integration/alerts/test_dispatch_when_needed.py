"""A group dispatches when an alert changed, when a flush is due, and on its first run;
between those it skips the dispatch, and no notification comes later for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select

from alerts.config import AlertingConfig
from alerts.manager import load_groups
from alerts.rule_loop import GroupLoop
from promql.labels import Labels, make_labels
from store.models import Notification
from store.series import SeriesIndex

T0 = 1_700_000_000.0
RULES = """\
groups:
  - name: node
    rules:
      - alert: Down
        expr: up == 0
"""
ALERTING = {
    "route": {
        "receiver": "ops",
        "group_by": ["alertname"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
    },
    "receivers": [{"name": "ops", "webhook_configs": [{"url": "http://127.0.0.1:9/hook"}]}],
}


def _query(expression: str, at: float) -> list[tuple[Labels, float]]:
    return [(make_labels({"__name__": "up", "instance": "db-1", "job": "node"}), 0.0)]


def test_dispatch_runs_on_changes_and_due_flushes_only(database: Engine, tmp_path: Path) -> None:
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    (group,) = load_groups([path], default_interval=15.0)
    now = [T0]
    loop = GroupLoop(
        group,
        database,
        SeriesIndex(),
        _query,
        AlertingConfig.model_validate(ALERTING),
        external_labels={},
        external_url="http://vigil",
        generator_urls={},
        clock=lambda: now[0],
    )
    dispatches: list[float] = []

    def note(*args: Any) -> None:
        statement = args[2]
        # Dispatch reads the groups whole; the due check reads only their min(next_flush_at).
        reads_groups = statement.startswith("SELECT") and "FROM alert_groups" in statement
        if reads_groups and "min(" not in statement:
            dispatches.append(now[0])

    def notifications() -> int:
        with database.connect() as connection:
            return len(connection.execute(select(Notification.id)).all())

    event.listen(database, "before_cursor_execute", note)
    try:
        for offset in (0, 15, 30, 45, 60):
            now[0] = T0 + offset
            loop.run_once()
            if offset == 15:
                assert notifications() == 0  # group_wait has not passed
        assert notifications() == 1  # sent at the group's due flush, T0 + 30
        # First run (the alert starts firing), then the due flush; 15, 45 and 60 skip.
        assert dispatches == [T0, T0 + 30]
        now[0] = T0 + 30 + 300
        loop.run_once()  # group_interval later: due again (repeat_interval holds it back)
        assert dispatches[-1] == T0 + 330
        assert notifications() == 1
    finally:
        event.remove(database, "before_cursor_execute", note)
