"""A rule sees the output of the rules above it in its group (recorded series, ALERTS)
from the same evaluation, as in Prometheus: an alert on a recorded series is not one
interval late."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from alerts.alerting import FIRING
from alerts.config import AlertingConfig
from alerts.manager import load_groups
from alerts.rule_loop import GroupLoop, engine_query_func
from alerts.state import load_states
from promql.engine import Engine as QueryEngine
from promql.labels import make_labels
from store.db import write_transaction
from store.headcache import HeadCache
from store.querier import StoreQuerier
from store.samples import append_samples
from store.selectcache import SelectCache
from store.series import SeriesIndex

T0 = 1_700_000_000.0
RULES = """\
groups:
  - name: chained
    rules:
      - record: job:errors:sum
        expr: sum by (job) (errors)
      - record: job:errors:doubled
        expr: job:errors:sum * 2
      - alert: TooManyErrors
        expr: job:errors:doubled > 10
        annotations:
          summary: '{{ query "job:errors:sum" | first | value }} errors'
      - record: job:alerts:firing
        expr: count by (alertname) (ALERTS{alertstate="firing"})
"""


def _write(database: Engine, index: SeriesIndex, at: float, per_instance: float) -> None:
    with write_transaction(database) as connection:
        append_samples(
            connection,
            index,
            [
                (
                    make_labels({"__name__": "errors", "job": "api", "instance": i}),
                    int(at * 1000),
                    per_instance,
                )
                for i in ("a", "b")
            ],
        )


def test_a_later_rule_reads_this_evaluations_recorded_value(
    database: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    (group,) = load_groups([path], default_interval=15.0)
    index = SeriesIndex()
    now = [T0]
    # The agent's rule querier (a head listing kept 0.5 s, cached selections caught
    # up every 0.5 s), on the test's clock: each evaluation is 15 s after the last.
    querier = StoreQuerier(
        database,
        head_cache=HeadCache(listing_seconds=0.5, clock=lambda: now[0]),
        select_cache=SelectCache(clock=lambda: now[0]),
    )
    loop = GroupLoop(
        group,
        database,
        index,
        engine_query_func(QueryEngine(), querier),
        AlertingConfig(),
        external_labels={},
        external_url="http://vigil",
        generator_urls={},
        clock=lambda: now[0],
    )
    _write(database, index, T0, 1.0)
    result = loop.run_once()
    assert {dict(labels)["__name__"]: value for labels, value in result.series} == {
        "job:errors:sum": 2.0,
        "job:errors:doubled": 4.0,
    }  # no alert yet: the last rule counts none
    _write(database, index, T0 + 15, 3.0)
    now[0] = T0 + 15
    result = loop.run_once()
    recorded = {dict(labels)["__name__"]: value for labels, value in result.series}
    assert recorded["job:errors:doubled"] == 12.0  # from this evaluation's sum, 6
    assert recorded["job:alerts:firing"] == 1.0  # the alert that fired just above
    with database.connect() as connection:
        (alert,) = load_states(connection)[group.rules[2].key].values()
    assert alert.state == FIRING  # no `for`: fires in the evaluation that crossed 10
    assert alert.value == 12.0
    assert dict(alert.annotations)["summary"] == "6 errors"
