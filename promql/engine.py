"""The PromQL evaluator: whole-query, all-steps-at-once evaluation with NumPy.

An instant query is a range query with one step. Each AST node is evaluated
once for every step of its evaluation grid (subqueries get their own grid), so
selectors fetch their data once and operators work on (series x steps)
arrays. Results are converted to the plain ``values`` types at the end, where
Prometheus 3's delayed ``__name__`` removal is applied.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from promql import ast_access as A
from promql.aggregations import aggregate
from promql.ast import Expr, ValueType
from promql.binops import (
    SET_OPS,
    Matching,
    scalar_binop,
    set_binop,
    vector_binop,
    vector_scalar_binop,
)
from promql.blocks import (
    Block,
    BoolArray,
    EvalError,
    FloatArray,
    InstantBlock,
    IntArray,
    NativeHistogramError,
    QueryTimeoutError,
    RangeBlock,
    ScalarBlock,
    StringBlock,
    TooManySamplesError,
    drop_metric_name,
    merge_same_labels,
)
from promql.errors import PromQLError
from promql.functions_impl import FUNCTIONS, CallArgs
from promql.gcpause import gc_paused
from promql.labels import METRIC_NAME, Labels, make_labels
from promql.matchers import MatchType
from promql.prefetch import ResolvesSeries, prefetched
from promql.querier import Querier
from promql.selections import (
    Grid,
    selections,
    selector_matchers,
    selector_window,
    subquery_grid,
)
from promql.values import ArraySeries, Matrix, Sample, Scalar, Series, String, Value, Vector

__all__ = [
    "Engine",
    "EngineOptions",
    "EvalError",
    "InvalidRangeQueryError",
    "NativeHistogramError",
    "QueryTimeoutError",
    "TooManySamplesError",
]

_STALE_BITS = np.uint64(0x7FF0000000000002)


class InvalidRangeQueryError(EvalError):
    """A range query of an expression that is not a scalar or an instant vector.

    Prometheus rejects it before evaluation, as bad data (HTTP 400), not as an
    execution error.
    """


@dataclass(frozen=True)
class EngineOptions:
    """Limits and defaults; the values mirror Prometheus's defaults."""

    lookback_delta: float = 300.0
    timeout: float = 120.0
    max_samples: int = 50_000_000
    default_subquery_step: float = 60.0

    @property
    def lookback_ms(self) -> int:
        return round(self.lookback_delta * 1000)

    @property
    def default_subquery_step_ms(self) -> int:
        return round(self.default_subquery_step * 1000)


def _is_stale(values: FloatArray) -> BoolArray:
    return np.asarray(values.view(np.uint64) == _STALE_BITS, bool)


