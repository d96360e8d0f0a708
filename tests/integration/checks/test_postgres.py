"""The postgres check against the real PostgreSQL on 127.0.0.1:5432 (trust auth)."""

from __future__ import annotations

from collectors.checks import run_check
from tests.integration.checks.support import check, closed_port, silent_listener


def test_it_connects_and_selects() -> None:
    result = run_check(check(type="postgres", target="127.0.0.1:5432"), 0.0)
    assert result.success, result.error
    assert result.metrics["probe_success"] == 1.0


def test_a_missing_database_fails_with_the_server_message() -> None:
    config = check(type="postgres", target="127.0.0.1:5432", database="no_such_db_for_vigil")
    result = run_check(config, 0.0)
    assert not result.success
    assert result.error is not None and "no_such_db_for_vigil" in result.error
    assert result.error.startswith("127.0.0.1:5432: ")


def test_a_wrong_user_fails() -> None:
    config = check(
        type="postgres", target="127.0.0.1:5432", username="nobody_vigil", password="wrong"
    )
    result = run_check(config, 0.0)
    assert not result.success
    assert result.error is not None and "nobody_vigil" in result.error
    assert "wrong" not in result.error


def test_refused_and_timeout() -> None:
    refused = run_check(check(type="postgres", target=f"127.0.0.1:{closed_port()}"), 0.0)
    assert not refused.success and refused.error is not None
    assert "refused" in refused.error.lower()
    with silent_listener() as address:
        silent = run_check(check(type="postgres", target=address, timeout="1s"), 0.0)
    assert not silent.success and silent.error is not None
    assert "timeout" in silent.error.lower()
    assert silent.duration_seconds < 5
