"""Query results: the four PromQL value types and their HTTP-API JSON form.

The engine computes on NumPy blocks internally; these plain types are what
callers (API, rules, tests) see, so they are simple and sorted like Prometheus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from promql.labels import Labels


def format_float(value: float) -> str:
    """Render a sample value as Prometheus's JSON does (`+Inf`, `NaN`, shortest repr)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    # Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent.
    return str(np.format_float_positional(value, trim="-"))


def _point(t_ms: int, value: float) -> list[Any]:
    return [t_ms / 1000.0, format_float(value)]


@dataclass(frozen=True)
class Scalar:
    t_ms: int
    value: float

    def to_json(self) -> dict[str, Any]:
        return {"resultType": "scalar", "result": _point(self.t_ms, self.value)}


@dataclass(frozen=True)
class String:
    t_ms: int
    value: str

    def to_json(self) -> dict[str, Any]:
        return {"resultType": "string", "result": [self.t_ms / 1000.0, self.value]}


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


Value = Scalar | String | Vector | Matrix
