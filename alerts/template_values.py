"""The Go values alert templates compute with, and how Go's ``fmt`` prints them.

Templates are Go's text/template, so values keep Go's types: a literal ``1`` is
an ``int`` and ``$value`` a ``float64`` (``gt $value 1`` is an error in
Prometheus too), a missing label is ``""`` (Prometheus runs templates with
``missingkey=zero``) and a float prints as ``%v`` (``1e+06``). Python stands
in as: str, bool, int, float, None (Go's "no value"), dict (a map), list (a
query result), ``Sample``, ``GoTime`` and ``GoDuration``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from alerts import AlertsError

NO_VALUE = "<no value>"

Value = Any
"""Any Go value as listed in the module docstring."""


class TemplateError(AlertsError):
    """A template that cannot be parsed, or one that failed while executing."""


class ExecError(TemplateError):
    """A failure while executing: the caller adds where it happened."""


@dataclass(frozen=True)
class Sample:
    """One element of a ``query`` result: Prometheus's template ``sample``."""

    Labels: Mapping[str, str]
    Value: float


class AnyMap(dict[str, Value]):
    """A ``map[string]any`` (what ``args`` builds): a missing key is no value, not ""."""


def zero_of_map(mapping: Mapping[str, Value]) -> Value:
    return None if isinstance(mapping, AnyMap) else ""


def format_go_float(value: float, *, exponent_at: int = 6) -> str:
    """Go's ``%v`` for a float64: shortest digits, exponent when < 1e-4 or >= 1e6."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = list(digit_tuple)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    text = "".join(str(d) for d in digits)
    point = len(digits) + exponent  # position of the decimal point in ``text``
    prefix = "-" if sign else ""
    if point - 1 < -4 or point - 1 >= exponent_at:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        power = point - 1
        return f"{prefix}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def go_g(value: float, precision: int = 4, suffix: str = "") -> str:
    """Go's ``%.4g`` (Python's ``g`` matches it except for the spelling of Inf)."""
    if math.isnan(value) or math.isinf(value):
        return format_go_float(value) + suffix
    return f"{value:.{precision}g}{suffix}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_GO_LAYOUT: tuple[tuple[str, Callable[[datetime], str]], ...] = (
    ("January", lambda t: _MONTHS[t.month - 1]),
    ("Monday", lambda t: _DAYS[t.weekday()]),
    ("2006", lambda t: f"{t.year:04d}"),
    ("Jan", lambda t: _MONTHS[t.month - 1][:3]),
    ("Mon", lambda t: _DAYS[t.weekday()][:3]),
    ("MST", lambda t: "UTC"),
    ("-07:00", lambda t: "+00:00"),
    ("-0700", lambda t: "+0000"),
    ("Z07:00", lambda t: "Z"),
    (".000", lambda t: f".{t.microsecond // 1000:03d}"),
    ("01", lambda t: f"{t.month:02d}"),
    ("02", lambda t: f"{t.day:02d}"),
    ("_2", lambda t: f"{t.day:2d}"),
    ("06", lambda t: f"{t.year % 100:02d}"),
    ("15", lambda t: f"{t.hour:02d}"),
    ("03", lambda t: f"{(t.hour - 1) % 12 + 1:02d}"),
    ("04", lambda t: f"{t.minute:02d}"),
    ("05", lambda t: f"{t.second:02d}"),
    ("PM", lambda t: "PM" if t.hour >= 12 else "AM"),
    ("pm", lambda t: "pm" if t.hour >= 12 else "am"),
    ("1", lambda t: str(t.month)),
    ("2", lambda t: str(t.day)),
    ("3", lambda t: str((t.hour - 1) % 12 + 1)),
    ("4", lambda t: str(t.minute)),
    ("5", lambda t: str(t.second)),
)
"""Go's reference-time layout elements, longest first."""


@dataclass(frozen=True)
class GoDuration:
    """A ``time.Duration`` (from ``toDuration``): nanoseconds, with its methods."""

    nanoseconds: int

    def String(self) -> str:
        return format_go_duration(self.nanoseconds)

    def Seconds(self) -> float:
        return self.nanoseconds / 1e9

    def __str__(self) -> str:
        return self.String()


