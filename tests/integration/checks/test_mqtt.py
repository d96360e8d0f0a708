"""The mqtt check against the real Mosquitto on 127.0.0.1:1883."""

from __future__ import annotations

from collectors.checks import run_check
from tests.integration.checks.support import check, closed_port, silent_listener


def test_it_gets_a_connack() -> None:
    result = run_check(check(type="mqtt", target="127.0.0.1:1883", timeout="3s"), 0.0)
    assert result.success, result.error


def test_refused_and_timeout() -> None:
    refused = run_check(check(type="mqtt", target=f"127.0.0.1:{closed_port()}"), 0.0)
    assert not refused.success and refused.error is not None
    assert "refused" in refused.error.lower()
    with silent_listener() as address:
        silent = run_check(check(type="mqtt", target=address), 0.0)
    assert not silent.success and silent.error is not None
    assert "CONNACK" in silent.error
    assert silent.duration_seconds < 2
