"""Signatures of every PromQL function in Prometheus 3.9, as data.

The parser type-checks calls against this table; the evaluator registers
implementations by name elsewhere. `experimental` marks functions Prometheus
only accepts with `--enable-feature=promql-experimental-functions`;
`native_histogram_only` marks functions that parse fine but only produce
results from native histograms, which Vigil does not store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from promql.ast import ValueType

SCALAR = ValueType.SCALAR
VECTOR = ValueType.VECTOR
MATRIX = ValueType.MATRIX
STRING = ValueType.STRING


@dataclass(frozen=True)
class Function:
    """A function signature.

    `variadic` is 0 for a fixed argument list, n > 0 when the last argument
    type may appear up to n times or be omitted (`round(v, to_nearest)`), and
    -1 when it may repeat without limit (`label_join`).
    """

    name: str
    arg_types: tuple[ValueType, ...]
    return_type: ValueType
    variadic: int = 0
    experimental: bool = False
    native_histogram_only: bool = False

    @property
    def min_args(self) -> int:
        return len(self.arg_types) - (1 if self.variadic else 0)

    @property
    def max_args(self) -> int | None:
        """The most arguments accepted, or None when unlimited."""
        if self.variadic < 0:
            return None
        return self.min_args + self.variadic if self.variadic else len(self.arg_types)


def _table(*functions: Function) -> Mapping[str, Function]:
    return MappingProxyType({function.name: function for function in functions})


def _vector_math(*names: str) -> list[Function]:
    return [Function(name, (VECTOR,), VECTOR) for name in names]


def _over_time(*names: str, experimental: bool = False) -> list[Function]:
    return [Function(name, (MATRIX,), VECTOR, experimental=experimental) for name in names]


def _date(*names: str) -> list[Function]:
    return [Function(name, (VECTOR,), VECTOR, variadic=1) for name in names]


def _histogram_only(*names: str) -> list[Function]:
    return [Function(name, (VECTOR,), VECTOR, native_histogram_only=True) for name in names]


FUNCTIONS: Mapping[str, Function] = _table(
    *_vector_math(
        "abs",
        "absent",
        "acos",
        "acosh",
        "asin",
        "asinh",
        "atan",
        "atanh",
        "ceil",
        "cos",
        "cosh",
        "deg",
        "exp",
        "floor",
        "ln",
        "log10",
        "log2",
        "rad",
        "sgn",
        "sin",
        "sinh",
        "sort",
        "sort_desc",
        "sqrt",
        "tan",
        "tanh",
        "timestamp",
    ),
    *_over_time(
        "absent_over_time",
        "avg_over_time",
        "changes",
        "count_over_time",
        "delta",
        "deriv",
        "idelta",
        "increase",
        "irate",
        "last_over_time",
        "max_over_time",
        "min_over_time",
        "present_over_time",
        "rate",
        "resets",
        "stddev_over_time",
        "stdvar_over_time",
        "sum_over_time",
    ),
    *_over_time(
        "first_over_time",
        "mad_over_time",
        "ts_of_first_over_time",
        "ts_of_last_over_time",
        "ts_of_max_over_time",
        "ts_of_min_over_time",
        experimental=True,
    ),
    *_date(
        "day_of_month",
        "day_of_week",
        "day_of_year",
        "days_in_month",
        "hour",
        "minute",
        "month",
        "year",
    ),
    *_histogram_only(
        "histogram_avg",
        "histogram_count",
        "histogram_stddev",
        "histogram_stdvar",
        "histogram_sum",
    ),
    Function("clamp", (VECTOR, SCALAR, SCALAR), VECTOR),
    Function("clamp_max", (VECTOR, SCALAR), VECTOR),
    Function("clamp_min", (VECTOR, SCALAR), VECTOR),
    Function("double_exponential_smoothing", (MATRIX, SCALAR, SCALAR), VECTOR, experimental=True),
    Function("histogram_fraction", (SCALAR, SCALAR, VECTOR), VECTOR),
    Function("histogram_quantile", (SCALAR, VECTOR), VECTOR),
    Function("info", (VECTOR, VECTOR), VECTOR, variadic=1, experimental=True),
    Function("label_join", (VECTOR, STRING, STRING, STRING), VECTOR, variadic=-1),
    Function("label_replace", (VECTOR, STRING, STRING, STRING, STRING), VECTOR),
    Function("pi", (), SCALAR),
    Function("predict_linear", (MATRIX, SCALAR), VECTOR),
    Function("quantile_over_time", (SCALAR, MATRIX), VECTOR),
    Function("round", (VECTOR, SCALAR), VECTOR, variadic=1),
    Function("scalar", (VECTOR,), SCALAR),
    Function("sort_by_label", (VECTOR, STRING), VECTOR, variadic=-1, experimental=True),
    Function("sort_by_label_desc", (VECTOR, STRING), VECTOR, variadic=-1, experimental=True),
    Function("time", (), SCALAR),
    Function("vector", (SCALAR,), VECTOR),
)


def get_function(name: str) -> Function | None:
    """The signature of a function by its (case-sensitive) name, if PromQL has it."""
    return FUNCTIONS.get(name)
