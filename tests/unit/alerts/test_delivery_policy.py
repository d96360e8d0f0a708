"""Backoff and the webhook's retry classification, without a network."""

from __future__ import annotations

import random
from typing import Any

import pytest
import requests

from alerts.notifiers import NOTIFIERS, Outgoing
from alerts.outbox import RetryPolicy, backoff_delay


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(base_delay=2.0, max_delay=60.0)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (5, 32.0), (6, 60.0), (30, 60.0)]:
        delays = [backoff_delay(attempt, policy, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # actually jittered


def test_backoff_uses_the_injected_random() -> None:
    policy = RetryPolicy()
    first = [backoff_delay(3, policy, random.Random(1)) for _ in range(3)]
    assert first[0] == first[1] == first[2]


class FakeResponse:
    def __init__(self, status: int, text: str = "", headers: dict[str, str] | None = None):
        self.status_code = status
        self.text = text
        self.headers = headers or {}

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *args: object) -> None:
        pass


class FakeSession:
    def __init__(self, outcome: FakeResponse | Exception) -> None:
        self.outcome = outcome
        self.calls: list[dict[str, Any]] = []

    def post(self, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append({"url": url, **kwargs})
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


OUT = Outgoing(
    "http://hook/x?token=s3cret", '{"a":1}\n', "key-1", 2.5, {"Authorization": "Bearer t"}
)


@pytest.mark.parametrize(
    ("outcome", "ok", "retryable", "code"),
    [
        (FakeResponse(200), True, False, 200),
        (FakeResponse(204), True, False, 204),
        (FakeResponse(500, "boom"), False, True, 500),
        (FakeResponse(503), False, True, 503),
        (FakeResponse(429, headers={"Retry-After": "30"}), False, True, 429),
        (FakeResponse(400, "bad"), False, False, 400),
        (FakeResponse(404), False, False, 404),
        (requests.ConnectTimeout("slow"), False, True, None),
        (requests.ConnectionError("refused, url: /x?token=s3cret"), False, True, None),
        (requests.exceptions.InvalidURL("nope"), False, False, None),
    ],
)
def test_webhook_classifies_outcomes(
    outcome: FakeResponse | Exception, ok: bool, retryable: bool, code: int | None
) -> None:
    session = FakeSession(outcome)
    result = NOTIFIERS["webhook"].send(session, OUT)  # type: ignore[arg-type]
    assert (result.ok, result.retryable, result.status_code) == (ok, retryable, code)
    assert "s3cret" not in result.error
    (call,) = session.calls
    assert call["timeout"] == 2.5
    assert call["data"] == b'{"a":1}\n'
    assert call["headers"]["Idempotency-Key"] == "key-1"
    assert call["headers"]["Authorization"] == "Bearer t"
    assert call["headers"]["Content-Type"] == "application/json"
    if code == 429:
        assert result.retry_after == 30.0
    if code == 500:
        assert result.error == "unexpected status code 500: boom"
