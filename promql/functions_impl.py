"""Implementations of PromQL's instant-vector and scalar functions.

One registry, ``FUNCTIONS``, maps every function name to its implementation;
range-vector functions come from ``functions_range`` through the same
registry. Each implementation receives already-evaluated arguments for all
steps, so element-wise math is a single NumPy call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from promql.blocks import (
    Block,
    EvalError,
    FloatArray,
    InstantBlock,
    IntArray,
    RangeBlock,
    ScalarBlock,
    StringBlock,
    merge_same_labels,
)
from promql.errors import PromQLError
from promql.functions_range import RANGE_FUNCTIONS, call_range_function
from promql.histogram_classic import histogram_fraction, histogram_quantile
from promql.labels import METRIC_NAME, Labels, get_label, make_labels
from promql.matchers import compile_regex


@dataclass
class CallArgs:
    """Evaluated arguments plus what some functions need besides values."""

    args: list[Block]
    steps: IntArray
    absent_labels: Labels = ()

    def instant(self, i: int) -> InstantBlock:
        block = self.args[i]
        assert isinstance(block, InstantBlock)
        return block

    def scalar(self, i: int) -> FloatArray:
        block = self.args[i]
        assert isinstance(block, ScalarBlock)
        return block.values

    def string(self, i: int) -> str:
        block = self.args[i]
        assert isinstance(block, StringBlock)
        return block.value


Impl = Callable[[CallArgs], Block]


def _map(fn: Callable[[FloatArray], FloatArray]) -> Impl:
    """An element-wise function: applied to every sample, drops ``__name__``."""

    def impl(call: CallArgs) -> Block:
        vec = call.instant(0)
        with np.errstate(all="ignore"):
            values = fn(vec.values)
        return InstantBlock(list(vec.labels), values, vec.present.copy(), np.ones(len(vec), bool))

    return impl


def _sgn(v: FloatArray) -> FloatArray:
    return np.where(v < 0, -1.0, np.where(v > 0, 1.0, v))


def _round(call: CallArgs) -> Block:
    nearest = call.scalar(1) if len(call.args) > 1 else np.ones(len(call.steps))
    inverse = 1.0 / nearest
    return _map(lambda v: np.floor(v * inverse + 0.5) / inverse)(call)


def _clamp_between(call: CallArgs, low: FloatArray, high: FloatArray) -> Block:
    vec = call.instant(0)
    with np.errstate(invalid="ignore"):
        values = np.maximum(low, np.minimum(high, vec.values))
    present = vec.present & ~(high < low)[np.newaxis, :]
    return InstantBlock(list(vec.labels), values, present, np.ones(len(vec), bool)).nonempty()


def _clamp(call: CallArgs) -> Block:
    return _clamp_between(call, call.scalar(1), call.scalar(2))


def _clamp_min(call: CallArgs) -> Block:
    return _clamp_between(call, call.scalar(1), np.full(len(call.steps), math.inf))


def _clamp_max(call: CallArgs) -> Block:
    return _clamp_between(call, np.full(len(call.steps), -math.inf), call.scalar(1))


def _vector(call: CallArgs) -> Block:
    values = call.scalar(0)
    return InstantBlock(
        [()], values[np.newaxis, :].copy(), np.ones((1, len(values)), bool), np.zeros(1, bool)
    )


def _scalar(call: CallArgs) -> Block:
    vec = call.instant(0)
    count = vec.present.sum(axis=0)
    picked = np.where(vec.present, vec.values, 0.0).sum(axis=0)
    return ScalarBlock(np.where(count == 1, picked, math.nan))


def _time(call: CallArgs) -> Block:
    return ScalarBlock(call.steps / 1000.0)


def _pi(call: CallArgs) -> Block:
    return ScalarBlock(np.full(len(call.steps), math.pi))


def _timestamp(call: CallArgs) -> Block:
    vec = call.instant(0)
    ts = (
        vec.sample_ts
        if vec.sample_ts is not None
        else np.broadcast_to(call.steps, vec.values.shape)
    )
    return InstantBlock(list(vec.labels), ts / 1000.0, vec.present.copy(), np.ones(len(vec), bool))


# --- dates -----------------------------------------------------------------


def _date_parts(seconds: FloatArray) -> dict[str, FloatArray]:
    finite = np.isfinite(seconds)
    secs = np.where(finite, np.floor(np.where(finite, seconds, 0.0)), 0).astype(np.int64)
    days = np.floor_divide(secs, 86400)
    day_dt = days.astype("datetime64[D]")
    years = day_dt.astype("datetime64[Y]")
    months = day_dt.astype("datetime64[M]")
    next_month = (months + 1).astype("datetime64[D]")
    parts = {
        "year": years.astype(np.int64) + 1970,
        "month": months.astype(np.int64) % 12 + 1,
        "day_of_month": (day_dt - months.astype("datetime64[D]")).astype(np.int64) + 1,
        "day_of_year": (day_dt - years.astype("datetime64[D]")).astype(np.int64) + 1,
        "day_of_week": (days + 4) % 7,
        "days_in_month": (next_month - months.astype("datetime64[D]")).astype(np.int64),
        "hour": np.floor_divide(np.mod(secs, 86400), 3600),
        "minute": np.floor_divide(np.mod(secs, 3600), 60),
    }
    return {k: np.where(finite, v.astype(np.float64), math.nan) for k, v in parts.items()}


def _date(part: str) -> Impl:
    def impl(call: CallArgs) -> Block:
        if not call.args:
            values = _date_parts(call.steps / 1000.0)[part]
            return InstantBlock(
                [()], values[np.newaxis, :], np.ones((1, len(values)), bool), np.zeros(1, bool)
            )
        vec = call.instant(0)
        return InstantBlock(
            list(vec.labels),
            _date_parts(vec.values)[part],
            vec.present.copy(),
            np.ones(len(vec), bool),
        )

    return impl


# --- ordering --------------------------------------------------------------


def _sort(descending: bool) -> Impl:
    def impl(call: CallArgs) -> Block:
        vec = call.instant(0)
        v = np.where(vec.present, vec.values, 0.0)
        nan = np.isnan(v)
        key = np.where(nan, math.inf, -v if descending else v)
        order = np.argsort(key, axis=0, kind="stable")
        rank = np.empty_like(order, dtype=np.float64)
        np.put_along_axis(
            rank, order, np.arange(len(vec), dtype=np.float64)[:, None].repeat(v.shape[1], 1), 0
        )
        # NaNs last, in both directions
        rank = np.where(nan, rank + len(vec), rank)
        return InstantBlock(
            list(vec.labels), vec.values, vec.present, vec.drop_name, vec.sample_ts, rank
        )

    return impl


_DIGITS = re.compile(r"(\d+)")


def _natural_key(value: str) -> list[tuple[int, int | str]]:
    return [
        (0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(value) if part
    ]


def _sort_by_label(descending: bool) -> Impl:
    def impl(call: CallArgs) -> Block:
        vec = call.instant(0)
        names = [call.string(i) for i in range(1, len(call.args))]

        def key(i: int) -> tuple[list[list[tuple[int, int | str]]], Labels]:
            return [_natural_key(get_label(vec.labels[i], n)) for n in names], vec.labels[i]

        order = sorted(range(len(vec)), key=key, reverse=descending)
        rank = np.empty((len(vec), len(call.steps)))
        for position, row in enumerate(order):
            rank[row] = position
        return InstantBlock(
            list(vec.labels), vec.values, vec.present, vec.drop_name, vec.sample_ts, rank
        )

    return impl


# --- labels ----------------------------------------------------------------

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_GO_TEMPLATE = re.compile(r"\$(\$|\{([^}]*)\}|([a-zA-Z0-9_]+))")


def _expand(template: str, match: re.Match[str]) -> str:
    """Go's ``regexp.Expand``: ``$1``, ``${name}``, ``$$``; unknown groups expand to ''."""

    def group(ref: str) -> str:
        try:
            value = match.group(int(ref) if ref.isdigit() else ref)
        except IndexError:
            return ""
        return value or ""

    def sub(m: re.Match[str]) -> str:
        if m.group(1) == "$":
            return "$"
        return group(m.group(2) if m.group(2) is not None else m.group(3))

    return _GO_TEMPLATE.sub(sub, template)


