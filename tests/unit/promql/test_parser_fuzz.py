"""Arbitrary input never crashes or hangs the parser: it parses or raises ParseError."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promql import ParseError, parse_expr
from tests.fuzzing import within_budget

pytestmark = pytest.mark.fuzz

# Printable text, biased towards PromQL's own characters so the parser gets past the lexer.
_PROMQL_CHARS = st.sampled_from(list("(){}[],:=!~<>+-*/%^@'\"`#._ \n0123456789xemhsdwy"))
_WORDS = st.sampled_from(
    ["sum", "by", "on", "offset", "rate", "foo", "bool", "group_left", "start()", "5m", "Inf"]
)
_TEXT = st.lists(st.one_of(st.characters(categories=["L", "N", "P", "S", "Zs"]), _PROMQL_CHARS,
                           _WORDS), max_size=40).map("".join)


@given(_TEXT)
def test_parser_raises_only_parse_errors(text: str) -> None:
    try:
        expr = within_budget(lambda: parse_expr(text))
    except ParseError as error:
        assert 0 <= error.start <= error.end <= len(text), error
        return
    assert within_budget(lambda: parse_expr(str(expr))) == expr


@pytest.mark.timeout(10)
def test_deep_nesting_is_a_parse_error_not_a_crash() -> None:
    with pytest.raises(ParseError):
        parse_expr("(" * 5000 + "1" + ")" * 5000)
    with pytest.raises(ParseError):
        parse_expr("-" * 5000 + "1")


def test_a_duration_of_thousands_of_digits_is_out_of_range() -> None:
    with pytest.raises(ParseError, match="duration out of range"):
        parse_expr("x[" + "9" * 5000 + "y]")
    assert parse_expr("x[" + "0" * 5000 + "5m]") == parse_expr("x[5m]")
