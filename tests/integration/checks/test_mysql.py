"""The mysql check against the real MariaDB on 127.0.0.1:3306 (root, no password)."""

from __future__ import annotations

from collectors.checks import run_check
from tests.integration.checks.support import check, closed_port, silent_listener


def test_it_connects_and_selects() -> None:
    result = run_check(check(type="mysql", target="127.0.0.1:3306", database="test"), 0.0)
    assert result.success, result.error


def test_a_wrong_password_fails_without_showing_it() -> None:
    config = check(type="mysql", target="127.0.0.1:3306", password="not-the-password")
    result = run_check(config, 0.0)
    assert not result.success and result.error is not None
    assert "Access denied" in result.error
    assert "not-the-password" not in result.error


def test_refused_and_timeout() -> None:
    refused = run_check(check(type="mysql", target=f"127.0.0.1:{closed_port()}"), 0.0)
    assert not refused.success and refused.error is not None
    assert "refused" in refused.error.lower()
    with silent_listener() as address:
        silent = run_check(check(type="mysql", target=address), 0.0)
    assert not silent.success and silent.error is not None
    assert silent.duration_seconds < 3
