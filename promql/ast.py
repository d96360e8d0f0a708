"""PromQL syntax tree: immutable nodes that print back as canonical PromQL.

`str(node)` follows Prometheus's printer (`promql/parser/printer.go`) so that
recording/alerting rules round-trip: `sum by (job) (rate(x[5m]))`. Positions
(character offsets into the query) are kept for error reporting but ignored by
equality, so `parse_expr(str(e)) == e` holds for any parsed `e`.

Times are float seconds: offsets, ranges and steps are rounded to nanoseconds
at parse time and `@` timestamps to milliseconds, as Prometheus stores them.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from promql.durations import format_duration
from promql.lexer import go_quote
from promql.matchers import METRIC_NAME_LABEL, Matcher, MatchType

if TYPE_CHECKING:
    from promql.functions import Function


class ValueType(enum.Enum):
    """What an expression evaluates to (Prometheus's `ValueType`)."""

    SCALAR = "scalar"
    VECTOR = "vector"
    MATRIX = "matrix"
    STRING = "string"

    @property
    def documented(self) -> str:
        """The name Prometheus's documentation and error messages use."""
        return {"vector": "instant vector", "matrix": "range vector"}.get(self.value, self.value)

    def __str__(self) -> str:
        return self.value


class BinaryOp(enum.Enum):
    """Binary operators (also `+`/`-` of unary expressions); the value is the PromQL text."""

    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    MOD = "%"
    POW = "^"
    ATAN2 = "atan2"
    EQL = "=="
    NEQ = "!="
    GTR = ">"
    LSS = "<"
    GTE = ">="
    LTE = "<="
    AND = "and"
    OR = "or"
    UNLESS = "unless"

    @property
    def is_comparison(self) -> bool:
        return self in _COMPARISONS

    @property
    def is_set_operator(self) -> bool:
        return self in (BinaryOp.AND, BinaryOp.OR, BinaryOp.UNLESS)

    def __str__(self) -> str:
        return self.value


_COMPARISONS = frozenset(
    {BinaryOp.EQL, BinaryOp.NEQ, BinaryOp.GTR, BinaryOp.LSS, BinaryOp.GTE, BinaryOp.LTE}
)


class AggregateOp(enum.Enum):
    """Aggregation operators; the value is the PromQL keyword."""

    SUM = "sum"
    AVG = "avg"
    COUNT = "count"
    MIN = "min"
    MAX = "max"
    GROUP = "group"
    STDDEV = "stddev"
    STDVAR = "stdvar"
    TOPK = "topk"
    BOTTOMK = "bottomk"
    COUNT_VALUES = "count_values"
    QUANTILE = "quantile"
    LIMITK = "limitk"
    LIMIT_RATIO = "limit_ratio"

    @property
    def takes_parameter(self) -> bool:
        """Whether the first argument is a parameter (`topk(5, x)`)."""
        return self in _PARAMETER_AGGREGATIONS

    @property
    def experimental(self) -> bool:
        """Prometheus gates these behind `--enable-feature=promql-experimental-functions`."""
        return self in (AggregateOp.LIMITK, AggregateOp.LIMIT_RATIO)

    def __str__(self) -> str:
        return self.value


_PARAMETER_AGGREGATIONS = frozenset(
    {
        AggregateOp.TOPK,
        AggregateOp.BOTTOMK,
        AggregateOp.COUNT_VALUES,
        AggregateOp.QUANTILE,
        AggregateOp.LIMITK,
        AggregateOp.LIMIT_RATIO,
    }
)


class AtModifier(enum.Enum):
    """`@ start()` / `@ end()`: evaluate at the query range's start or end."""

    START = "start"
    END = "end"


class VectorMatchCardinality(enum.Enum):
    ONE_TO_ONE = "one-to-one"
    MANY_TO_ONE = "many-to-one"
    ONE_TO_MANY = "one-to-many"
    MANY_TO_MANY = "many-to-many"


@dataclass(frozen=True)
class VectorMatching:
    """How the two sides of a vector/vector binary operation pair up.

    `on` selects `on(labels)` rather than `ignoring(labels)`; `include` lists
    the `group_left`/`group_right` labels copied from the "one" side.
    """

    card: VectorMatchCardinality = VectorMatchCardinality.ONE_TO_ONE
    matching_labels: tuple[str, ...] = ()
    on: bool = False
    include: tuple[str, ...] = ()


@dataclass(frozen=True)
class PositionRange:
    """Character offsets `[start, end)` of a node in the query text."""

    start: int
    end: int


NO_POSITION = PositionRange(0, 0)


@dataclass(frozen=True, eq=False)
class Expr:
    """Base of all expression nodes."""

    pos: PositionRange = field(default=NO_POSITION, compare=False, kw_only=True, repr=False)

    @property
    def type(self) -> ValueType:
        raise NotImplementedError

    def children(self) -> tuple[Expr, ...]:
        """Direct sub-expressions, in source order."""
        return ()

    def walk(self) -> Iterator[Expr]:
        """This node and all its descendants, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True)
class NumberLiteral(Expr):
    """A float literal; `is_duration` records that it was written as `5m`, for printing."""

    value: float
    is_duration: bool = False

    @property
    def type(self) -> ValueType:
        return ValueType.SCALAR

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NumberLiteral):
            return NotImplemented
        same = self.value == other.value or (math.isnan(self.value) and math.isnan(other.value))
        return same and self.is_duration == other.is_duration

    def __hash__(self) -> int:
        return hash(("nan" if math.isnan(self.value) else self.value, self.is_duration))

    def __str__(self) -> str:
        if self.is_duration and math.isfinite(self.value):
            return format_duration(self.value)
        return format_number(self.value)


@dataclass(frozen=True)
class StringLiteral(Expr):
    value: str

    @property
    def type(self) -> ValueType:
        return ValueType.STRING

    def __str__(self) -> str:
        return go_quote(self.value)


@dataclass(frozen=True)
class VectorSelector(Expr):
    """`name{matchers} @ at offset offset`.

    When the name is written outside braces, `matchers` ends with the implied
    `__name__="name"` matcher, as in Prometheus. `offset` is the offset as
    written (seconds, may be negative); `at` is a Unix time in seconds or
    start()/end().
    """

    name: str
    matchers: tuple[Matcher, ...]
    offset: float = 0.0
    at: float | AtModifier | None = None

    @property
    def type(self) -> ValueType:
        return ValueType.VECTOR

    def _identity(self) -> tuple[object, ...]:
        """Matcher order carries no meaning (and printing sorts them), so equality ignores it."""
        matchers = sorted((m.name, m.type.value, m.value) for m in self.matchers)
        return (self.name, tuple(matchers), self.offset, self.at)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VectorSelector):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __str__(self) -> str:
        return self.selector_text() + _modifiers_text(self.at, self.offset)

    def selector_text(self) -> str:
        """The selector without its `@` and `offset` modifiers."""
        shown = sorted(
            str(m)
            for m in self.matchers
            if not (
                m.name == METRIC_NAME_LABEL
                and m.type is MatchType.EQUAL
                and m.value == self.name
                and m.value != ""
            )
        )
        return self.name + ("{" + ",".join(shown) + "}" if shown else "")


@dataclass(frozen=True)
class MatrixSelector(Expr):
    """`selector[range]`; the selector carries the `@` and `offset` modifiers."""

    vector_selector: VectorSelector
    range: float

    @property
    def type(self) -> ValueType:
        return ValueType.MATRIX

    def children(self) -> tuple[Expr, ...]:
        return (self.vector_selector,)

    def __str__(self) -> str:
        selector = self.vector_selector
        suffix = _modifiers_text(selector.at, selector.offset)
        return f"{selector.selector_text()}[{format_duration(self.range)}]{suffix}"


@dataclass(frozen=True)
class SubqueryExpr(Expr):
    """`expr[range:step]`; a `step` of None means the query's default resolution."""

    expr: Expr
    range: float
    step: float | None = None
    offset: float = 0.0
    at: float | AtModifier | None = None

    @property
    def type(self) -> ValueType:
        return ValueType.MATRIX

    def children(self) -> tuple[Expr, ...]:
        return (self.expr,)

    def __str__(self) -> str:
        step = format_duration(self.step) if self.step else ""
        suffix = _modifiers_text(self.at, self.offset)
        return f"{self.expr}[{format_duration(self.range)}:{step}]{suffix}"


@dataclass(frozen=True)
class ParenExpr(Expr):
    expr: Expr

    @property
    def type(self) -> ValueType:
        return self.expr.type

    def children(self) -> tuple[Expr, ...]:
        return (self.expr,)

    def __str__(self) -> str:
        return f"({self.expr})"


@dataclass(frozen=True)
class UnaryExpr(Expr):
    """`-expr` or `+expr` (a negated number literal is folded into the literal instead)."""

    op: BinaryOp
    expr: Expr

    @property
    def type(self) -> ValueType:
        return self.expr.type

    def children(self) -> tuple[Expr, ...]:
        return (self.expr,)

    def __str__(self) -> str:
        return f"{self.op}{self.expr}"


@dataclass(frozen=True)
class BinaryExpr(Expr):
    """`lhs op [bool] [on|ignoring(...)] [group_left|group_right(...)] rhs`.

    `matching` is None unless both sides are instant vectors; set operators
    always match many-to-many.
    """

    op: BinaryOp
    lhs: Expr
    rhs: Expr
    matching: VectorMatching | None = None
    return_bool: bool = False

    @property
    def type(self) -> ValueType:
        if self.lhs.type is ValueType.SCALAR and self.rhs.type is ValueType.SCALAR:
            return ValueType.SCALAR
        return ValueType.VECTOR

    def children(self) -> tuple[Expr, ...]:
        return (self.lhs, self.rhs)

    def __str__(self) -> str:
        modifiers = " bool" if self.return_bool else ""
        vm = self.matching
        grouped = vm is not None and vm.card in (
            VectorMatchCardinality.MANY_TO_ONE,
            VectorMatchCardinality.ONE_TO_MANY,
        )
        if vm is not None and (vm.matching_labels or vm.on or grouped):
            modifiers += f" {'on' if vm.on else 'ignoring'} ({_label_list(vm.matching_labels)})"
        if vm is not None and grouped:
            side = "left" if vm.card is VectorMatchCardinality.MANY_TO_ONE else "right"
            modifiers += f" group_{side} ({_label_list(vm.include)})"
        return f"{self.lhs} {self.op}{modifiers} {self.rhs}"


@dataclass(frozen=True)
class AggregateExpr(Expr):
    """`op [by|without (labels)] ([param,] expr)`."""

    op: AggregateOp
    expr: Expr
    param: Expr | None = None
    grouping: tuple[str, ...] = ()
    without: bool = False

    @property
    def type(self) -> ValueType:
        return ValueType.VECTOR

    def children(self) -> tuple[Expr, ...]:
        return (self.expr,) if self.param is None else (self.param, self.expr)

    def __str__(self) -> str:
        text = str(self.op)
        if self.without:
            text += f" without ({_label_list(self.grouping)}) "
        elif self.grouping:
            text += f" by ({_label_list(self.grouping)}) "
        param = f"{self.param}, " if self.param is not None else ""
        return f"{text}({param}{self.expr})"


@dataclass(frozen=True)
class Call(Expr):
    """A function call; `function` describes the signature (see `promql.functions`)."""

    function: Function
    args: tuple[Expr, ...]

    @property
    def type(self) -> ValueType:
        return self.function.return_type

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def __str__(self) -> str:
        return f"{self.function.name}({', '.join(str(arg) for arg in self.args)})"


def format_number(value: float) -> str:
    """Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _modifiers_text(at: float | AtModifier | None, offset: float) -> str:
    text = ""
    if isinstance(at, AtModifier):
        text = f" @ {at.value}()"
    elif at is not None:
        text = f" @ {at:.3f}"
    if offset > 0:
        text += f" offset {format_duration(offset)}"
    elif offset < 0:
        text += f" offset -{format_duration(-offset)}"
    return text


_PLAIN_LABEL = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def _label_list(labels: tuple[str, ...]) -> str:
    """Labels as written in `by (...)` / `on (...)`, quoting names that need it."""
    return ", ".join(
        label
        if _PLAIN_LABEL.fullmatch(label) and label.lower() not in ("inf", "nan")
        else go_quote(label)
        for label in labels
    )
