"""The log query language: parsing, errors with positions, and in-memory matching."""

from __future__ import annotations

import pytest

from store.logs.match import matches
from store.logs.query import And, Field, MatchAll, Not, Or, QueryError, Text, parse_query
from store.logs.record import LogRecord


def test_it_parses_terms_phrases_fields_and_implicit_and() -> None:
    assert parse_query('payments "connection refused" service:db level>=warn') == And(
        (
            Text("payments"),
            Text("connection refused", phrase=True),
            Field("service", "db"),
            Field("level", "warn", ">="),
        )
    )


def test_and_binds_tighter_than_or_and_parentheses_group() -> None:
    assert parse_query("a b OR c") == Or((And((Text("a"), Text("b"))), Text("c")))
    assert parse_query("a (b OR c)") == And((Text("a"), Or((Text("b"), Text("c")))))
    assert parse_query("NOT a -b") == And((Not(Text("a")), Not(Text("b"))))
    assert parse_query('route:"/a b"') == Field("route", "/a b")
    assert parse_query("   ") == MatchAll()


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("error AND", "1:10: unexpected end of query, expected a term, a phrase, a field or '('"),
        ("(a OR b", "1:8: unexpected end of query, expected ')'"),
        ('a "open', "1:3: unterminated phrase"),
        ("level:loud", '1:7: unknown level "loud" (one of trace, debug, info, warn, error, fatal)'),
        ("a b)", "1:4: unexpected ')'"),
        ("status>=500", "1:7: >= compares levels only"),
        ("a\nOR OR", "2:4: unexpected 'OR', expected a term, a phrase, a field or '('"),
        ("service:", "1:9: expected a value after service:"),
    ],
)
def test_a_malformed_query_names_the_position(query: str, error: str) -> None:
    with pytest.raises(QueryError) as raised:
        parse_query(query)
    assert str(raised.value) == error


RECORD = LogRecord(
    timestamp_ms=0,
    message="Upstream call failed: connection refused by payments-db",
    service="orders",
    level="error",
    trace_id="t1",
    fields={"route": "/checkout"},
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("upstream", True),
        ("UPSTREAM refused", True),
        ("upstr", False),
        ('"connection refused"', True),
        ('"refused connection"', False),
        ("payments-db", True),
        ("service:orders level>=warn", True),
        ("level<error", False),
        ("route:/checkout trace_id:t1", True),
        ("route:/other OR service:orders", True),
        ("NOT upstream", False),
        ("(missing OR failed) -timeout", True),
    ],
)
def test_it_matches_records_in_memory(query: str, expected: bool) -> None:
    assert matches(parse_query(query), RECORD) is expected
