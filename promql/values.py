"""Query results: the four PromQL value types and their HTTP-API JSON form.

The engine computes on NumPy blocks internally; these plain types are what
callers (API, rules, tests) see, so they are simple and sorted like Prometheus.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from promql.gcpause import gc_paused
from promql.labels import Labels


def format_float(value: float) -> str:
    """Render a sample value as Prometheus's JSON does (`+Inf`, `NaN`, shortest repr)."""
    # Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent.
    # Python's repr gives the same shortest digits; only its exponent form
    # (and the special values) need NumPy's slower positional formatting.
    text = repr(value)
    if "e" in text or "n" in text:  # exponent, nan, inf
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return str(np.format_float_positional(value, trim="-"))
    return text[:-2] if text.endswith(".0") else text


# -- JSON text built directly ------------------------------------------------
#
# A large matrix (1,000 series x 240 points) as nested lists costs a Python
# object per point and a float formatting call per value; here every point
# becomes one row of a byte matrix, filled column-wise with NumPy, and the
# rows' non-zero bytes are the JSON text. Timestamps are written as Prometheus
# writes them (seconds, then ".mmm" unless whole); integral values within
# ±10**15 (counters, most gauges) are formatted by NumPy, any other value by
# ``format_float``.

_INT_LIMIT = 10.0**15
_ZERO = np.uint8(ord("0"))


