"""The redis check against the real Redis on 127.0.0.1:6379 (no password)."""

from __future__ import annotations

from collectors.checks import run_check
from tests.integration.checks.support import check, closed_port, silent_listener


def test_it_pings() -> None:
    result = run_check(check(type="redis", target="127.0.0.1:6379"), 0.0)
    assert result.success, result.error


def test_a_wrong_password_fails_without_showing_it() -> None:
    config = check(
        type="redis", target="127.0.0.1:6379", username="vigil-nobody", password="s3cret-x"
    )
    result = run_check(config, 0.0)
    assert not result.success and result.error is not None
    assert "WRONGPASS" in result.error or "invalid" in result.error
    assert "s3cret-x" not in result.error


def test_refused_and_timeout() -> None:
    refused = run_check(check(type="redis", target=f"127.0.0.1:{closed_port()}"), 0.0)
    assert not refused.success and refused.error is not None
    assert "refused" in refused.error.lower()
    with silent_listener() as address:
        silent = run_check(check(type="redis", target=address), 0.0)
    assert not silent.success and silent.error is not None
    assert "timeout" in silent.error.lower()
    assert silent.duration_seconds < 2
