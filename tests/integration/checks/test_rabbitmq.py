"""The rabbitmq check against the real RabbitMQ on 127.0.0.1:5672 (guest/guest)."""

from __future__ import annotations

from collectors.checks import run_check
from tests.integration.checks.support import check, closed_port, silent_listener


def test_it_opens_an_amqp_connection() -> None:
    result = run_check(check(type="rabbitmq", target="127.0.0.1:5672", timeout="5s"), 0.0)
    assert result.success, result.error


def test_a_wrong_password_fails() -> None:
    config = check(type="rabbitmq", target="127.0.0.1:5672", timeout="5s", password="wrong-pw")
    result = run_check(config, 0.0)
    assert not result.success and result.error is not None
    assert "wrong-pw" not in result.error


def test_an_unknown_virtual_host_fails() -> None:
    config = check(type="rabbitmq", target="127.0.0.1:5672", timeout="5s", virtual_host="nope")
    result = run_check(config, 0.0)
    assert not result.success


def test_refused_and_timeout() -> None:
    refused = run_check(check(type="rabbitmq", target=f"127.0.0.1:{closed_port()}"), 0.0)
    assert not refused.success and refused.error is not None
    with silent_listener() as address:
        silent = run_check(check(type="rabbitmq", target=address), 0.0)
    assert not silent.success and silent.error is not None
    assert silent.duration_seconds < 3