_GROUP = 10_000  # digits are looked up four at a time, as one uint32 each
_PLACES = 10 ** np.arange(3, -1, -1)
_PADDED = (np.arange(_GROUP)[:, None] // _PLACES % 10 + ord("0")).astype(np.uint8)
_STRIPPED = _PADDED * (np.arange(_GROUP)[:, None] >= _PLACES).astype(np.uint8)
_LAST = _STRIPPED.copy()
_LAST[0, -1] = ord("0")  # a lone zero is still written
# Rows [0, G): four digits with zeros; [G, 2G): leading zeros as NUL; [2G, 3G): the same
# but 0 written as "0" (for the last group of a number with no higher digits).
_DIGITS = np.ascontiguousarray(np.concatenate([_PADDED, _STRIPPED, _LAST])).view("<u4").ravel()
# ".mmm" for 1-999 ms, nothing for whole seconds.
_FRACTIONS = np.concatenate(
    [np.zeros((1, 4), np.uint8), np.array([list(f".{k:03d}".encode()) for k in range(1, 1000)])]
).astype(np.uint8)


def _digit_columns(numbers: np.ndarray, width: int) -> np.ndarray:
    """Non-negative int64s below ``10**width`` as right-aligned ASCII digits.

    Leading zeros are NUL bytes; the result may have a few more (NUL) columns
    than ``width``.
    """
    groups = max(1, -(-width // 4))
    parts: list[np.ndarray] = []
    rest = np.asarray(numbers, dtype=np.int64)
    for _ in range(groups - 1):
        rest, low = np.divmod(rest, _GROUP)
        parts.append(low)
    parts.append(rest)
    parts.reverse()
    digits = np.empty((len(rest), groups), dtype="<u4")
    higher = np.zeros(len(rest), dtype=bool)
    for i, part in enumerate(parts):
        leading = 2 * _GROUP if i == groups - 1 else _GROUP
        index = np.where(higher, part, part + leading)
        digits[:, i] = _DIGITS[index]
        if i < groups - 1:
            higher |= part != 0
    return digits.view(np.uint8).reshape(len(rest), groups * 4)


def _width(numbers: np.ndarray) -> int:
    return len(str(int(numbers.max()))) if len(numbers) else 1


def _text_column(texts: list[str]) -> np.ndarray:
    encoded = np.array([text.encode() for text in texts], dtype=bytes)
    width = max(encoded.dtype.itemsize, 1)
    return encoded.astype(f"S{width}").view(np.uint8).reshape(len(texts), width)


_POW10_INT = 10 ** np.arange(19, dtype=np.int64)


def _digit_count(numbers: np.ndarray) -> np.ndarray:
    """Digits of each non-negative int64 (1 for 0)."""
    return np.maximum(np.searchsorted(_POW10_INT, numbers, side="right"), 1)


def _rows(timestamps: np.ndarray, values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """All points as ``[t,"v"],`` concatenated, and the byte offset where each row ends."""
    n = len(timestamps)
    t = np.asarray(timestamps, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    negative_t = t < 0
    magnitude = np.abs(t)
    seconds, millis = np.divmod(magnitude, 1000)
    with np.errstate(invalid="ignore"):
        integral = np.isfinite(v) & (np.abs(v) < _INT_LIMIT) & (v == np.rint(v))
    integral &= ~((v == 0) & np.signbit(v))  # -0.0 is written "-0"
    as_int = np.where(integral, v, 0).astype(np.int64)
    magnitude_v = np.abs(as_int)
    seconds_digits = _digit_columns(seconds, _width(seconds))
    value_digits = _digit_columns(magnitude_v, _width(magnitude_v))
    others = np.flatnonzero(~integral)
    texts = _text_column([format_float(x) for x in v[others].tolist()]) if len(others) else None

    # Columns: [ sign seconds .mmm ," sign value "], (sign columns only when needed)
    seconds_digits = seconds_digits[:, seconds_digits.shape[1] - _width(seconds) :]
    value_digits = value_digits[:, value_digits.shape[1] - _width(magnitude_v) :]
    any_negative_t = bool(negative_t.any())
    any_negative_v = bool((as_int < 0).any())
    value_width = int(any_negative_v) + value_digits.shape[1]
    if texts is not None:
        value_width = max(value_width, texts.shape[1])
    ts_at = 1 + int(any_negative_t)
    frac_at = ts_at + seconds_digits.shape[1]
    value_at = frac_at + 4 + 2
    end_at = value_at + value_width
    table = np.empty((n, end_at + 3), dtype=np.uint8)
    table[:, 0] = ord("[")
    if any_negative_t:
        table[:, 1] = np.where(negative_t, np.uint8(ord("-")), np.uint8(0))
    table[:, ts_at:frac_at] = seconds_digits
    table[:, frac_at : frac_at + 4] = _FRACTIONS[millis]
    table[:, frac_at + 4] = ord(",")
    table[:, frac_at + 5] = ord('"')
    digits_at = end_at - value_digits.shape[1]
    table[:, value_at:digits_at] = 0
    if any_negative_v:
        table[:, digits_at - 1] = np.where(as_int < 0, np.uint8(ord("-")), np.uint8(0))
    table[:, digits_at:end_at] = value_digits
    table[:, end_at] = ord('"')
    table[:, end_at + 1] = ord("]")
    table[:, end_at + 2] = ord(",")
    lengths = (
        6
        + negative_t
        + _digit_count(seconds)
        + 4 * (millis != 0)
        + (as_int < 0)
        + _digit_count(magnitude_v)
    )
    if texts is not None:
        table[others, value_at:end_at] = 0
        table[others, value_at : value_at + texts.shape[1]] = texts
        text_lengths = np.count_nonzero(texts, axis=1)
        lengths[others] += text_lengths - 1 - (as_int[others] < 0)
    return table[table != 0].tobytes(), np.cumsum(lengths)


_LABELS_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _labels_json(labels: Labels) -> bytes:
    # One shared encoder: json.dumps with options builds a new one per call.
    return _LABELS_ENCODER.encode(dict(labels)).encode()


def _point(t_ms: int, value: float) -> list[Any]:
    return [t_ms / 1000.0, format_float(value)]


@dataclass(frozen=True)
class Scalar:
    t_ms: int
    value: float

    def to_json(self) -> dict[str, Any]:
        return {"resultType": "scalar", "result": _point(self.t_ms, self.value)}

    def to_json_bytes(self) -> bytes:
        """``to_json()`` as JSON text, timestamps written as Prometheus writes them."""
        text, _ = _rows(np.array([self.t_ms]), np.array([self.value]))
        return b'{"resultType":"scalar","result":' + text[:-1] + b"}"


@dataclass(frozen=True)
class String:
    t_ms: int
    value: str

    def to_json(self) -> dict[str, Any]:
        return {"resultType": "string", "result": [self.t_ms / 1000.0, self.value]}

    def to_json_bytes(self) -> bytes:
        stamp, _ = _rows(np.array([self.t_ms]), np.array([0.0]))
        value = json.dumps(self.value, ensure_ascii=False).encode()
        return b'{"resultType":"string","result":' + stamp.split(b",")[0] + b"," + value + b"]}"


@dataclass(frozen=True)
class Sample:
    labels: Labels
    t_ms: int
    value: float


@dataclass(frozen=True)
class Vector:
    """An instant vector; order is meaningful only after sort()-like functions."""

    samples: list[Sample] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "resultType": "vector",
            "result": [
                {"metric": dict(s.labels), "value": _point(s.t_ms, s.value)} for s in self.samples
            ],
        }

    def to_json_bytes(self) -> bytes:
        with gc_paused():
            return self._json_bytes()

    def _json_bytes(self) -> bytes:
        times = np.fromiter((s.t_ms for s in self.samples), np.int64, len(self.samples))
        values = np.fromiter((s.value for s in self.samples), np.float64, len(self.samples))
        text, ends = _rows(times, values)
        parts = [b'{"resultType":"vector","result":[']
        start = 0
        for i, (sample, end) in enumerate(zip(self.samples, ends.tolist(), strict=True)):
            comma = b"," if i else b""
            parts.append(comma + b'{"metric":' + _labels_json(sample.labels) + b',"value":')
            parts.append(text[start : end - 1] + b"}")
            start = end
        parts.append(b"]}")
        return b"".join(parts)


@dataclass(frozen=True)
class Series:
    labels: Labels
    timestamps: list[int]
    values: list[float]


class ArraySeries(Series):
    """A ``Series`` made from NumPy arrays, whose lists are built on first use.

    The HTTP API writes a matrix straight from its arrays (``Matrix.points``),
    so for it the hundreds of thousands of Python ints and floats are never
    made; any other reader sees an ordinary ``Series``.
    """

    def __init__(self, labels: Labels, timestamps: np.ndarray, values: np.ndarray) -> None:
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "_arrays", (timestamps, values))

    def __getattr__(self, name: str) -> Any:
        if name not in ("timestamps", "values"):
            raise AttributeError(name)
        timestamps, values = object.__getattribute__(self, "_arrays")
        object.__setattr__(self, "timestamps", timestamps.tolist())
        object.__setattr__(self, "values", values.tolist())
        return object.__getattribute__(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Series):
            return NotImplemented
        mine = (self.labels, self.timestamps, self.values)
        return mine == (other.labels, other.timestamps, other.values)

    __hash__ = None  # type: ignore[assignment]  # as Series: its lists are unhashable

    def __reduce__(self) -> tuple[type[Series], tuple[Labels, list[int], list[float]]]:
        return Series, (self.labels, self.timestamps, self.values)


def _length(series: Series) -> int:
    arrays = series.__dict__.get("_arrays")
    return len(arrays[0]) if arrays is not None else len(series.timestamps)


@dataclass(frozen=True)
class Matrix:
    """A range result (or range vector); series sorted by labels."""

    series: list[Series] = field(default_factory=list)
    points: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)
    """Optionally every series' timestamps and values concatenated, as NumPy arrays:
    what the engine computed them from, so ``to_json_bytes`` need not read the lists."""

    def to_json(self) -> dict[str, Any]:
        return {
            "resultType": "matrix",
            "result": [
                {
                    "metric": dict(s.labels),
                    "values": [_point(t, v) for t, v in zip(s.timestamps, s.values, strict=True)],
                }
                for s in self.series
            ],
        }

    def to_json_bytes(self) -> bytes:
        """``to_json()`` as JSON text, built column-wise for all points at once."""
        with gc_paused():
            return self._json_bytes()

    def _json_bytes(self) -> bytes:
        counts = [_length(s) for s in self.series]
        total = sum(counts)
        if self.points is not None and len(self.points[0]) == total:
            times, values = self.points
        else:
            times = np.fromiter((t for s in self.series for t in s.timestamps), np.int64, total)
            values = np.fromiter((v for s in self.series for v in s.values), np.float64, total)
        text, ends = _rows(times, values)
        parts = [b'{"resultType":"matrix","result":[']
        start, row = 0, 0
        for i, (series, count) in enumerate(zip(self.series, counts, strict=True)):
            row += count
            end = int(ends[row - 1]) if count else start
            comma = b"," if i else b""
            parts.append(comma + b'{"metric":' + _labels_json(series.labels) + b',"values":[')
            parts.append(text[start : end - 1] if count else b"")
            parts.append(b"]}")
            start = end
        parts.append(b"]}")
        return b"".join(parts)


Value = Scalar | String | Vector | Matrix