def _valid_label_name(name: str) -> bool:
    return bool(name) and name.isprintable()


def _label_replace(call: CallArgs) -> Block:
    vec = call.instant(0)
    dst, repl, src, pattern = (call.string(i) for i in range(1, 5))
    try:
        regex = compile_regex(pattern)
    except PromQLError as exc:
        raise EvalError(f"invalid regular expression in label_replace(): {pattern}") from exc
    if not _valid_label_name(dst):
        raise EvalError(f"invalid destination label name in label_replace(): {dst}")
    labels = list(vec.labels)
    drop = vec.drop_name.copy()
    for i, lset in enumerate(labels):
        match = regex.fullmatch(get_label(lset, src))
        if match:
            changed = dict(lset)
            changed[dst] = _expand(repl, match)
            labels[i] = make_labels(changed)
            if dst == METRIC_NAME:
                drop[i] = False
    out = InstantBlock(labels, vec.values, vec.present, drop, vec.sample_ts, vec.rank)
    return merge_same_labels(out, check=False)


def _label_join(call: CallArgs) -> Block:
    vec = call.instant(0)
    dst, sep = call.string(1), call.string(2)
    sources = [call.string(i) for i in range(3, len(call.args))]
    for src in sources:
        if not _valid_label_name(src):
            raise EvalError(f"invalid source label name in label_join(): {src}")
    if not _valid_label_name(dst):
        raise EvalError(f"invalid destination label name in label_join(): {dst}")
    labels = list(vec.labels)
    drop = vec.drop_name.copy()
    for i, lset in enumerate(labels):
        changed = dict(lset)
        changed[dst] = sep.join(get_label(lset, s) for s in sources)
        labels[i] = make_labels(changed)
        if dst == METRIC_NAME:
            drop[i] = False
    out = InstantBlock(labels, vec.values, vec.present, drop, vec.sample_ts, vec.rank)
    return merge_same_labels(out, check=False)


