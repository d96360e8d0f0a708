"""PromQL parser: recursive descent with precedence climbing, then a type check.

It accepts the Prometheus 3.9 grammar and reports errors at the positions and
in the words Prometheus uses, because users compare the two. As in
Prometheus, the first error wins; syntax and construction errors come first,
type errors (`_Checker`, a port of Prometheus's `checkAST`) only once the
whole query has parsed.

Not supported: experimental duration arithmetic (`[5m+1m]`, `step()`,
`min(…)` inside brackets or after `offset`) and the experimental
`anchored`/`smoothed` modifiers, which are reported as not enabled.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import NoReturn

from promql.ast import (
    AggregateExpr,
    AggregateOp,
    AtModifier,
    BinaryExpr,
    BinaryOp,
    Call,
    Expr,
    MatrixSelector,
    NumberLiteral,
    ParenExpr,
    PositionRange,
    StringLiteral,
    SubqueryExpr,
    UnaryExpr,
    ValueType,
    VectorMatchCardinality,
    VectorMatching,
    VectorSelector,
)
from promql.durations import DurationError, parse_duration
from promql.errors import ParseError
from promql.functions import get_function
from promql.lexer import AGGREGATORS, FIXED_TEXT, Kind, Lexer, Token, go_quote, unquote_string
from promql.matchers import METRIC_NAME_LABEL, InvalidRegexError, Matcher, MatchType


def parse_expr(text: str, *, experimental_functions: bool = True) -> Expr:
    """Parse and type-check a PromQL expression, raising `ParseError`.

    Experimental functions and aggregations (`limitk`, `sort_by_label`, …) are
    accepted by default, since Vigil has no feature flags; pass False to get
    Prometheus's default "not enabled" errors.
    """
    parser = _Parser(text, experimental_functions)
    try:
        expr = parser.parse_query()
    except RecursionError:
        raise ParseError("expression nests too deeply", 0, 0, text) from None
    _Checker(text, parser.raw_matching).check(expr)
    return expr


def parse_metric_selector(text: str) -> list[Matcher]:
    """Parse a bare series selector (`/api/v1/series?match[]=`) into its matchers.

    Like Prometheus's `ParseMetricSelector`, this does not insist on a
    non-empty matcher; the API layer decides whether `{}` is acceptable.
    """
    parser = _Parser(text, experimental_functions=True)
    return list(parser.parse_selector_only().matchers)


# Binding power of each binary operator; `^` alone is right-associative.
_PRECEDENCE = {
    Kind.LOR: 1,
    Kind.LAND: 2,
    Kind.LUNLESS: 2,
    Kind.EQLC: 3,
    Kind.NEQ: 3,
    Kind.LTE: 3,
    Kind.LSS: 3,
    Kind.GTE: 3,
    Kind.GTR: 3,
    Kind.ADD: 4,
    Kind.SUB: 4,
    Kind.MUL: 5,
    Kind.DIV: 5,
    Kind.MOD: 5,
    Kind.ATAN2: 5,
    Kind.POW: 6,
}
# Unary minus binds like `*`, so only `^` (and postfix modifiers) bind tighter.
_UNARY_OPERAND_PRECEDENCE = _PRECEDENCE[Kind.POW]
_BINARY_OPS = {kind: BinaryOp(FIXED_TEXT[kind]) for kind in _PRECEDENCE}
_MATCH_OPS = {
    Kind.EQL: MatchType.EQUAL,
    Kind.NEQ: MatchType.NOT_EQUAL,
    Kind.EQL_REGEX: MatchType.REGEX,
    Kind.NEQ_REGEX: MatchType.NOT_REGEX,
}
# Keywords that still name a metric where an expression starts (`sum`, `offset`, `by`...).
_METRIC_NAME_KINDS = AGGREGATORS | {
    Kind.IDENTIFIER,
    Kind.METRIC_IDENTIFIER,
    Kind.BY,
    Kind.LAND,
    Kind.LOR,
    Kind.LUNLESS,
    Kind.OFFSET,
    Kind.WITHOUT,
    Kind.START,
    Kind.END,
    Kind.STEP,
    Kind.ANCHORED,
    Kind.SMOOTHED,
}
# Keywords that may name a label inside `by (...)`, `on (...)` and friends.
_LABEL_NAME_KINDS = _METRIC_NAME_KINDS | {
    Kind.BOOL,
    Kind.GROUP_LEFT,
    Kind.GROUP_RIGHT,
    Kind.IGNORING,
    Kind.ON,
    Kind.ATAN2,
}
_CLOSING_KINDS = {Kind.RIGHT_PAREN, Kind.RIGHT_BRACE, Kind.RIGHT_BRACKET}
_DURATION_EXPRESSION_START = {Kind.LEFT_PAREN, Kind.STEP, Kind.MIN, Kind.MAX}
_DURATION_ARITHMETIC = {Kind.ADD, Kind.SUB, Kind.MUL, Kind.DIV, Kind.MOD, Kind.POW}
_MAX_DURATION_SECONDS = 2**63 / 1e9  # Go's time.Duration range.
_MAX_INT64 = 2.0**63
_RANGE_EXPECTED = "number, duration, or step()"


class _Parser:
    def __init__(self, text: str, experimental_functions: bool) -> None:
        self.text = text
        self.experimental_functions = experimental_functions
        self.lexer = Lexer(text)
        self.lookahead: Token | None = None
        # The vector matching as written, by id() of its BinaryExpr, for the checker.
        self.raw_matching: dict[int, VectorMatching] = {}

    # Token stream and errors.

    def peek(self) -> Token:
        if self.lookahead is None:
            token = self.lexer.next_token()
            if token.kind is Kind.ERROR:
                self.fail(token.pos, len(self.text), token.text)
            self.lookahead = token
        return self.lookahead

    def take(self) -> Token:
        token = self.peek()
        self.lookahead = None
        return token

    def fail(self, start: int, end: int, message: str) -> NoReturn:
        raise ParseError(message, start, end, self.text)

    def fail_at(self, where: Expr | Token, message: str) -> NoReturn:
        if isinstance(where, Token):
            self.fail(where.pos, where.end, message)
        self.fail(where.pos.start, where.pos.end, message)

    def unexpected(self, context: str = "", expected: str = "") -> NoReturn:
        token = self.peek()
        message = f"unexpected {token.describe()}"
        if context:
            message += f" in {context}"
        if expected:
            message += f", expected {expected}"
        self.fail_at(token, message)

    def expect(self, kind: Kind, context: str = "", expected: str = "") -> Token:
        if self.peek().kind is not kind:
            self.unexpected(context, expected)
        return self.take()

    # Entry points.

    def parse_query(self) -> Expr:
        if self.peek().kind is Kind.EOF:
            self.fail(0, 0, "no expression found in input")
        expr = self.parse_expression(0)
        self.expect(Kind.EOF)
        return expr

    def parse_selector_only(self) -> VectorSelector:
        token = self.peek()
        if token.kind in _METRIC_NAME_KINDS:
            selector = self.parse_vector_selector(self.take())
        elif token.kind is Kind.LEFT_BRACE:
            selector = self.parse_vector_selector(None)
        else:
            self.unexpected()
        self.expect(Kind.EOF)
        return selector

    # Expressions.

    def parse_expression(self, min_precedence: int) -> Expr:
        lhs = self.parse_unary()
        while True:
            precedence = _PRECEDENCE.get(self.peek().kind)
            if precedence is None or precedence < min_precedence:
                return lhs
            op = _BINARY_OPS[self.take().kind]
            matching, return_bool = self.parse_binary_modifiers()
            next_min = precedence if op is BinaryOp.POW else precedence + 1
            rhs = self.parse_expression(next_min)
            lhs = self.make_binary(op, lhs, rhs, matching, return_bool)

    def make_binary(
        self, op: BinaryOp, lhs: Expr, rhs: Expr, matching: VectorMatching, return_bool: bool
    ) -> BinaryExpr:
        if op.is_set_operator and matching.card is VectorMatchCardinality.ONE_TO_ONE:
            matching = replace(matching, card=VectorMatchCardinality.MANY_TO_MANY)
        both_vectors = lhs.type.value == rhs.type.value == "vector"
        node = BinaryExpr(
            op,
            lhs,
            rhs,
            matching if both_vectors else None,
            return_bool,
            pos=PositionRange(lhs.pos.start, rhs.pos.end),
        )
        self.raw_matching[id(node)] = matching
        return node

    def parse_binary_modifiers(self) -> tuple[VectorMatching, bool]:
        return_bool = self.peek().kind is Kind.BOOL
        if return_bool:
            self.take()
        if self.peek().kind not in (Kind.ON, Kind.IGNORING):
            return VectorMatching(), return_bool
        on = self.take().kind is Kind.ON
        labels, _ = self.parse_grouping_labels()
        card = VectorMatchCardinality.ONE_TO_ONE
        include: tuple[str, ...] = ()
        if self.peek().kind in (Kind.GROUP_LEFT, Kind.GROUP_RIGHT):
            left = self.take().kind is Kind.GROUP_LEFT
            card = VectorMatchCardinality.ONE_TO_MANY
            if left:
                card = VectorMatchCardinality.MANY_TO_ONE
            if self.peek().kind is Kind.LEFT_PAREN:
                include, _ = self.parse_grouping_labels()
        return VectorMatching(card, labels, on, include), return_bool

    def parse_unary(self) -> Expr:
        token = self.peek()
        if token.kind not in (Kind.ADD, Kind.SUB):
            return self.parse_postfix(self.parse_primary())
        self.take()
        operand = self.parse_expression(_UNARY_OPERAND_PRECEDENCE)
        span = PositionRange(token.pos, operand.pos.end)
        if isinstance(operand, NumberLiteral):
            value = -operand.value if token.kind is Kind.SUB else operand.value
            return replace(operand, value=value, pos=span)
        return UnaryExpr(BinaryOp(token.text), operand, pos=span)

    def parse_primary(self) -> Expr:
        token = self.peek()
        kind = token.kind
        if kind in (Kind.NUMBER, Kind.DURATION):
            return self.number_literal(self.take())
        if kind is Kind.STRING:
            self.take()
            return StringLiteral(unquote_string(token.text), pos=_span(token))
        if kind is Kind.LEFT_PAREN:
            self.take()
            inner = self.parse_expression(0)
            close = self.expect(Kind.RIGHT_PAREN)
            return ParenExpr(inner, pos=PositionRange(token.pos, close.end))
        if kind is Kind.LEFT_BRACE:
            return self.parse_vector_selector(None)
        if kind not in _METRIC_NAME_KINDS:
            self.unexpected()
        self.take()
        following = self.peek().kind
        if kind is Kind.IDENTIFIER and following is Kind.LEFT_PAREN:
            return self.parse_call(token)
        if kind in AGGREGATORS and following in (Kind.LEFT_PAREN, Kind.BY, Kind.WITHOUT):
            return self.parse_aggregate(token)
        return self.parse_vector_selector(token)

    def number_literal(self, token: Token) -> NumberLiteral:
        if token.kind is Kind.DURATION:
            try:
                seconds = parse_duration(token.text)
            except DurationError as error:
                self.fail_at(token, error.detail)
            return NumberLiteral(seconds, is_duration=True, pos=_span(token))
        return NumberLiteral(self.parse_number(token), pos=_span(token))

    def parse_number(self, token: Token) -> float:
        """Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseFloat`, as Prometheus does."""
        text = token.text
        try:
            integer = int("0o" + text[1:], 8) if _is_go_octal(text) else int(text, 0)
            if integer < 2**63:
                return float(integer)
        except ValueError:
            pass
        try:
            value = float(text)
        except ValueError:
            self.fail_at(
                token,
                f"error parsing number: strconv.ParseFloat: parsing "
                f"{go_quote(text)}: invalid syntax",
            )
        if math.isinf(value) and text.lower() != "inf":
            self.fail_at(
                token,
                f"error parsing number: strconv.ParseFloat: parsing "
                f"{go_quote(text)}: value out of range",
            )
        return value

    # Postfix modifiers: ranges, subqueries, offset and @.

    def parse_postfix(self, expr: Expr) -> Expr:
        while True:
            kind = self.peek().kind
            if kind is Kind.LEFT_BRACKET:
                expr = self.parse_range_or_subquery(expr)
            elif kind is Kind.OFFSET:
                expr = self.parse_offset(expr)
            elif kind is Kind.AT:
                expr = self.parse_at(expr)
            elif kind in (Kind.ANCHORED, Kind.SMOOTHED):
                self.fail_at(
                    expr, f"{self.take().text.lower()} modifier is experimental and not enabled"
                )
            else:
                return expr

    def parse_range_or_subquery(self, expr: Expr) -> Expr:
        open_bracket = self.take()
        context = "subquery or range selector"
        range_seconds = self.parse_bracket_duration(context, _RANGE_EXPECTED)
        if self.peek().kind is Kind.RIGHT_BRACKET:
            close = self.take()
            problem = ""
            if not isinstance(expr, VectorSelector):
                problem = "ranges only allowed for vector selectors"
            elif expr.offset != 0:
                problem = "no offset modifiers allowed before range"
            elif expr.at is not None and not isinstance(expr.at, AtModifier):
                problem = "no @ modifiers allowed before range"
            if problem:
                self.fail(open_bracket.pos, close.end, problem)
            assert isinstance(expr, VectorSelector)
            span = PositionRange(expr.pos.start, close.end)
            return MatrixSelector(expr, range_seconds, pos=span)
        self.expect(Kind.COLON, "subquery or range", '":" or "]"')
        step = None
        if self.peek().kind is not Kind.RIGHT_BRACKET:
            step = self.parse_bracket_duration("subquery selector", _RANGE_EXPECTED + ' or "]"')
        close = self.expect(Kind.RIGHT_BRACKET, "subquery selector", '"]"')
        span = PositionRange(expr.pos.start, close.end)
        return SubqueryExpr(expr, range_seconds, step, pos=span)

    def parse_bracket_duration(self, context: str, expected: str) -> float:
        """A positive range or step: a number of seconds or a duration, optionally signed."""
        literal = self.parse_signed_literal(context, expected)
        if self.peek().kind in _DURATION_ARITHMETIC:
            self.fail_at(literal, "experimental duration expression is not enabled")
        if literal.value <= 0:
            self.fail_at(literal, "duration must be greater than 0")
        return literal.value

    def parse_signed_literal(self, context: str, expected: str) -> NumberLiteral:
        """`[+|-]... number-or-duration`, rejecting Prometheus's experimental forms."""
        signs: list[Token] = []
        while self.peek().kind in (Kind.ADD, Kind.SUB):
            signs.append(self.take())
        token = self.peek()
        if token.kind in _DURATION_EXPRESSION_START:
            self.take()
            if token.kind is not Kind.LEFT_PAREN and self.peek().kind is not Kind.LEFT_PAREN:
                self.unexpected(context, expected)
            self.fail_at(token, "experimental duration expression is not enabled")
        if token.kind not in (Kind.NUMBER, Kind.DURATION):
            self.unexpected(context, expected)
        literal = self.number_literal(self.take())
        negative = sum(sign.kind is Kind.SUB for sign in signs) % 2 == 1
        if abs(literal.value) > _MAX_DURATION_SECONDS:
            self.fail_at(signs[0] if signs else literal, "duration out of range")
        start = signs[0].pos if signs else literal.pos.start
        value = -literal.value if negative else literal.value
        return replace(
            literal, value=round(value * 1e9) / 1e9, pos=PositionRange(start, literal.pos.end)
        )

    def parse_offset(self, expr: Expr) -> Expr:
        self.take()
        literal = self.parse_signed_literal("offset", _RANGE_EXPECTED)
        end = literal.pos.end
        if isinstance(expr, VectorSelector | SubqueryExpr):
            target: VectorSelector | SubqueryExpr = expr
        elif isinstance(expr, MatrixSelector):
            target = expr.vector_selector
        else:
            self.fail_at(
                expr,
                "offset modifier must be preceded by an instant vector selector "
                "or range vector selector or a subquery",
            )
        if target.offset != 0:
            self.fail_at(expr, "offset may not be set multiple times")
        return self.modify(expr, end, offset=literal.value)

    def parse_at(self, expr: Expr) -> Expr:
        self.take()
        at: float | AtModifier
        if self.peek().kind in (Kind.START, Kind.END):
            at = AtModifier(self.take().kind.name.lower())
            self.expect(Kind.LEFT_PAREN, "@", "timestamp")
            end = self.expect(Kind.RIGHT_PAREN, "@", "timestamp").end
        else:
            sign = self.take() if self.peek().kind in (Kind.ADD, Kind.SUB) else None
            if self.peek().kind not in (Kind.NUMBER, Kind.DURATION):
                self.unexpected("@", "timestamp")
            literal = self.number_literal(self.take())
            end = literal.pos.end
            seconds = -literal.value if sign and sign.kind is Kind.SUB else literal.value
            if not math.isfinite(seconds) or abs(seconds) >= _MAX_INT64:
                self.fail_at(expr, f"timestamp out of bounds for @ modifier: {_go_float(seconds)}")
            at = round(seconds * 1000) / 1000
        target = expr.vector_selector if isinstance(expr, MatrixSelector) else expr
        if not isinstance(target, VectorSelector | SubqueryExpr):
            self.fail_at(
                expr,
                "@ modifier must be preceded by an instant vector selector or "
                "range vector selector or a subquery",
            )
        if target.at is not None:
            self.fail_at(expr, "@ <timestamp> may not be set multiple times")
        return self.modify(expr, end, at=at)

    @staticmethod
    def modify(expr: Expr, end: int, **changes: object) -> Expr:
        """Apply offset/@ to a selector or subquery and extend its position to `end`."""
        span = PositionRange(expr.pos.start, end)
        if isinstance(expr, MatrixSelector):
            selector = replace(expr.vector_selector, **changes)  # type: ignore[arg-type]
            return replace(expr, vector_selector=selector, pos=span)
        return replace(expr, pos=span, **changes)

    # Selectors.

    def parse_vector_selector(self, name_token: Token | None) -> VectorSelector:
        matchers: list[Matcher] = []
        start = name_token.pos if name_token else self.peek().pos
        end = name_token.end if name_token else start
        if self.peek().kind is Kind.LEFT_BRACE:
            end = self.parse_label_matchers(matchers)
        name = name_token.text if name_token else ""
        if name:
            matchers.append(Matcher(METRIC_NAME_LABEL, MatchType.EQUAL, name))
        return VectorSelector(name, tuple(matchers), pos=PositionRange(start, end))

    def parse_label_matchers(self, matchers: list[Matcher]) -> int:
        """Parse `{...}` into `matchers`; return the end offset of the closing brace."""
        self.take()
        while self.peek().kind is not Kind.RIGHT_BRACE:
            matchers.append(self.parse_label_matcher())
            if self.peek().kind is Kind.COMMA:
                self.take()
            elif self.peek().kind is not Kind.RIGHT_BRACE:
                self.unexpected("label matching", '"," or "}"')
        return self.take().end

    def parse_label_matcher(self) -> Matcher:
        name_token = self.peek()
        if name_token.kind is Kind.IDENTIFIER:
            self.take()
            if self.peek().kind not in _MATCH_OPS:
                self.unexpected("label matching", "label matching operator")
            name = name_token.text
        elif name_token.kind is Kind.STRING:
            self.take()
            name = unquote_string(name_token.text)
            if self.peek().kind not in _MATCH_OPS:
                return Matcher(METRIC_NAME_LABEL, MatchType.EQUAL, name)
        else:
            self.unexpected("label matching", 'identifier or "}"')
        match_type = _MATCH_OPS[self.take().kind]
        value_token = self.expect(Kind.STRING, "label matching", "string")
        try:
            return Matcher(name, match_type, unquote_string(value_token.text))
        except InvalidRegexError as error:
            self.fail(name_token.pos, value_token.end, str(error))

    def parse_grouping_labels(self) -> tuple[tuple[str, ...], int]:
        """`(label, ...)` after by/without/on/ignoring/group_x; returns labels and end offset."""
        self.expect(Kind.LEFT_PAREN, "grouping opts", '"("')
        labels: list[str] = []
        while self.peek().kind is not Kind.RIGHT_PAREN:
            token = self.peek()
            if token.kind in _LABEL_NAME_KINDS:
                labels.append(self.take().text)
            elif token.kind is Kind.STRING:
                label = unquote_string(self.take().text)
                if not _is_valid_label_name(label):
                    self.fail_at(token, f"invalid label name for grouping: {go_quote(label)}")
                labels.append(label)
            else:
                self.unexpected("grouping opts", "label")
            if self.peek().kind is Kind.COMMA:
                self.take()
            elif self.peek().kind is not Kind.RIGHT_PAREN:
                self.unexpected("grouping opts", '"," or ")"')
        return tuple(labels), self.take().end

    # Calls and aggregations.

    def parse_call_arguments(self) -> tuple[list[Expr], int]:
        """`(expr, ...)`; returns the arguments and the end offset of `)`."""
        self.take()
        args: list[Expr] = []
        while self.peek().kind is not Kind.RIGHT_PAREN:
            args.append(self.parse_expression(0))
            if self.peek().kind is Kind.COMMA:
                comma = self.take()
                if self.peek().kind is Kind.RIGHT_PAREN:
                    self.fail_at(comma, "trailing commas not allowed in function call args")
            elif self.peek().kind is not Kind.RIGHT_PAREN:
                self.unexpected()
        return args, self.take().end

    def parse_call(self, name: Token) -> Call:
        args, end = self.parse_call_arguments()
        function = get_function(name.text)
        if function is None:
            self.fail_at(name, f"unknown function with name {go_quote(name.text)}")
        if function.experimental and not self.experimental_functions:
            self.fail_at(name, f"function {go_quote(name.text)} is not enabled")
        return Call(function, tuple(args), pos=PositionRange(name.pos, end))

    def parse_aggregate(self, op_token: Token) -> AggregateExpr:
        op = AggregateOp(op_token.kind.name.lower())
        grouping: tuple[str, ...] = ()
        without = self.peek().kind is Kind.WITHOUT
        modifier_first = self.peek().kind in (Kind.BY, Kind.WITHOUT)
        if modifier_first:
            self.take()
            grouping, _ = self.parse_grouping_labels()
            if self.peek().kind is not Kind.LEFT_PAREN:
                self.unexpected("aggregation")
        args, end = self.parse_call_arguments()
        if not modifier_first and self.peek().kind in (Kind.BY, Kind.WITHOUT):
            without = self.take().kind is Kind.WITHOUT
            grouping, end = self.parse_grouping_labels()
        span = PositionRange(op_token.pos, end)
        where = AggregateExpr(op, NumberLiteral(0), pos=span)
        if not args:
            self.fail_at(where, "no arguments for aggregate expression provided")
        if op.experimental and not self.experimental_functions:
            self.fail_at(
                where,
                f"{op}() is experimental and must be enabled with "
                "--enable-feature=promql-experimental-functions",
            )
        wanted = 2 if op.takes_parameter else 1
        if len(args) != wanted:
            self.fail_at(
                where,
                "wrong number of arguments for aggregate expression provided, "
                f"expected {wanted}, got {len(args)}",
            )
        param = args[0] if op.takes_parameter else None
        return AggregateExpr(op, args[-1], param, grouping, without, pos=span)


def _span(token: Token) -> PositionRange:
    return PositionRange(token.pos, token.end)


def _is_go_octal(text: str) -> bool:
    """Go reads `0755` as octal; Python's int() refuses leading zeros."""
    return len(text) > 1 and text[0] == "0" and all(c in "01234567_" for c in text[1:])


def _is_valid_label_name(name: str) -> bool:
    """Prometheus 3 accepts any non-empty valid UTF-8 label name."""
    return name != "" and not any(0xD800 <= ord(char) <= 0xDFFF for char in name)


def _go_float(value: float) -> str:
    """Go's `%f`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:f}"


class _Checker:
    """Type checks after parsing, in Prometheus's order and wording (`checkAST`)."""

    def __init__(self, text: str, raw_matching: dict[int, VectorMatching]) -> None:
        self.text = text
        self.raw_matching = raw_matching

    def fail(self, where: Expr | PositionRange, message: str) -> NoReturn:
        span = where.pos if isinstance(where, Expr) else where
        raise ParseError(message, span.start, span.end, self.text)

    def expect_type(self, node: Expr, wanted: ValueType, context: str) -> None:
        actual = self.check(node)
        if actual is not wanted:
            self.fail(
                node, f"expected type {wanted.documented} in {context}, got {actual.documented}"
            )

    def check(self, node: Expr, bypass_empty_matcher_check: bool = False) -> ValueType:
        if isinstance(node, AggregateExpr):
            self.expect_type(node.expr, ValueType.VECTOR, "aggregation expression")
            if node.param is not None:
                counting = node.op is AggregateOp.COUNT_VALUES
                wanted = ValueType.STRING if counting else ValueType.SCALAR
                self.expect_type(node.param, wanted, "aggregation parameter")
        elif isinstance(node, BinaryExpr):
            self.check_binary(node)
        elif isinstance(node, Call):
            self.check_call(node)
        elif isinstance(node, ParenExpr | MatrixSelector):
            self.check(node.children()[0])
        elif isinstance(node, UnaryExpr):
            operand = self.check(node.expr)
            if operand not in (ValueType.SCALAR, ValueType.VECTOR):
                self.fail(
                    node,
                    "unary expression only allowed on expressions of type scalar "
                    f"or instant vector, got {go_quote(operand.documented)}",
                )
        elif isinstance(node, SubqueryExpr):
            inner = self.check(node.expr)
            if inner is not ValueType.VECTOR:
                self.fail(node, f"subquery is only allowed on instant vector, got {inner} instead")
        elif isinstance(node, VectorSelector):
            self.check_selector(node, bypass_empty_matcher_check)
        return node.type

    def check_binary(self, node: BinaryExpr) -> None:
        lhs_type, rhs_type = self.check(node.lhs), self.check(node.rhs)
        matching = self.raw_matching.get(id(node), VectorMatching())
        op, quoted_op, scalar = node.op, go_quote(str(node.op)), ValueType.SCALAR
        if node.return_bool and not op.is_comparison:
            self.fail(
                self.operator_span(node), "bool modifier can only be used on comparison operators"
            )
        if op.is_comparison and not node.return_bool and lhs_type is rhs_type is scalar:
            self.fail(
                self.operator_span(node), "comparisons between scalars must use BOOL modifier"
            )
        for label in matching.matching_labels if matching.on else ():
            if label in matching.include:
                self.fail(
                    self.operator_span(node),
                    f"label {go_quote(label)} must not occur in ON and GROUP clause at once",
                )
        for side, side_type in ((node.lhs, lhs_type), (node.rhs, rhs_type)):
            if side_type not in (scalar, ValueType.VECTOR):
                self.fail(
                    side, "binary expression must contain only scalar and instant vector types"
                )
        both_vectors = lhs_type is rhs_type is ValueType.VECTOR
        if not both_vectors and matching.matching_labels:
            self.fail(node, "vector matching only allowed between instant vectors")
        grouped = matching.card in (
            VectorMatchCardinality.ONE_TO_MANY,
            VectorMatchCardinality.MANY_TO_ONE,
        )
        if both_vectors and op.is_set_operator and grouped:
            self.fail(node, f"no grouping allowed for {quoted_op} operation")
        if scalar in (lhs_type, rhs_type) and op.is_set_operator:
            self.fail(node, f"set operator {quoted_op} not allowed in binary scalar expression")

    def operator_span(self, node: BinaryExpr) -> PositionRange:
        """Where the operator (with its modifiers) sits between the two operands."""
        start, end = node.lhs.pos.end, node.rhs.pos.start - 1
        while start < len(self.text) and self.text[start] in " \t\n\r":
            start += 1
        while end > start and self.text[end] in " \t\n\r":
            end -= 1
        return PositionRange(start, end)

    def check_call(self, node: Call) -> None:
        function, args = node.function, node.args
        name = go_quote(function.name)
        maximum = function.max_args
        if not function.variadic and len(args) != len(function.arg_types):
            self.fail(
                node,
                f"expected {len(function.arg_types)} argument(s) in call to {name}, "
                f"got {len(args)}",
            )
        if len(args) < function.min_args:
            self.fail(
                node,
                f"expected at least {function.min_args} argument(s) in call to "
                f"{name}, got {len(args)}",
            )
        if maximum is not None and len(args) > maximum:
            self.fail(
                node, f"expected at most {maximum} argument(s) in call to {name}, got {len(args)}"
            )
        labels_only = function.name == "info" and len(args) > 1
        if labels_only:
            self.check_info_labels(node)
        for index, arg in enumerate(args):
            wanted = function.arg_types[min(index, len(function.arg_types) - 1)]
            bypass = labels_only and index == 1
            actual = self.check(arg, bypass_empty_matcher_check=bypass)
            if actual is not wanted:
                self.fail(
                    arg,
                    f"expected type {wanted.documented} in call to function "
                    f"{name}, got {actual.documented}",
                )

    def check_info_labels(self, node: Call) -> None:
        selector = node.args[1]
        if selector.type is not ValueType.VECTOR:
            self.fail(
                node,
                "expected type instant vector in call to function "
                f'"info", got {selector.type.documented}',
            )
        if not isinstance(selector, VectorSelector):
            self.fail(selector, "expected label selectors only")
        if selector.name:
            self.fail(selector, "expected label selectors only, got vector selector instead")

    def check_selector(self, node: VectorSelector, bypass_empty_matcher_check: bool) -> None:
        if node.name:
            for matcher in node.matchers[:-1]:
                if matcher.name == METRIC_NAME_LABEL:
                    self.fail(
                        node,
                        f"metric name must not be set twice: {go_quote(node.name)} "
                        f"or {go_quote(matcher.value)}",
                    )
            return
        if not bypass_empty_matcher_check and all(m.matches("") for m in node.matchers):
            self.fail(node, "vector selector must contain at least one non-empty matcher")
