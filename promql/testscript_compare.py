"""Expected results of test-script evals and how actual results are compared.

Split from ``testscript`` so the command runner and the result comparison
(Prometheus's ``compareResult`` with ``almost.Equal``) each stay small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from promql.labels import Labels, format_labels
from promql.promtest_almost import almost_equal
from promql.testscript_notation import SequenceValue, parse_number
from promql.values import Matrix, Scalar, String, Value, Vector

EPSILON = 1e-6  # relative tolerance of promqltest's defaultEpsilon


@dataclass
class Expected:
    labels: Labels | None  # None for a scalar
    values: list[SequenceValue]
    pos: int


@dataclass
class EvalCommand:
    line: int
    expr: str
    instant: bool
    start_ms: int
    end_ms: int = 0
    step_ms: int = 0
    fail: bool = False
    ordered: bool = False
    fail_message: str | None = None
    fail_regex: re.Pattern[str] | None = None
    expected_string: str | None = None
    expect_range_vector: bool = False
    exclude_from_range: bool = False
    scalar: bool = False
    histogram: bool = False
    expected: dict[Labels, Expected] = field(default_factory=dict)


def prefix(prefix: str, error: str | None) -> str | None:
    return None if error is None else f"{prefix}: {error}"


def unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in '"`':
        body = text[1:-1]
        return body if text[0] == "`" else body.encode().decode("unicode_escape")
    raise ValueError(
        "expected string literal not valid - check that the string is correctly quoted"
    )


def parse_go_number(text: str) -> float:
    """strconv.ParseInt(s, 0, 64) then ParseFloat, as the runner parses scalar lines."""
    if re.fullmatch(r"[+-]?(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*)", text):
        return (
            float(int(text.replace("_", ""), 0))
            if not re.fullmatch(r"[+-]?0[0-7]+", text)
            else float(int(text, 8))
        )
    low = text.lower().lstrip("+-")
    if low in ("inf", "infinity", "nan") or re.fullmatch(
        r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text
    ):
        return parse_number(text) if low in ("inf", "infinity", "nan") else float(text)
    raise ValueError(text)


def compare(cmd: EvalCommand, result: Value) -> str | None:
    if isinstance(result, String):
        if cmd.expected_string is None:
            return f"unexpected string result {result.value!r}"
        if cmd.expected_string != result.value:
            return f'expected string "{cmd.expected_string}" but got "{result.value}"'
        return None
    if isinstance(result, Scalar):
        if not cmd.scalar:
            return f"expected vector or matrix result, but got scalar {result.value}"
        expected = cmd.expected[()].values[0].value
        if not almost_equal(expected, result.value, EPSILON):
            return f"expected scalar {expected} but got {result.value}"
        return None
    if cmd.scalar:
        return "expected scalar result, but got a vector/matrix"
    if isinstance(result, Vector):
        return _compare_vector(cmd, result)
    return _compare_matrix(cmd, result)


def _compare_vector(cmd: EvalCommand, result: Vector) -> str | None:
    seen: set[Labels] = set()
    for pos, sample in enumerate(result.samples):
        exp = cmd.expected.get(sample.labels)
        if exp is None:
            return f"unexpected metric {format_labels(sample.labels)}, value {sample.value}"
        if cmd.ordered and exp.pos != pos + 1:
            where = f"at position {exp.pos} but was at {pos + 1}"
            return f"expected metric {format_labels(sample.labels)} {where}"
        if not exp.values:
            return f"no expected value for {format_labels(sample.labels)}"
        want = exp.values[0].value
        if not almost_equal(want, sample.value, EPSILON):
            return f"expected {want} for {format_labels(sample.labels)} but got {sample.value}"
        seen.add(sample.labels)
    for labels in cmd.expected:
        if labels not in seen:
            return f"expected metric {format_labels(labels)} not found"
    return None


def _compare_matrix(cmd: EvalCommand, result: Matrix) -> str | None:
    if cmd.ordered:
        return "expected ordered result, but query returned a matrix"
    seen: set[Labels] = set()
    for series in result.series:
        exp = cmd.expected.get(series.labels)
        if exp is None:
            return f"unexpected metric {format_labels(series.labels)} in result"
        seen.add(series.labels)
        points: list[tuple[int, float]] = []
        for k, value in enumerate(exp.values):
            ts = cmd.start_ms + k * cmd.step_ms
            if ts > cmd.end_ms:
                return f"expected {len(exp.values)} points, the query range cannot return this many"
            if not value.omitted:
                points.append((ts, value.value))
        got = list(zip(series.timestamps, series.values, strict=True))
        if len(points) != len(got):
            return f"expected {len(points)} points for {format_labels(series.labels)}, got {got}"
        for (want_t, want_v), (got_t, got_v) in zip(points, got, strict=True):
            if want_t != got_t:
                return (
                    f"expected timestamp {want_t} for {format_labels(series.labels)}, got {got_t}"
                )
            if not almost_equal(want_v, got_v, EPSILON):
                where = f"at t={got_t} for {format_labels(series.labels)}"
                return f"expected {want_v} {where} but got {got_v}"
    for labels in cmd.expected:
        if labels not in seen:
            return f"expected metric {format_labels(labels)} not found"
    return None