def _counts_up_to(t: IntArray, starts: IntArray, limits: IntArray) -> IntArray:
    """For every series and step, how many of the series' samples have ``t <= limits[j]``.

    ``limits`` must be sorted: each sample then counts from the first step whose
    limit reaches it onwards, so the counts are a cumulative histogram of
    those first steps (one search in the short ``limits`` per sample).
    """
    n, steps = len(starts) - 1, len(limits)
    step = int(limits[1] - limits[0]) if steps > 1 else 0
    if step > 0 and bool((np.diff(limits) == step).all()):
        # Evenly spaced limits (the usual step grid): the first reaching index by division.
        first = np.clip(-((int(limits[0]) - t) // step), 0, steps)
    else:
        first = np.searchsorted(limits, t, side="left")
    owner = np.repeat(np.arange(n, dtype=np.int64) * (steps + 1), np.diff(starts))
    hist = np.bincount(owner + first, minlength=n * (steps + 1)).reshape(n, steps + 1)
    counts: IntArray = np.cumsum(hist[:, :steps], axis=1, dtype=np.int64)
    return counts


class _Evaluator:
    def __init__(
        self,
        options: EngineOptions,
        querier: Querier,
        start_ms: int,
        end_ms: int,
        deadline: float,
        clock: Callable[[], float],
    ) -> None:
        self.options = options
        self.querier = querier
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.deadline = deadline
        self.clock = clock
        self.samples = 0

    # -- bookkeeping ---------------------------------------------------------

    def _check_time(self) -> None:
        if self.clock() > self.deadline:
            raise QueryTimeoutError("query timed out in expression evaluation")

    def _count_samples(self, count: int) -> None:
        self.samples += count
        if self.samples > self.options.max_samples:
            raise TooManySamplesError(
                "query processing would load too many samples into memory in query execution"
            )

    def _ref_times(self, node: object, steps: IntArray) -> IntArray:
        """Per-step reference times after ``@`` (fixed for all steps) and ``offset``."""
        at_ms = A.at_ms(node, self.start_ms, self.end_ms)
        offset = A.offset_ms(node)
        if at_ms is None:
            return steps - offset
        return np.full(len(steps), at_ms - offset, dtype=np.int64)

    # -- dispatch ------------------------------------------------------------

    def eval(self, node: Expr, steps: IntArray) -> Block:
        self._check_time()
        kind = A.kind(node)
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise EvalError(f"unsupported expression {type(node).__name__}")
        return handler(self, node, steps)

    def _number(self, node: Expr, steps: IntArray) -> Block:
        return ScalarBlock(np.full(len(steps), A.number_value(node)))

    def _string(self, node: Expr, steps: IntArray) -> Block:
        return StringBlock(A.string_value(node))

    def _paren(self, node: Expr, steps: IntArray) -> Block:
        return self.eval(A.inner(node), steps)

    def _unary(self, node: Expr, steps: IntArray) -> Block:
        value = self.eval(A.inner(node), steps)
        if A.unary_op(node) != "-":
            return value
        if isinstance(value, ScalarBlock):
            return ScalarBlock(-value.values)
        assert isinstance(value, InstantBlock)
        return InstantBlock(
            list(value.labels), -value.values, value.present, np.ones(len(value), bool)
        )

    # -- selectors -----------------------------------------------------------

    def _select(
        self, node: object, start_ms: int, end_ms: int
    ) -> list[tuple[Labels, IntArray, FloatArray]]:
        matchers = A.selector_matchers(node)
        series = self.querier.select(matchers, start_ms, end_ms)
        return [(s.labels, s.timestamps, s.values) for s in series]

    def _grid(self, steps: IntArray) -> Grid:
        return Grid(int(steps[0]), int(steps[-1]), self.start_ms, self.end_ms)

    def _vector_selector(self, node: Expr, steps: IntArray) -> Block:
        ref = self._ref_times(node, steps)
        lookback = self.options.lookback_ms
        data = self._select(node, *selector_window(node, self._grid(steps), lookback))
        labels: list[Labels] = []
        values = np.zeros((len(data), len(steps)))
        present = np.zeros((len(data), len(steps)), bool)
        sample_ts = np.zeros((len(data), len(steps)), np.int64)
        for i, (lset, ts, vs) in enumerate(data):
            labels.append(lset)
            idx = np.searchsorted(ts, ref, side="right") - 1
            ok = idx >= 0
            safe = np.maximum(idx, 0)
            ok &= ts[safe] > ref - lookback
            ok &= ~_is_stale(vs[safe])
            values[i] = vs[safe]
            present[i] = ok
            sample_ts[i] = ts[safe]
        self._count_samples(int(present.sum()))
        block = InstantBlock(labels, values, present, np.zeros(len(labels), bool), sample_ts)
        return block.nonempty()

    def _matrix_selector(self, node: Expr, steps: IntArray) -> Block:
        selector = A.matrix_vector_selector(node)
        range_ms = A.range_ms(node)
        ref = self._ref_times(selector, steps)
        data = self._select(selector, *selector_window(selector, self._grid(steps), range_ms))
        n = len(data)
        sizes = np.fromiter((len(d[1]) for d in data), np.int64, n)
        t = np.concatenate([d[1] for d in data]) if n else np.zeros(0, np.int64)
        v = np.concatenate([d[2] for d in data]) if n else np.zeros(0)
        fresh = ~_is_stale(v)
        if not fresh.all():  # staleness markers are not samples of a range
            owner = np.repeat(np.arange(n), sizes)
            t, v = t[fresh], v[fresh]
            sizes = np.bincount(owner[fresh], minlength=n).astype(np.int64)
        starts = np.zeros(n + 1, np.int64)
        np.cumsum(sizes, out=starts[1:])
        return self._windows(
            [d[0] for d in data], (t, v, starts), ref, range_ms, steps, np.zeros(n, bool)
        )

    def _windows(
        self,
        labels: list[Labels],
        flat: tuple[IntArray, FloatArray, IntArray],
        ref: IntArray,
        range_ms: int,
        steps: IntArray,
        drop_name: np.ndarray,
    ) -> RangeBlock:
        """Per-step window bounds of every series: ``lo``/``hi`` index each series' samples."""
        t, v, starts = flat
        n = len(labels)
        bounds = list(zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True))
        times = [t[a:b] for a, b in bounds]
        values = [v[a:b] for a, b in bounds]
        lo = np.zeros((n, len(steps)), np.int64)
        hi = np.zeros((n, len(steps)), np.int64)
        if n and len(steps):
            if n * (len(steps) + 1) <= 4 * len(t) + 2**16 and bool((np.diff(ref) >= 0).all()):
                lo = _counts_up_to(t, starts, ref - range_ms)
                hi = _counts_up_to(t, starts, ref)
            else:
                for i, ts in enumerate(times):
                    lo[i] = np.searchsorted(ts, ref - range_ms, side="right")
                    hi[i] = np.searchsorted(ts, ref, side="right")
            # The samples held, each once: steps' windows overlap and share them.
            self._count_samples(int((hi.max(axis=1) - lo.min(axis=1)).sum()))
        step_ts = steps  # predict_linear's intercept is the step time even with @
        return RangeBlock(
            labels,
            times,
            values,
            lo,
            hi,
            range_ms,
            ref,
            step_ts,
            np.asarray(drop_name, bool),
            (t, v, starts),
        )

    def _subquery(self, node: Expr, steps: IntArray) -> Block:
        ref = self._ref_times(node, steps)
        range_ms = A.range_ms(node)
        step_ms = A.subquery_step_ms(node) or self.options.default_subquery_step_ms
        start, bound = subquery_grid(int(ref.min()), int(ref.max()), range_ms, step_ms)
        inner_steps = np.arange(start, bound + 1, step_ms, dtype=np.int64)
        if len(inner_steps) == 0:
            inner = InstantBlock.empty(0)
        else:
            value = self.eval(A.inner(node), inner_steps)
            if isinstance(value, ScalarBlock):
                raise EvalError("subquery is only allowed on instant vector")
            assert isinstance(value, InstantBlock)
            inner = value
        present = inner.present
        t = np.broadcast_to(inner_steps, present.shape)[present]
        v = inner.values[present]
        starts = np.zeros(len(inner) + 1, np.int64)
        np.cumsum(present.sum(axis=1), out=starts[1:])
        return self._windows(
            list(inner.labels), (t, v, starts), ref, range_ms, steps, inner.drop_name
        )

    # -- operators -----------------------------------------------------------

    def _binary(self, node: Expr, steps: IntArray) -> Block:
        op = A.binary_op(node)
        lhs = self.eval(A.lhs(node), steps)
        rhs = self.eval(A.rhs(node), steps)
        return_bool = A.return_bool(node)
        if isinstance(lhs, ScalarBlock) and isinstance(rhs, ScalarBlock):
            return scalar_binop(op, lhs, rhs, return_bool)
        if isinstance(lhs, InstantBlock) and isinstance(rhs, ScalarBlock):
            return vector_scalar_binop(op, lhs, rhs, False, return_bool)
        if isinstance(lhs, ScalarBlock) and isinstance(rhs, InstantBlock):
            return vector_scalar_binop(op, rhs, lhs, True, return_bool)
        assert isinstance(lhs, InstantBlock) and isinstance(rhs, InstantBlock)
        card, on, names, include = A.matching(node)
        matching = Matching(card, on, tuple(names), tuple(include))
        if op in SET_OPS:
            return set_binop(op, lhs, rhs, matching)
        return vector_binop(op, lhs, rhs, matching, return_bool)

    def _aggregate(self, node: Expr, steps: IntArray) -> Block:
        op = A.aggregate_op(node)
        value = self.eval(A.inner(node), steps)
        assert isinstance(value, InstantBlock)
        param_node = A.aggregate_param(node)
        param: FloatArray | None = None
        label = ""
        if param_node is not None:
            param_value = self.eval(param_node, steps)
            if isinstance(param_value, StringBlock):
                label = param_value.value
            else:
                assert isinstance(param_value, ScalarBlock)
                param = param_value.values
        grouping, without = A.grouping(node)
        return aggregate(op, value, grouping, without, param, label)

    def _call(self, node: Expr, steps: IntArray) -> Block:
        name = A.function_name(node)
        impl = FUNCTIONS.get(name)
        if impl is None:
            raise EvalError(f"function {name!r} is not supported")
        arg_nodes = A.call_args(node)
        args = [self.eval(arg, steps) for arg in arg_nodes]
        absent_labels: Labels = ()
        if name in ("absent", "absent_over_time") and arg_nodes:
            absent_labels = _absent_labels(arg_nodes[0])
        # Only timestamp(<selector>) reports sample times; otherwise it is the step time.
        direct = bool(arg_nodes) and A.kind(A.unwrap_parens(arg_nodes[0])) == "vector_selector"
        if name == "timestamp" and isinstance(args[0], InstantBlock) and not direct:
            args[0].sample_ts = None
        return impl(CallArgs(args, steps, absent_labels))


_HANDLERS: dict[str, Callable[[_Evaluator, Expr, IntArray], Block]] = {
    "number": _Evaluator._number,
    "string": _Evaluator._string,
    "paren": _Evaluator._paren,
    "unary": _Evaluator._unary,
    "vector_selector": _Evaluator._vector_selector,
    "matrix_selector": _Evaluator._matrix_selector,
    "subquery": _Evaluator._subquery,
    "binary": _Evaluator._binary,
    "aggregate": _Evaluator._aggregate,
    "call": _Evaluator._call,
}


def _absent_labels(node: Expr) -> Labels:
    """Labels absent() reports: equality matchers of a plain selector, once each."""
    node = A.unwrap_parens(node)
    kind = A.kind(node)
    if kind == "matrix_selector":
        node = A.matrix_vector_selector(node)
    elif kind != "vector_selector":
        return ()
    pairs: dict[str, str] = {}
    seen: set[str] = set()
    for m in A.selector_matchers(node):
        if m.name == METRIC_NAME:
            continue
        if m.type == MatchType.EQUAL and m.name not in seen:
            pairs[m.name] = m.value
            seen.add(m.name)
        else:
            pairs.pop(m.name, None)
            seen.add(m.name)
    return make_labels(pairs)


def _finish_labels(block: InstantBlock) -> InstantBlock:
    """Apply delayed ``__name__`` removal, then reject same-labelset collisions."""
    labels = [
        drop_metric_name(lbl) if d else lbl
        for lbl, d in zip(block.labels, block.drop_name, strict=True)
    ]
    cleaned = InstantBlock(
        labels, block.values, block.present, np.zeros(len(labels), bool), None, block.rank
    )
    return merge_same_labels(cleaned, check=True)


@functools.lru_cache(maxsize=4096)
def parse_cached(text: str) -> Expr:
    """Parse once per distinct text: rules and dashboards send the same queries every cycle,
    and the AST is immutable, so sharing it is safe (parse errors are not cached)."""
    from promql.parser import parse_expr  # the parser is only needed for text queries

    return parse_expr(text)


class Engine:
    """Evaluates PromQL against a ``Querier``."""

    def __init__(
        self, options: EngineOptions | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.options = options or EngineOptions()
        self.clock = clock

    def _prepare(self, query: str | Expr) -> Expr:
        if not isinstance(query, str):
            return query
        return parse_cached(query)

    def _evaluate(self, querier: Querier, expr: Expr, steps: IntArray) -> Block:
        evaluator = _Evaluator(
            self.options,
            querier,
            int(steps[0]),
            int(steps[-1]),
            self.clock() + self.options.timeout,
            self.clock,
        )
        return evaluator.eval(expr, steps)

    def prepare(self, querier: Querier, queries: Sequence[str | Expr]) -> None:
        """Resolve the selectors of queries that will run again and again (rules), if the
        querier keeps resolved series: the first evaluation then finds them ready."""
        if not isinstance(querier, ResolvesSeries):
            return
        matcher_sets = dict.fromkeys(
            m for expr in self._parsed(queries) for m in selector_matchers(expr)
        )
        querier.resolve(list(matcher_sets))

    def prefetch(self, querier: Querier, queries: Sequence[str | Expr], time_s: float) -> Querier:
        """A querier with every selection of these instant queries at ``time_s`` read at once.

        For a batch of queries at one time (a rule group's evaluation) over a
        querier that can read many selections together; a query that does not
        parse is left for its own evaluation to report.
        """
        t_ms = round(time_s * 1000)
        planned = [
            selection
            for expr in self._parsed(queries)
            for selection in selections(
                expr,
                t_ms,
                t_ms,
                lookback_ms=self.options.lookback_ms,
                default_subquery_step_ms=self.options.default_subquery_step_ms,
            )
        ]
        return prefetched(querier, planned)

    def _parsed(self, queries: Sequence[str | Expr]) -> Iterator[Expr]:
        """The queries that parse; the others are left for their own evaluation to report."""
        for query in queries:
            try:
                yield self._prepare(query)
            except PromQLError:
                continue

    def instant_query(self, querier: Querier, query: str | Expr, time_s: float) -> Value:
        with gc_paused():
            return self._instant_query(querier, query, time_s)

    def range_query(
        self, querier: Querier, query: str | Expr, start_s: float, end_s: float, step_s: float
    ) -> Matrix:
        with gc_paused():
            return self._range_query(querier, query, start_s, end_s, step_s)

    def _instant_query(self, querier: Querier, query: str | Expr, time_s: float) -> Value:
        expr = self._prepare(query)
        t_ms = round(time_s * 1000)
        steps = np.array([t_ms], dtype=np.int64)
        block = self._evaluate(querier, expr, steps)
        if isinstance(block, ScalarBlock):
            return Scalar(t_ms, float(block.values[0]))
        if isinstance(block, StringBlock):
            return String(t_ms, block.value)
        if isinstance(block, RangeBlock):
            return _range_to_matrix(block)
        block = _finish_labels(block.nonempty())
        rows = list(range(len(block)))
        if block.rank is not None:
            rank = block.rank
            rows.sort(key=lambda i: float(rank[i, 0]))
        else:
            rows.sort(key=lambda i: block.labels[i])
        return Vector(
            [
                Sample(block.labels[i], t_ms, float(block.values[i, 0]))
                for i in rows
                if block.present[i, 0]
            ]
        )

    def _range_query(
        self, querier: Querier, query: str | Expr, start_s: float, end_s: float, step_s: float
    ) -> Matrix:
        expr = self._prepare(query)
        if expr.type not in (ValueType.SCALAR, ValueType.VECTOR):
            # Checked before evaluating, as Prometheus's NewRangeQuery does (a bad_data error).
            raise InvalidRangeQueryError(
                f'invalid expression type "{expr.type.documented}" for range query, '
                "must be Scalar or instant Vector"
            )
        start_ms, end_ms, step_ms = round(start_s * 1000), round(end_s * 1000), round(step_s * 1000)
        if step_ms <= 0:
            raise EvalError("zero or negative query resolution step widths are not accepted")
        if end_ms < start_ms:
            raise EvalError("end timestamp must not be before start time")
        steps = np.arange(start_ms, end_ms + 1, step_ms, dtype=np.int64)
        block = self._evaluate(querier, expr, steps)
        if isinstance(block, ScalarBlock):
            return Matrix([Series((), steps.tolist(), block.values.tolist())])
        if not isinstance(block, InstantBlock):
            kind = "range vector" if isinstance(block, RangeBlock) else "string"
            raise EvalError(
                f'invalid expression type "{kind}" for range query, '
                "must be Scalar or instant Vector"
            )
        block = _finish_labels(block.nonempty())
        order = sorted(range(len(block)), key=lambda i: block.labels[i])
        present = block.present[order]
        times = np.broadcast_to(steps, present.shape)[present]
        values = block.values[order][present]
        return _matrix([block.labels[i] for i in order], times, values, present.sum(axis=1))


def _matrix(labels: list[Labels], times: IntArray, values: FloatArray, counts: IntArray) -> Matrix:
    """A ``Matrix`` of series laid end to end in ``times`` and ``values``."""
    ends = np.cumsum(counts).tolist()
    series: list[Series] = [
        ArraySeries(lset, times[a:b], values[a:b])
        for lset, a, b in zip(labels, [0, *ends][: len(ends)], ends, strict=True)
    ]
    return Matrix(series, (times, values))


def _range_to_matrix(block: RangeBlock) -> Matrix:
    labels: list[Labels] = []
    times: list[IntArray] = []
    values: list[FloatArray] = []
    for i in sorted(range(len(block)), key=lambda i: block.labels[i]):
        lo, hi = int(block.lo[i, 0]), int(block.hi[i, 0])
        if hi > lo:
            labels.append(
                drop_metric_name(block.labels[i]) if block.drop_name[i] else block.labels[i]
            )
            times.append(block.times[i][lo:hi])
            values.append(block.values[i][lo:hi])
    counts = np.fromiter(map(len, times), np.int64, len(times))
    if not labels:
        return Matrix([])
    return _matrix(labels, np.concatenate(times), np.concatenate(values), counts)
