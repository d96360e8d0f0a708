"""Parsing PromQL into nodes: every node type, precedence, modifiers and printing."""

from __future__ import annotations

import math

import pytest

from promql import ParseError, parse_expr, parse_metric_selector
from promql.ast import (
    AggregateExpr,
    AggregateOp,
    AtModifier,
    BinaryExpr,
    BinaryOp,
    Call,
    MatrixSelector,
    NumberLiteral,
    ParenExpr,
    PositionRange,
    StringLiteral,
    SubqueryExpr,
    UnaryExpr,
    ValueType,
    VectorMatchCardinality,
    VectorSelector,
)
from promql.matchers import Matcher, MatchType


def selector(query: str) -> VectorSelector:
    node = parse_expr(query)
    assert isinstance(node, VectorSelector)
    return node


def binary(query: str) -> BinaryExpr:
    node = parse_expr(query)
    assert isinstance(node, BinaryExpr)
    return node


# Literals.


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("1", 1.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("1E-2", 0.01),
        ("0x1F", 31.0),
        ("0X_1f", 31.0),
        ("0755", 493.0),  # Go reads a leading zero as octal.
        ("08", 8.0),
        ("1_000", 1000.0),
        ("-1", -1.0),
        ("+1", 1.0),
        ("--1", 1.0),
        ("Inf", math.inf),
        ("-inf", -math.inf),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("250ms", 0.25),
    ],
)
def test_number_literals(query: str, value: float) -> None:
    node = parse_expr(query)
    assert isinstance(node, NumberLiteral)
    assert node.value == value
    assert node.type is ValueType.SCALAR


def test_nan_literal_and_duration_flag() -> None:
    nan = parse_expr("NaN")
    assert isinstance(nan, NumberLiteral) and math.isnan(nan.value)
    assert nan == parse_expr("nan")
    assert parse_expr("5m") == NumberLiteral(300.0, is_duration=True)
    assert str(parse_expr("5m")) == "5m"
    assert str(parse_expr("-5m")) == "-5m"


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ('"a\\nb"', "a\nb"),
        ("'it''s'", None),
        ("'say \"hi\"'", 'say "hi"'),
        ('"\\u00e9\\x41\\101"', "éAA"),
        ("`raw \\n`", "raw \\n"),
    ],
)
def test_string_literals(query: str, value: str | None) -> None:
    if value is None:  # Two adjacent strings are not one expression.
        with pytest.raises(ParseError):
            parse_expr(query)
        return
    node = parse_expr(query)
    assert node == StringLiteral(value)
    assert node.type is ValueType.STRING


def test_invalid_utf8_byte_escape_survives_as_surrogate() -> None:
    node = parse_expr('"a\\xc5z"')
    assert node == StringLiteral("a\udcc5z")
    assert str(node) == '"a\\xc5z"'


# Selectors.


def test_vector_selector_appends_name_matcher_last() -> None:
    node = selector('foo{a="b", c!~"d.*"}')
    assert node.name == "foo"
    assert node.matchers == (
        Matcher("a", MatchType.EQUAL, "b"),
        Matcher("c", MatchType.NOT_REGEX, "d.*"),
        Matcher("__name__", MatchType.EQUAL, "foo"),
    )
    assert node.type is ValueType.VECTOR
    assert node.pos == PositionRange(0, 20)


def test_keywords_work_as_metric_and_label_names() -> None:
    assert selector("sum").name == "sum"
    assert selector("offset").name == "offset"
    assert selector("on:rate").name == "on:rate"
    assert selector('{on="x", by="y"}').matchers[0].name == "on"
    assert binary("and and or").lhs == selector("and")


def test_quoted_utf8_names() -> None:
    node = selector('{"metric.name", "label.name"="x"}')
    assert node.name == ""
    assert Matcher("__name__", MatchType.EQUAL, "metric.name") in node.matchers
    assert Matcher("label.name", MatchType.EQUAL, "x") in node.matchers
    assert str(node) == '{"label.name"="x",__name__="metric.name"}'


def test_matrix_selector() -> None:
    node = parse_expr('foo{a="b"}[1h30m]')
    assert isinstance(node, MatrixSelector)
    assert node.range == 5400.0
    assert node.vector_selector.name == "foo"
    assert node.type is ValueType.MATRIX
    assert str(node) == 'foo{a="b"}[1h30m]'
    assert isinstance(parse_expr("foo[90]"), MatrixSelector)  # Plain numbers are seconds.


