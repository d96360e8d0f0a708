"""Time intervals: weekdays, times of day, days of month, months, years and zones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from alerts.timeintervals import TimeInterval, contains_time, intervals_containing


def at(text: str) -> float:
    """A UTC instant, written ``2024-01-01 10:00``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp()


def interval(**fields: Any) -> TimeInterval:
    return TimeInterval.model_validate(fields)


OFFICE = {
    "weekdays": ["monday:friday"],
    "times": [{"start_time": "09:00", "end_time": "17:00"}],
}


@pytest.mark.parametrize(
    ("when", "inside"),
    [
        ("2024-01-01 10:00", True),  # a Monday
        ("2024-01-01 09:00", True),  # start minute included
        ("2024-01-01 16:59", True),
        ("2024-01-01 17:00", False),  # end minute excluded
        ("2024-01-01 08:59", False),
        ("2024-01-05 12:00", True),  # Friday
        ("2024-01-06 12:00", False),  # Saturday
        ("2024-01-07 12:00", False),  # Sunday
    ],
)
def test_weekdays_and_times_of_day(when: str, inside: bool) -> None:
    assert contains_time(interval(**OFFICE), at(when)) is inside


def test_times_are_read_in_the_location() -> None:
    berlin = interval(**OFFICE, location="Europe/Berlin")
    assert contains_time(berlin, at("2024-01-01 08:30"))  # 09:30 in Berlin (UTC+1)
    assert not contains_time(interval(**OFFICE), at("2024-01-01 08:30"))
    assert contains_time(berlin, at("2024-07-01 07:30"))  # 09:30 in summer (UTC+2)
    assert not contains_time(berlin, at("2024-07-01 15:30"))  # 17:30 in Berlin


def test_a_late_evening_in_a_zone_can_be_another_weekday() -> None:
    saturday_tokyo = interval(weekdays=["saturday"], location="Asia/Tokyo")
    assert contains_time(saturday_tokyo, at("2024-01-05 16:00"))  # Friday UTC, Saturday 01:00


def test_negative_days_count_from_the_end_of_the_month() -> None:
    last_day = interval(days_of_month=["-1"])
    assert contains_time(last_day, at("2024-02-29 12:00"))
    assert not contains_time(last_day, at("2024-02-28 12:00"))
    assert contains_time(last_day, at("2023-02-28 12:00"))
    first_week = interval(days_of_month=["1:7"])
    assert contains_time(first_week, at("2024-03-07 23:59"))
    assert not contains_time(first_week, at("2024-03-08 00:00"))


def test_days_past_the_end_of_a_short_month_never_match() -> None:
    assert not contains_time(interval(days_of_month=["30:31"]), at("2023-02-28 12:00"))


def test_months_and_years_with_names_and_numbers() -> None:
    summer = interval(months=["june:august", "12"], years=["2024:2025"])
    assert contains_time(summer, at("2024-07-15 00:00"))
    assert contains_time(summer, at("2025-12-01 00:00"))
    assert not contains_time(summer, at("2024-09-01 00:00"))
    assert not contains_time(summer, at("2026-07-01 00:00"))


def test_an_empty_interval_is_always_in() -> None:
    assert contains_time(interval(), at("2024-05-05 05:05"))


def test_named_intervals_hold_when_any_alternative_does() -> None:
    named = {
        "offhours": [
            interval(times=[{"start_time": "00:00", "end_time": "08:00"}]),
            interval(weekdays=["saturday", "sunday"]),
        ]
    }
    assert intervals_containing(["offhours"], named, at("2024-01-02 07:00")) == ["offhours"]
    assert intervals_containing(["offhours"], named, at("2024-01-06 12:00")) == ["offhours"]
    assert intervals_containing(["offhours"], named, at("2024-01-02 12:00")) == []
    assert intervals_containing(["unknown"], named, at("2024-01-02 07:00")) == []


def test_24_00_ends_the_day() -> None:
    evening = interval(times=[{"start_time": "19:00", "end_time": "24:00"}])
    assert contains_time(evening, at("2024-01-01 23:59"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"weekdays": ["friday:monday"]}, "start day cannot be before end day"),
        ({"weekdays": ["funday"]}, "funday is not a valid weekday"),
        ({"times": [{"start_time": "10:00", "end_time": "09:00"}]}, "start time cannot be"),
        ({"times": [{"start_time": "25:00", "end_time": "26:00"}]}, "couldn't parse timestamp"),
        ({"days_of_month": ["0"]}, "0 is not a valid day of the month"),
        ({"days_of_month": ["-3:5"]}, "end day must be negative"),
        ({"months": ["13"]}, "not a valid month: out of range"),
        ({"years": ["2025:2024"]}, "end year 2024 is before start year 2025"),
        ({"location": "Mars/Base"}, "unknown time zone Mars/Base"),
    ],
)
def test_invalid_intervals_are_rejected(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        interval(**fields)
    assert message in str(caught.value)


def test_ranges_print_back_as_written() -> None:
    written = interval(weekdays=["Monday:Friday", "sunday"], months=["may"], years=[2024])
    assert written.model_dump(exclude_none=True) == {
        "weekdays": ["monday:friday", "sunday"],
        "months": ["may"],
        "years": ["2024"],
    }
