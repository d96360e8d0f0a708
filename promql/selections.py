"""Which selections an evaluation will make, worked out before it runs.

The evaluator asks its querier for each selector's series over a window it
derives from the query's steps, the selector's ``@`` and ``offset``, and the
lookback delta or range. The same arithmetic is here, as pure functions both
the evaluator and the planner use, so a caller can read all of a query's (or a
rule group's) selections in one go and hand them to the evaluator answered
(``promql.prefetch``), the way Prometheus works out a query's time bounds
(``FindMinMaxTime``) before it opens a querier.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from promql import ast_access as A
from promql.ast import Expr
from promql.matchers import Matcher, ordered_matchers


@dataclass(frozen=True)
class Selection:
    """One ``Querier.select`` call: series matching every matcher, samples in [start, end]."""

    matchers: tuple[Matcher, ...]
    start_ms: int
    end_ms: int

    @classmethod
    def of(cls, matchers: Sequence[Matcher], start_ms: int, end_ms: int) -> Selection:
        """Matcher order carries no meaning: equal selections compare equal."""
        return cls(ordered_matchers(matchers), start_ms, end_ms)

    @property
    def window(self) -> tuple[int, int]:
        return self.start_ms, self.end_ms


@dataclass(frozen=True)
class Grid:
    """The steps a node is evaluated at (first and last) inside a query over [start, end]."""

    first_ms: int
    last_ms: int
    query_start_ms: int
    query_end_ms: int


def reference_bounds(node: object, grid: Grid) -> tuple[int, int]:
    """The earliest and latest reference time of a selector or subquery (``@``, ``offset``)."""
    at = A.at_ms(node, grid.query_start_ms, grid.query_end_ms)
    offset = A.offset_ms(node)
    if at is None:
        return grid.first_ms - offset, grid.last_ms - offset
    return at - offset, at - offset


def selector_window(node: object, grid: Grid, extent_ms: int) -> tuple[int, int]:
    """The window a selector reads: ``extent_ms`` (lookback or range) before its references."""
    first, last = reference_bounds(node, grid)
    return first - extent_ms + 1, last


def subquery_grid(
    first_ref_ms: int, last_ref_ms: int, range_ms: int, step_ms: int
) -> tuple[int, int]:
    """The first step of a subquery's inner grid, aligned to ``step_ms`` as Prometheus
    aligns it (to multiples of the step from 0), and the end bound of that grid."""
    first = first_ref_ms - range_ms
    start = step_ms * _trunc_div(first, step_ms)
    if start < first:
        start += step_ms
    return start, last_ref_ms


def _trunc_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero), which subquery alignment relies on."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def selections(
    expr: Expr,
    start_ms: int,
    end_ms: int,
    *,
    lookback_ms: int,
    default_subquery_step_ms: int,
) -> Iterator[Selection]:
    """Every selection evaluating ``expr`` makes, from its first step to its last.

    A selection may come more than once (two selectors alike); a node the
    evaluator would skip still yields its selections, which only costs a read.
    """
    yield from _walk(
        expr, Grid(start_ms, end_ms, start_ms, end_ms), lookback_ms, default_subquery_step_ms
    )


def _walk(node: Expr, grid: Grid, lookback_ms: int, subquery_step_ms: int) -> Iterator[Selection]:
    kind = A.kind(node)
    if kind == "vector_selector":
        yield Selection.of(A.selector_matchers(node), *selector_window(node, grid, lookback_ms))
        return
    if kind == "matrix_selector":
        selector = A.matrix_vector_selector(node)
        window = selector_window(selector, grid, A.range_ms(node))
        yield Selection.of(A.selector_matchers(selector), *window)
        return
    if kind == "subquery":
        first_ref, last_ref = reference_bounds(node, grid)
        step_ms = A.subquery_step_ms(node) or subquery_step_ms
        first, bound = subquery_grid(first_ref, last_ref, A.range_ms(node), step_ms)
        if first > bound:
            return  # an empty grid evaluates nothing
        last = first + step_ms * ((bound - first) // step_ms)
        inner = Grid(first, last, grid.query_start_ms, grid.query_end_ms)
        yield from _walk(A.inner(node), inner, lookback_ms, subquery_step_ms)
        return
    for child in node.children():
        yield from _walk(child, grid, lookback_ms, subquery_step_ms)


def selector_matchers(expr: Expr) -> Iterator[tuple[Matcher, ...]]:
    """The matchers of every selector in ``expr``, ordered as ``Selection.of`` orders them."""
    for node in expr.walk():
        if A.kind(node) == "vector_selector":
            yield ordered_matchers(A.selector_matchers(node))
