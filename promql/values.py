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


_TRIPLES = np.array([list(f"{k:03d}".encode()) for k in range(1000)], dtype=np.uint8)


def _digit_columns(numbers: np.ndarray, width: int) -> np.ndarray:
    """Non-negative int64s as right-aligned ASCII digits, leading zeros as NUL bytes."""
    groups = -(-width // 3)
    digits = np.empty((len(numbers), groups * 3), dtype=np.uint8)
    rest = numbers.copy()
    for group in range(groups - 1, -1, -1):
        digits[:, group * 3 : group * 3 + 3] = _TRIPLES[rest % 1000]
        rest //= 1000
    digits = digits[:, groups * 3 - width :]
    places = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    places[-1] = 0  # a lone zero is still written
    digits *= numbers[:, None] >= places
    return digits


def _width(numbers: np.ndarray) -> int:
    return len(str(int(numbers.max()))) if len(numbers) else 1


def _text_column(texts: list[str]) -> np.ndarray:
    encoded = np.array([text.encode() for text in texts], dtype=bytes)
    width = max(encoded.dtype.itemsize, 1)
    return encoded.astype(f"S{width}").view(np.uint8).reshape(len(texts), width)


def _const(rows: int, text: bytes) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text, dtype=np.uint8), (rows, len(text)))


def _rows(timestamps: np.ndarray, values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """All points as ``[t,"v"],`` concatenated, and the byte offset where each row ends."""
    n = len(timestamps)
    t = np.asarray(timestamps, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    negative_t = t < 0
    magnitude = np.abs(t)
    seconds, millis = magnitude // 1000, magnitude % 1000
    sign_t = np.where(negative_t, np.uint8(ord("-")), np.uint8(0))[:, None]
    fraction = _digit_columns(millis + 1000, 4)  # "1mmm": the 1 becomes the dot
    fraction[:, 0] = ord(".")
    fraction *= (millis != 0)[:, None]

    with np.errstate(invalid="ignore"):
        integral = np.isfinite(v) & (np.abs(v) < _INT_LIMIT) & (v == np.rint(v))
    integral &= ~((v == 0) & np.signbit(v))  # -0.0 is written "-0"
    as_int = np.where(integral, v, 0).astype(np.int64)
    value_digits = _digit_columns(np.abs(as_int), _width(np.abs(as_int)))
    value_sign = np.where(as_int < 0, np.uint8(ord("-")), np.uint8(0))[:, None]
    value_column = np.concatenate([value_sign, value_digits], axis=1)
    others = np.flatnonzero(~integral)
    if len(others):
        texts = _text_column([format_float(x) for x in v[others].tolist()])
        width = max(value_column.shape[1], texts.shape[1])
        widened = np.zeros((n, width), dtype=np.uint8)
        widened[:, : value_column.shape[1]] = value_column
        widened[others] = 0
        widened[others, : texts.shape[1]] = texts
        value_column = widened

    table = np.concatenate(
        [
            _const(n, b"["),
            sign_t,
            _digit_columns(seconds, _width(seconds)),
            fraction,
            _const(n, b',"'),
            value_column,
            _const(n, b'"],'),
        ],
        axis=1,
    )
    keep = table != 0
    return table[keep].tobytes(), np.cumsum(keep.sum(axis=1))


def _labels_json(labels: Labels) -> bytes:
    return json.dumps(dict(labels), ensure_ascii=False, separators=(",", ":")).encode()


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


@dataclass(frozen=True)
class Matrix:
    """A range result (or range vector); series sorted by labels."""

    series: list[Series] = field(default_factory=list)

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
        counts = [len(s.timestamps) for s in self.series]
        total = sum(counts)
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
