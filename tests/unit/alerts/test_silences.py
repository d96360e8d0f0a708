"""Silences as values: states, matching and validation (the store is tested separately)."""

from __future__ import annotations

import pytest

from alerts.matchers import parse_matchers
from alerts.silences import (
    ACTIVE,
    EXPIRED,
    PENDING,
    Silence,
    SilenceError,
    silenced_by,
    validate,
)

T0 = 1_700_000_000.0


def silence(matchers: str, start: float = T0, end: float = T0 + 3600, sid: str = "s1") -> Silence:
    return Silence(sid, parse_matchers(matchers), start, end, "ann", "maintenance", T0)


def test_pending_then_active_then_expired_with_inclusive_bounds() -> None:
    s = silence("job=db")
    assert s.state(T0 - 1) == PENDING
    assert s.state(T0) == ACTIVE
    assert s.state(T0 + 3600) == ACTIVE
    assert s.state(T0 + 3600.5) == EXPIRED


def test_only_active_silences_matching_every_matcher_mute() -> None:
    s = silence('job="db", severity=~"warning|info"')
    assert s.mutes({"job": "db", "severity": "info"}, T0 + 1)
    assert not s.mutes({"job": "db", "severity": "critical"}, T0 + 1)
    assert not s.mutes({"job": "db", "severity": "info"}, T0 - 1)
    assert not s.mutes({"job": "db", "severity": "info"}, T0 + 7200)


def test_silenced_by_lists_the_ids_of_active_matching_silences() -> None:
    silences = [
        silence("job=db", sid="b"),
        silence("job=~d.", sid="a"),
        silence("job=web", sid="c"),
    ]
    assert silenced_by(silences, {"job": "db"}, T0 + 5) == ["a", "b"]
    assert silenced_by(silences, {"job": "db"}, T0 + 5000) == []


@pytest.mark.parametrize(
    ("matchers", "start", "end", "message"),
    [
        ("", T0, T0 + 1, "at least one matcher is required"),
        ('job=~".*", env!="prod"', T0, T0 + 1, "must not match the empty string"),
        ("job=db", T0, T0 - 1, "end time must not be before start time"),
    ],
)
def test_silences_that_would_mute_everything_or_never_are_rejected(
    matchers: str, start: float, end: float, message: str
) -> None:
    with pytest.raises(SilenceError, match=message):
        validate(parse_matchers(matchers), start, end, "ann")


def test_a_silence_says_who_created_it() -> None:
    validate(parse_matchers("job=db"), T0, T0 + 1, "ann")
    with pytest.raises(SilenceError, match="created_by is required"):
        validate(parse_matchers("job=db"), T0, T0 + 1, " ")