# --- absence ---------------------------------------------------------------


def _absent(call: CallArgs) -> Block:
    block = call.args[0]
    if isinstance(block, RangeBlock):
        any_present = np.zeros(len(call.steps), bool)
        for i in range(len(block)):
            any_present |= block.hi[i] > block.lo[i]
    else:
        assert isinstance(block, InstantBlock)
        any_present = np.asarray(block.present.any(axis=0), bool)
    missing = ~any_present
    return InstantBlock(
        [call.absent_labels],
        np.ones((1, len(call.steps))),
        missing[np.newaxis, :],
        np.zeros(1, bool),
    ).nonempty()


# --- histograms ------------------------------------------------------------


def _histogram_quantile(call: CallArgs) -> Block:
    return histogram_quantile(call.scalar(0), call.instant(1))


def _histogram_fraction(call: CallArgs) -> Block:
    return histogram_fraction(call.scalar(0), call.scalar(1), call.instant(2))


def _native_only(call: CallArgs) -> Block:
    """histogram_count() and friends read native histograms only: floats yield nothing."""
    return InstantBlock.empty(len(call.steps))


def _range(name: str) -> Impl:
    def impl(call: CallArgs) -> Block:
        ranges = [a for a in call.args if isinstance(a, RangeBlock)]
        scalars = [a for a in call.args if isinstance(a, ScalarBlock)]
        block = ranges[0]
        return call_range_function(name, block, scalars)

    return impl


def _absent_over_time(call: CallArgs) -> Block:
    return _absent(call)


_MATH: dict[str, Callable[[FloatArray], FloatArray]] = {
    "abs": np.abs,
    "ceil": np.ceil,
    "floor": np.floor,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "ln": np.log,
    "log2": np.log2,
    "log10": np.log10,
    "sgn": _sgn,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
    "deg": np.degrees,
    "rad": np.radians,
}

FUNCTIONS: dict[str, Impl] = {
    **{name: _map(fn) for name, fn in _MATH.items()},
    **{name: _range(name) for name in RANGE_FUNCTIONS},
    **{
        name: _date(name)
        for name in (
            "year",
            "month",
            "day_of_month",
            "day_of_year",
            "day_of_week",
            "days_in_month",
            "hour",
            "minute",
        )
    },
    "round": _round,
    "clamp": _clamp,
    "clamp_min": _clamp_min,
    "clamp_max": _clamp_max,
    "vector": _vector,
    "scalar": _scalar,
    "time": _time,
    "pi": _pi,
    "timestamp": _timestamp,
    "sort": _sort(False),
    "sort_desc": _sort(True),
    "sort_by_label": _sort_by_label(False),
    "sort_by_label_desc": _sort_by_label(True),
    "label_replace": _label_replace,
    "label_join": _label_join,
    "absent": _absent,
    "absent_over_time": _absent_over_time,
    "histogram_quantile": _histogram_quantile,
    "histogram_fraction": _histogram_fraction,
    "histogram_count": _native_only,
    "histogram_sum": _native_only,
    "histogram_avg": _native_only,
    "histogram_stddev": _native_only,
    "histogram_stdvar": _native_only,
}