def test_offset_and_at_modifiers() -> None:
    node = parse_expr("foo offset -5m @ 100.5")
    assert isinstance(node, VectorSelector)
    assert (node.offset, node.at) == (-300.0, 100.5)
    assert str(node) == "foo @ 100.500 offset -5m"
    ranged = parse_expr("foo[5m] offset 1w @ end()")
    assert isinstance(ranged, MatrixSelector)
    assert ranged.vector_selector.offset == 7 * 86400
    assert ranged.vector_selector.at is AtModifier.END
    assert str(ranged) == "foo[5m] @ end() offset 1w"
    assert parse_expr("foo @ start()") == parse_expr("foo @ START()")


def test_at_timestamp_rounds_to_milliseconds() -> None:
    node = selector("foo @ 1.23456")
    assert node.at == 1.235


def test_subqueries() -> None:
    node = parse_expr("rate(foo[1m])[1h:5m] offset 10m")
    assert isinstance(node, SubqueryExpr)
    assert (node.range, node.step, node.offset) == (3600.0, 300.0, 600.0)
    assert isinstance(node.expr, Call)
    assert node.type is ValueType.MATRIX
    assert str(node) == "rate(foo[1m])[1h:5m] offset 10m"
    default_step = parse_expr("foo[5m:]")
    assert isinstance(default_step, SubqueryExpr) and default_step.step is None
    assert str(default_step) == "foo[5m:]"


def test_parse_metric_selector() -> None:
    assert parse_metric_selector('up{job="api"}') == [
        Matcher("job", MatchType.EQUAL, "api"),
        Matcher("__name__", MatchType.EQUAL, "up"),
    ]
    assert parse_metric_selector("{}") == []
    with pytest.raises(ParseError, match='unexpected identifier "bar"'):
        parse_metric_selector("foo bar")
    with pytest.raises(ParseError, match="unexpected number"):
        parse_metric_selector("1")


# Operators.


@pytest.mark.parametrize(
    ("query", "shape"),
    [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 * 2 + 3", "((1 * 2) + 3)"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"),
        ("-2 ^ 2", "-(2 ^ 2)"),
        ("-a * b", "(-a * b)"),
        ("a atan2 b * c", "((a atan2 b) * c)"),
        ("a + b atan2 c", "(a + (b atan2 c))"),
        ("a or b and c unless d", "(a or ((b and c) unless d))"),
        ("a > b + c", "(a > (b + c))"),
        ("a == b or c", "((a == b) or c)"),
        ("a ^ b offset 5m", "(a ^ b offset 5m)"),
        ("-foo offset 5m", "-foo offset 5m"),
        ("foo offset 5 ^ 2", "(foo offset 5s ^ 2)"),
        ("a % b / c", "((a % b) / c)"),
    ],
)
def test_precedence_and_associativity(query: str, shape: str) -> None:
    assert _shape(parse_expr(query)) == shape


def _shape(node: object) -> str:
    """Fully parenthesised rendering, to see how the tree is nested."""
    if isinstance(node, BinaryExpr):
        return f"({_shape(node.lhs)} {node.op} {_shape(node.rhs)})"
    if isinstance(node, UnaryExpr):
        return f"{node.op}{_shape(node.expr)}"
    return str(node)


def test_binary_expression_matching() -> None:
    node = binary('a * on(instance, "x.y") group_left(job) b')
    assert node.matching is not None
    assert node.matching.card is VectorMatchCardinality.MANY_TO_ONE
    assert node.matching.on
    assert node.matching.matching_labels == ("instance", "x.y")
    assert node.matching.include == ("job",)
    assert str(node) == 'a * on (instance, "x.y") group_left (job) b'
    right = binary("a / ignoring(x) group_right b")
    assert right.matching is not None and right.matching.card is VectorMatchCardinality.ONE_TO_MANY
    assert str(right) == "a / ignoring (x) group_right () b"


def test_set_operators_match_many_to_many_and_scalars_drop_matching() -> None:
    set_op = binary("a and on(x) b")
    assert set_op.matching is not None
    assert set_op.matching.card is VectorMatchCardinality.MANY_TO_MANY
    assert binary("a + 1").matching is None
    assert binary("1 + 2").type is ValueType.SCALAR
    assert binary("a + 1").type is ValueType.VECTOR


def test_bool_modifier() -> None:
    node = binary("a > bool 1")
    assert node.return_bool
    assert node.op is BinaryOp.GTR
    assert str(node) == "a > bool 1"
    assert binary("1 == bool 1").type is ValueType.SCALAR


def test_unary_and_paren_nodes() -> None:
    node = parse_expr("-(foo)")
    assert isinstance(node, UnaryExpr)
    assert isinstance(node.expr, ParenExpr)
    assert node.type is ValueType.VECTOR
    assert node.pos == PositionRange(0, 6)


# Aggregations and calls.


