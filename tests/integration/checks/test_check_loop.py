"""A check's loop: probe, then samples under blackbox_exporter's names and the state,
committed through the agent's writer; a failure's error text lands in the history."""

from __future__ import annotations

from sqlalchemy import Engine

from collectors.check_loop import CHECK_JOB, CheckLoop, register_checks
from promql.matchers import Matcher, MatchType
from store.checks import check_history, get_check
from store.querier import StoreQuerier
from store.series import SeriesIndex
from store.writer import Writer
from tests.integration.checks.servers import http_service
from tests.integration.checks.support import check, closed_port


def test_results_go_through_the_writer_as_samples_state_and_history(database: Engine) -> None:
    writer = Writer(database, commit_interval=0.05)
    writer.start()
    index = SeriesIndex()
    refused = closed_port()
    try:
        with http_service() as address:
            up = check(
                name="api", type="http", target=f"http://{address}/health", labels={"team": "web"}
            )
            down = check(name="db", type="tcp", target=f"127.0.0.1:{refused}", retries=1)
            register_checks(database, [up, down])
            for at in (100.0, 110.0, 120.0):
                for config in (up, down):
                    CheckLoop(
                        config, database, index, writer=writer, clock=lambda at=at: at
                    ).run_once()
            writer.submit(lambda connection: None).wait(10)
    finally:
        writer.stop()
    series = StoreQuerier(database).select(
        [
            Matcher("job", MatchType.EQUAL, CHECK_JOB),
            Matcher("__name__", MatchType.EQUAL, "probe_success"),
        ],
        0,
        200_000,
    )
    by_check = {dict(s.labels)["check"]: s for s in series}
    assert list(by_check["api"].values) == [1.0, 1.0, 1.0]
    assert list(by_check["api"].timestamps) == [100_000, 110_000, 120_000]
    assert dict(by_check["api"].labels)["team"] == "web"
    assert list(by_check["db"].values) == [0.0, 0.0, 0.0]
    with database.connect() as connection:
        api, db = get_check(connection, "api"), get_check(connection, "db")
        history = check_history(connection, "db")
    assert api is not None and api.status == "up" and api.last_check == 120.0
    assert db is not None and db.status == "down" and db.consecutive_failures == 3
    assert [(event.at, event.status) for event in history] == [(100.0, "down")]
    assert "refused" in history[0].error.lower()
