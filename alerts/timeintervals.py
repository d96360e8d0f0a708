"""Named time intervals (``time_intervals:``) that mute or activate routes, as Alertmanager's.

The format and semantics are ``timeinterval/timeinterval.go``: an interval
holds when every field it sets holds (times are [start, end) minutes of the
day, the rest inclusive ranges; weekdays count from Sunday; negative days of
the month count from its end), evaluated in ``location`` (UTC by default).
Ranges are parsed when the file is loaded, so a bad one is reported at its
line, and ``contains_time`` is a pure function of the instant.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, PlainSerializer, field_validator, model_validator

from store.configfile import ConfigModel

_WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december",
]  # fmt: skip
_CLOCK = re.compile(r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")


def _bounds(text: object, member: Any) -> tuple[int, int]:
    """``a:b`` or ``a`` as an inclusive (begin, end), each part read by ``member``."""
    parts = str(text).lower().split(":")
    if len(parts) > 2:
        raise ValueError(f"couldn't parse range {text}, invalid format")
    begin, end = member(parts[0]), member(parts[-1])
    return begin, end


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text} is not a number") from None


def _weekday(text: str) -> int:
    if text not in _WEEKDAYS:
        raise ValueError(f"{text} is not a valid weekday")
    return _WEEKDAYS.index(text)


def _month(text: str) -> int:
    if text in _MONTHS:
        return _MONTHS.index(text) + 1
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text} is not a valid month") from None


def _parse_weekdays(value: object) -> object:
    if isinstance(value, tuple):
        return value
    begin, end = _bounds(value, _weekday)
    if begin > end:
        raise ValueError("start day cannot be before end day")
    return begin, end


def _parse_days(value: object) -> object:
    if isinstance(value, tuple):
        return value
    begin, end = _bounds(value, _integer)
    for day in (begin, end):
        if day == 0 or not -31 <= day <= 31:
            raise ValueError(f"{day} is not a valid day of the month: out of range")
    if begin < 0 < end:
        raise ValueError("end day must be negative if start day is negative")
    if (28 + begin if begin < 0 else begin) > (28 + end if end < 0 else end):
        raise ValueError(f"end day {end} is always before start day {begin}")
    return begin, end


def _parse_months(value: object) -> object:
    if isinstance(value, tuple):
        return value
    begin, end = _bounds(value, _month)
    if not (1 <= begin <= 12 and 1 <= end <= 12):
        raise ValueError(f"{value} is not a valid month: out of range")
    if begin > end:
        raise ValueError(f"end month {_MONTHS[end - 1]} is before start month {_MONTHS[begin - 1]}")
    return begin, end


def _parse_years(value: object) -> object:
    if isinstance(value, tuple):
        return value
    begin, end = _bounds(value, _integer)
    if begin > end:
        raise ValueError(f"end year {end} is before start year {begin}")
    return begin, end


def _format_range(names: Sequence[str] | None) -> Any:
    def render(value: tuple[int, int]) -> str:
        def one(n: int) -> str:
            return names[n] if names is not None else str(n)

        return one(value[0]) if value[0] == value[1] else f"{one(value[0])}:{one(value[1])}"

    return render


Range = tuple[int, int]
WeekdayRange = Annotated[
    Range, BeforeValidator(_parse_weekdays), PlainSerializer(_format_range(_WEEKDAYS))
]
DayOfMonthRange = Annotated[
    Range, BeforeValidator(_parse_days), PlainSerializer(_format_range(None))
]
MonthRange = Annotated[
    Range, BeforeValidator(_parse_months), PlainSerializer(_format_range(["", *_MONTHS]))
]
YearRange = Annotated[Range, BeforeValidator(_parse_years), PlainSerializer(_format_range(None))]


def _minutes(clock: str) -> int:
    if not _CLOCK.match(clock):
        raise ValueError(f"couldn't parse timestamp {clock}, invalid format")
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class TimeRange(ConfigModel):
    """``start_time``/``end_time`` as HH:MM; the end minute is excluded."""

    start_time: str
    end_time: str

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.start_minute >= self.end_minute:
            raise ValueError("start time cannot be equal or greater than end time")
        return self

    @property
    def start_minute(self) -> int:
        return _minutes(self.start_time)

    @property
    def end_minute(self) -> int:
        return _minutes(self.end_time)

    @field_validator("start_time", "end_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        _minutes(value)
        return value


def load_location(name: str) -> tzinfo | None:
    """The zone for a ``location`` (an IANA name, ``UTC`` or ``Local``); None is local time."""
    if name == "Local":
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name}") from None


class TimeInterval(ConfigModel):
    """One of a named interval's alternatives; unset fields do not restrict."""

    times: list[TimeRange] | None = None
    weekdays: list[WeekdayRange] | None = None
    days_of_month: list[DayOfMonthRange] | None = None
    months: list[MonthRange] | None = None
    years: list[YearRange] | None = None
    location: str | None = None

    @field_validator("location")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            load_location(value)
        return value


class NamedTimeInterval(ConfigModel):
    name: str = Field(min_length=1)
    time_intervals: list[TimeInterval] = Field(default_factory=list)


def _local_time(interval: TimeInterval, now: float) -> datetime:
    if interval.location is None:
        return datetime.fromtimestamp(now, tz=UTC)
    zone = load_location(interval.location)
    if zone is None:
        return datetime.fromtimestamp(now).astimezone()
    return datetime.fromtimestamp(now, tz=zone)


def _in(value: int, ranges: Sequence[Range]) -> bool:
    return any(begin <= value <= end for begin, end in ranges)


def contains_time(interval: TimeInterval, now: float) -> bool:
    """Whether the Unix time ``now`` falls in ``interval``."""
    t = _local_time(interval, now)
    if interval.times is not None:
        minute = t.hour * 60 + t.minute
        if not any(r.start_minute <= minute < r.end_minute for r in interval.times):
            return False
    if interval.days_of_month is not None:
        length = calendar.monthrange(t.year, t.month)[1]
        found = False
        for begin, end in interval.days_of_month:
            first = length + begin + 1 if begin < 0 else begin
            last = length + end + 1 if end < 0 else end
            if first > length:
                continue
            if min(max(first, -length), length) <= t.day <= min(max(last, -length), length):
                found = True
                break
        if not found:
            return False
    if interval.months is not None and not _in(t.month, interval.months):
        return False
    if interval.weekdays is not None and not _in((t.weekday() + 1) % 7, interval.weekdays):
        return False
    return interval.years is None or _in(t.year, interval.years)


def intervals_containing(
    names: Sequence[str], intervals: Mapping[str, Sequence[TimeInterval]], now: float
) -> list[str]:
    """The named intervals (of ``names``) that ``now`` falls in; unknown names never do."""
    return [
        name
        for name in names
        if any(contains_time(interval, now) for interval in intervals.get(name, ()))
    ]