def test_aggregations() -> None:
    node = parse_expr("sum by (job, instance) (rate(x[5m]))")
    assert isinstance(node, AggregateExpr)
    assert node.op is AggregateOp.SUM
    assert node.grouping == ("job", "instance")
    assert not node.without
    assert str(node) == "sum by (job, instance) (rate(x[5m]))"
    trailing = parse_expr("avg(x) without (a)")
    assert isinstance(trailing, AggregateExpr) and trailing.without
    assert str(trailing) == "avg without (a) (x)"
    topk = parse_expr("TOPK(3, x)")
    assert isinstance(topk, AggregateExpr) and topk.param == NumberLiteral(3.0)
    assert str(topk) == "topk(3, x)"
    assert str(parse_expr('count_values("v", x)')) == 'count_values("v", x)'
    assert str(parse_expr("sum by (on, bool) (x)")) == "sum by (on, bool) (x)"


def test_calls() -> None:
    node = parse_expr('label_join(up, "dst", ",", "a", "b", "c")')
    assert isinstance(node, Call)
    assert node.function.name == "label_join"
    assert len(node.args) == 6
    assert node.type is ValueType.VECTOR
    assert parse_expr("time()").type is ValueType.SCALAR
    assert len(parse_expr("round(x, 5)").children()) == 2
    assert str(parse_expr("histogram_quantile(0.9, rate(b[5m]))")) == (
        "histogram_quantile(0.9, rate(b[5m]))"
    )


def test_experimental_functions_can_be_turned_off() -> None:
    assert isinstance(parse_expr("limitk(1, x)"), AggregateExpr)
    with pytest.raises(ParseError) as error:
        parse_expr("sort_by_label(x, 'a')", experimental_functions=False)
    assert error.value.message == 'function "sort_by_label" is not enabled'
    with pytest.raises(ParseError) as error:
        parse_expr("limitk(1, x)", experimental_functions=False)
    assert error.value.message == (
        "limitk() is experimental and must be enabled with "
        "--enable-feature=promql-experimental-functions"
    )


def test_comments_and_whitespace_are_ignored() -> None:
    assert parse_expr("sum(\n  x # the series\n) # done") == parse_expr("sum(x)")


def test_walk_visits_every_node() -> None:
    node = parse_expr("sum(rate(a[5m])) / on() b")
    names = [type(n).__name__ for n in node.walk()]
    assert names == [
        "BinaryExpr", "AggregateExpr", "Call", "MatrixSelector", "VectorSelector",
        "VectorSelector",
    ]


# Printing.


@pytest.mark.parametrize(
    ("query", "printed"),
    [
        ("sum by(job)(rate(x[5m]))", "sum by (job) (rate(x[5m]))"),
        ("sum without() (x)", "sum without () (x)"),
        ("foo{b='2', a=\"1\"}", 'foo{a="1",b="2"}'),
        ('{__name__="foo"}', '{__name__="foo"}'),
        ("a+on()b", "a + on () b"),
        ("a+ignoring()b", "a + b"),
        ("1e100", "1" + "0" * 100),
        ("0.0001", "0.0001"),
        ("-0", "-0"),
        ("x[1d12h]", "x[1d12h]"),
        ("x[90d]", "x[90d]"),
        ("x[14d]", "x[2w]"),
        ("x[1500ms]", "x[1s500ms]"),
        ('"\\x00\\t"', '"\\x00\\t"'),
        ("foo @ 1e3", "foo @ 1000.000"),
        ("(a)[5m:1m] @ start()", "(a)[5m:1m] @ start()"),
        ('sum by ("a b") (x)', 'sum by ("a b") (x)'),
    ],
)
def test_printing(query: str, printed: str) -> None:
    assert str(parse_expr(query)) == printed


@pytest.mark.parametrize(
    "query",
    [
        "sum by (job) (rate(http_requests_total{code=~'5..'}[5m])) / ignoring(code) group_left"
        " sum by (job) (rate(http_requests_total[5m]))",
        "-a ^ -b",
        "2 ^ -1",
        "1 - -1",
        "a - (b - c)",
        "foo[5m:] offset 1m @ 10",
        "quantile_over_time(0.9, x[1h] @ end())",
        "topk(3, sum by (a) (x) > bool 0)",
        "absent(nonexistent{job=\"x\"}) or vector(0)",
        "NaN + Inf - -Inf",
        "label_replace(up, 'dst', '$1', 'src', '(.*)')",
        "{\"weird\\\"name\"}",
        "x atan2 y",
        "1 == bool 2",
    ],
)
def test_round_trip(query: str) -> None:
    first = parse_expr(query)
    assert parse_expr(str(first)) == first
    assert str(parse_expr(str(first))) == str(first)
