"""The evaluator's narrow view of the syntax tree.

Keeps every dependency on ``promql.ast`` field names in one place, so the
engine and the test runner read nodes through small, typed accessors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from promql import ast
from promql.ast import Expr
from promql.matchers import Matcher

_KINDS: dict[type, str] = {
    ast.NumberLiteral: "number",
    ast.StringLiteral: "string",
    ast.ParenExpr: "paren",
    ast.UnaryExpr: "unary",
    ast.VectorSelector: "vector_selector",
    ast.MatrixSelector: "matrix_selector",
    ast.SubqueryExpr: "subquery",
    ast.BinaryExpr: "binary",
    ast.AggregateExpr: "aggregate",
    ast.Call: "call",
}


def kind(node: object) -> str:
    return _KINDS.get(type(node), "unknown")


def walk(node: Expr) -> Iterator[Expr]:
    return node.walk()


def unwrap_parens(node: Expr) -> Expr:
    while isinstance(node, ast.ParenExpr):
        node = node.expr
    return node


def number_value(node: Expr) -> float:
    assert isinstance(node, ast.NumberLiteral)
    return node.value


def string_value(node: Expr) -> str:
    assert isinstance(node, ast.StringLiteral)
    return node.value


def inner(node: Expr) -> Expr:
    assert isinstance(node, (ast.ParenExpr, ast.UnaryExpr, ast.SubqueryExpr, ast.AggregateExpr))
    return node.expr


def unary_op(node: Expr) -> str:
    assert isinstance(node, ast.UnaryExpr)
    return node.op.value


def at_ms(node: object, start_ms: int, end_ms: int) -> int | None:
    """The ``@`` time of a selector or subquery in ms (start()/end() resolved)."""
    at = getattr(node, "at", None)
    if at is None:
        return None
    if at is ast.AtModifier.START:
        return start_ms
    if at is ast.AtModifier.END:
        return end_ms
    assert isinstance(at, (int, float))
    return round(at * 1000)


def offset_ms(node: object) -> int:
    return round(float(getattr(node, "offset", 0.0)) * 1000)


def selector_matchers(node: object) -> tuple[Matcher, ...]:
    assert isinstance(node, ast.VectorSelector)
    return node.matchers


def matrix_vector_selector(node: Expr) -> ast.VectorSelector:
    assert isinstance(node, ast.MatrixSelector)
    return node.vector_selector


def range_ms(node: Expr) -> int:
    assert isinstance(node, (ast.MatrixSelector, ast.SubqueryExpr))
    return round(node.range * 1000)


def subquery_step_ms(node: Expr) -> int:
    assert isinstance(node, ast.SubqueryExpr)
    return round(node.step * 1000) if node.step else 0


def binary_op(node: Expr) -> str:
    assert isinstance(node, ast.BinaryExpr)
    return node.op.value


def lhs(node: Expr) -> Expr:
    assert isinstance(node, ast.BinaryExpr)
    return node.lhs


def rhs(node: Expr) -> Expr:
    assert isinstance(node, ast.BinaryExpr)
    return node.rhs


def return_bool(node: Expr) -> bool:
    assert isinstance(node, ast.BinaryExpr)
    return node.return_bool


def matching(node: Expr) -> tuple[str, bool, tuple[str, ...], tuple[str, ...]]:
    """(cardinality, on, labels, include) of a vector/vector operation."""
    assert isinstance(node, ast.BinaryExpr)
    vm = node.matching or ast.VectorMatching()
    return vm.card.value, vm.on, vm.matching_labels, vm.include


def aggregate_op(node: Expr) -> str:
    assert isinstance(node, ast.AggregateExpr)
    return node.op.value


def aggregate_param(node: Expr) -> Expr | None:
    assert isinstance(node, ast.AggregateExpr)
    return node.param


def grouping(node: Expr) -> tuple[tuple[str, ...], bool]:
    assert isinstance(node, ast.AggregateExpr)
    return node.grouping, node.without


def function_name(node: Expr) -> str:
    assert isinstance(node, ast.Call)
    return node.function.name


def call_args(node: Expr) -> tuple[Expr, ...]:
    assert isinstance(node, ast.Call)
    return node.args


def set_at_everywhere(node: Expr, t_ms: int) -> Expr:
    """Give every selector and subquery without ``@`` the time ``t_ms``.

    Mirrors promqltest's at-modifier test cases: a subquery gets ``@`` and
    its inside is left alone (it is then below a subquery that has ``@``).
    """
    at = t_ms / 1000.0
    if isinstance(node, ast.VectorSelector):
        return node if node.at is not None else dataclasses.replace(node, at=at)
    if isinstance(node, ast.MatrixSelector):
        selector = node.vector_selector
        if selector.at is None:
            selector = dataclasses.replace(selector, at=at)
        return dataclasses.replace(node, vector_selector=selector)
    if isinstance(node, ast.SubqueryExpr):
        if node.at is not None:
            return node
        return dataclasses.replace(node, at=at)
    if isinstance(node, (ast.ParenExpr, ast.UnaryExpr)):
        return dataclasses.replace(node, expr=set_at_everywhere(node.expr, t_ms))
    if isinstance(node, ast.BinaryExpr):
        return dataclasses.replace(
            node, lhs=set_at_everywhere(node.lhs, t_ms), rhs=set_at_everywhere(node.rhs, t_ms)
        )
    if isinstance(node, ast.AggregateExpr):
        param = None if node.param is None else set_at_everywhere(node.param, t_ms)
        return dataclasses.replace(node, expr=set_at_everywhere(node.expr, t_ms), param=param)
    if isinstance(node, ast.Call):
        return dataclasses.replace(node, args=tuple(set_at_everywhere(a, t_ms) for a in node.args))
    return node


def is_experimental(node: Expr) -> bool:
    """Whether Prometheus gates this call or aggregation behind experimental flags."""
    if isinstance(node, ast.Call):
        return node.function.experimental
    if isinstance(node, ast.AggregateExpr):
        return node.op.experimental
    return False