@dataclass(frozen=True)
class GoTime:
    """A ``time.Time`` in UTC at millisecond precision, like Prometheus's ``toTime``."""

    unix_ms: int
    _moment: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=self.unix_ms)
        object.__setattr__(self, "_moment", moment)

    def Unix(self) -> int:
        return self.unix_ms // 1000

    def UnixMilli(self) -> int:
        return self.unix_ms

    def Add(self, duration: GoDuration) -> GoTime:
        if not isinstance(duration, GoDuration):
            raise ExecError(
                f"wrong type for value; expected time.Duration; got {type_name(duration)}"
            )
        return GoTime(self.unix_ms + duration.nanoseconds // 1_000_000)

    def Format(self, layout: str) -> str:
        """Go's layout strings (``2006-01-02 15:04:05``), for the common elements."""
        out, index = [], 0
        while index < len(layout):
            for element, render in _GO_LAYOUT:
                if layout.startswith(element, index):
                    out.append(render(self._moment))
                    index += len(element)
                    break
            else:
                out.append(layout[index])
                index += 1
        return "".join(out)

    def String(self) -> str:
        fraction = f".{self.unix_ms % 1000:03d}".rstrip("0").rstrip(".")
        return self._moment.strftime("%Y-%m-%d %H:%M:%S") + fraction + " +0000 UTC"

    def __str__(self) -> str:
        return self.String()


def format_go_duration(nanoseconds: int) -> str:
    """Go's ``Duration.String``: ``1h2m3.5s``, ``30m0s``, ``150ms``, ``0s``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    ns = abs(nanoseconds)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _trim(Decimal(ns) / size) + unit
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    seconds = _trim(Decimal(rest) / 1_000_000_000)
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{sign}{minutes}m{seconds}s"
    return f"{sign}{seconds}s"


def _trim(number: Decimal) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def type_name(value: Value) -> str:
    """The Go type name used in error messages."""
    names: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "bool"), (int, "int"), (float, "float64"), (str, "string"),
        (AnyMap, "map[string]interface {}"), (dict, "map[string]string"),
        (list, "template.queryResult"), (Sample, "*template.sample"),
        (GoTime, "*time.Time"), (GoDuration, "*time.Duration"),
    ]  # fmt: skip
    for kind, name in names:
        if isinstance(value, kind):
            return name
    return "<nil>" if value is None else type(value).__name__


def to_float(value: Value) -> float:
    """Prometheus's ``ConvertToFloat``: numbers and numeric strings, as Go parses them."""
    if isinstance(value, bool):
        raise ExecError("can't convert bool to float")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, GoDuration):
        return value.Seconds()
    if isinstance(value, str):
        return parse_go_float(value)
    raise ExecError(f"can't convert {type_name(value)} to float")


def parse_go_float(text: str) -> float:
    """``strconv.ParseFloat``: no spaces or ``_`` separators, ``Inf``/``NaN`` in any case."""
    error = ExecError(f'strconv.ParseFloat: parsing "{text}": invalid syntax')
    body = text[1:] if text[:1] in "+-" else text
    if body.lower() in ("inf", "infinity", "nan"):
        return float(text)
    if not body or "_" in body or not body.isascii() or any(c.isspace() for c in body):
        raise error
    try:
        return float.fromhex(text) if body[:2].lower() == "0x" else float(text)
    except ValueError:
        raise error from None


def go_str(value: Value) -> str:
    """``fmt.Sprint`` of one value (``%v``), as a template action prints it."""
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_go_float(value)
    if isinstance(value, str | int):
        return str(value)
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_inner(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_inner(item) for item in value) + "]"
    if isinstance(value, Sample):
        return f"&{{{go_str(dict(value.Labels))} {go_str(value.Value)}}}"
    return str(value)


def _inner(value: Value) -> str:
    return "<nil>" if value is None else go_str(value)


def truth(value: Value) -> bool:
    """Go's ``isTrue``: zero values, empty strings and collections are false."""
    if value is None:
        return False
    if isinstance(value, bool | int | float | str | Mapping | list):
        return bool(value)
    return True


Function = Callable[..., Value]
