"""Time ranges from the URL, unit formatting, and secrets kept off the Settings page."""

from __future__ import annotations

import pytest

from console.config import VigilConfig
from console.settings_view import REDACTED, effective_settings
from dashboards.timerange import TimeRangeError, parse_point, resolve_range
from dashboards.units import unit_named

NOW = 1_700_000_000.0


def test_relative_and_absolute_points() -> None:
    assert parse_point("now", NOW) == NOW
    assert parse_point("now-1h30m", NOW) == NOW - 5400
    assert parse_point("2023-11-14T22:13:20Z", NOW) == NOW
    assert parse_point("1700000000", NOW) == NOW
    with pytest.raises(TimeRangeError, match="not a duration"):
        parse_point("now-soon", NOW)


def test_the_default_step_gives_about_240_points() -> None:
    assert resolve_range("now-1h", "now", NOW).step == 15.0
    assert resolve_range("1699996400", "1700000000", NOW).start == NOW - 3600


def test_a_relative_range_is_aligned_to_its_step() -> None:
    aligned = resolve_range(None, None, NOW + 7)
    assert (aligned.start, aligned.end) == (NOW - 5 - 3600, NOW - 5)  # NOW is 5 s past a step
    assert resolve_range(None, None, NOW + 9) == aligned
    with pytest.raises(TimeRangeError, match="after its start"):
        resolve_range("now", "now-1h", NOW)


@pytest.mark.parametrize(
    ("unit", "value", "text"),
    [
        ("seconds", 0.25, "250ms"),
        ("bytes", 3_500_000, "3.5MB"),
        ("reqps", 1234, "1.23k req/s"),
        ("percentunit", 0.975, "97.5%"),
        ("none", float("nan"), "n/a"),
    ],
)
def test_units_format_values(unit: str, value: float, text: str) -> None:
    assert unit_named(unit).format(value) == text


def test_settings_never_show_secrets() -> None:
    config = VigilConfig.model_validate(
        {
            "auth": {"secret_key": "hunter2"},
            "storage": {"url": "postgresql://vigil:pa55@db/vigil"},
            "datasources": [
                {"name": "prom", "url": "http://p:9090", "headers": {"X-Scope-OrgID": "t1"}}
            ],
        }
    )
    shown = repr(effective_settings(config))
    assert "hunter2" not in shown and "pa55" not in shown and "t1" not in shown
    assert effective_settings(config)["auth"]["secret_key"] == REDACTED
