"""Health check state: retries before a status change, and a history of changes."""

from __future__ import annotations

from sqlalchemy import Engine, select

from store.checks import EVENTS, CheckInfo, record_check, sync_checks
from store.db import write_transaction


def _record(database: Engine, at: float, success: bool, retries: int = 2) -> str:
    with write_transaction(database) as connection:
        status = record_check(
            connection,
            name="api",
            at=at,
            success=success,
            duration_seconds=0.01,
            error=None if success else "connection refused",
            retries=retries,
        )
    assert status is not None
    return status.status


def test_it_flips_only_after_retries_plus_one_results_in_a_row(database: Engine) -> None:
    with write_transaction(database) as connection:
        sync_checks(connection, [CheckInfo("api", "http", "http://127.0.0.1:1/", {})])
    assert _record(database, 1.0, True) == "up"
    assert _record(database, 2.0, False) == "up"  # one lost probe changes nothing
    assert _record(database, 3.0, True) == "up"
    assert [_record(database, t, False) for t in (4.0, 5.0, 6.0)] == ["up", "up", "down"]
    assert _record(database, 7.0, True) == "down"
    with database.connect() as connection:
        history = connection.execute(select(EVENTS.c.at, EVENTS.c.status, EVENTS.c.error)).all()
    assert [tuple(row) for row in history] == [
        (1.0, "up", ""),
        (6.0, "down", "connection refused"),
    ]


def test_it_forgets_checks_that_left_the_configuration(database: Engine) -> None:
    with write_transaction(database) as connection:
        sync_checks(
            connection, [CheckInfo("a", "tcp", "x:1", {}), CheckInfo("b", "tcp", "y:1", {})]
        )
        sync_checks(connection, [CheckInfo("b", "tcp", "y:2", {"service": "db"})])
    with database.connect() as connection:
        from store.checks import get_check

        assert get_check(connection, "a") is None
        kept = get_check(connection, "b")
    assert kept is not None
    assert kept.target == "y:2"
    assert kept.labels == {"service": "db"}


def test_history_since_includes_the_state_the_window_starts_in(database: Engine) -> None:
    from store.checks import check_history

    with write_transaction(database) as connection:
        sync_checks(connection, [CheckInfo("api", "http", "http://127.0.0.1:1/", {})])
    for at, success in [(10.0, True), (20.0, False), (30.0, True), (40.0, False)]:
        _record(database, at, success, retries=0)
    with database.connect() as connection:
        window = check_history(connection, "api", since=25.0)
        everything = check_history(connection, "api")
        newest = check_history(connection, "api", limit=2)
    assert [(e.at, e.status, e.error) for e in window] == [
        (20.0, "down", "connection refused"),
        (30.0, "up", ""),
        (40.0, "down", "connection refused"),
    ]
    assert [e.at for e in everything] == [10.0, 20.0, 30.0, 40.0]
    assert [e.at for e in newest] == [30.0, 40.0]
