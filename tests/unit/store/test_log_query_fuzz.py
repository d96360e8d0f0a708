"""Any log search box input parses or raises QueryError naming a line:column inside it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.logs.query import QueryError, parse_query
from tests.fuzzing import within_budget

pytestmark = pytest.mark.fuzz

_PIECES = st.sampled_from(
    [
        "AND", "OR", "NOT", "and", "(", ")", '"', "\\", ":", "=", "!=", ">=", "<=", ">", "<",
        "level", "service", "msg", "message", "trace_id", "error", "warn", "*", "-", " ", "\n",
        "\t", "ü", "\x00",
    ]
)
_QUERIES = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=40).map(" ".join)


@given(_QUERIES)
def test_any_query_parses_or_names_its_position(text: str) -> None:
    try:
        within_budget(lambda: parse_query(text))
    except QueryError as error:
        assert 1 <= error.line <= text.count("\n") + 1, error
        assert 1 <= error.column <= len(text) + 1, error
        assert str(error).startswith(f"{error.line}:{error.column}: ")


@pytest.mark.timeout(10)
def test_deep_nesting_is_a_query_error_not_a_crash() -> None:
    for text in ("(" * 5000 + "x" + ")" * 5000, "NOT " * 5000 + "x"):
        with pytest.raises(QueryError, match=r"^1:.*nested deeper"):
            parse_query(text)
    assert parse_query("(" * 50 + "x" + ")" * 50) == parse_query("x")
