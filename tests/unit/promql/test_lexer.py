"""Tokenizing PromQL, and the Go quoting rules strings follow."""

from __future__ import annotations

import pytest

from promql.lexer import Kind, Lexer, Token, go_quote, go_quote_rune, unquote_string


def kinds(text: str) -> list[tuple[Kind, str]]:
    lexer = Lexer(text)
    tokens: list[tuple[Kind, str]] = []
    while True:
        token = lexer.next_token()
        tokens.append((token.kind, token.text))
        if token.kind in (Kind.EOF, Kind.ERROR):
            return tokens


def test_selector_and_operators() -> None:
    assert kinds('rate(a:b{job=~"x"}[5m]) > bool 1') == [
        (Kind.IDENTIFIER, "rate"), (Kind.LEFT_PAREN, "("), (Kind.METRIC_IDENTIFIER, "a:b"),
        (Kind.LEFT_BRACE, "{"), (Kind.IDENTIFIER, "job"), (Kind.EQL_REGEX, "=~"),
        (Kind.STRING, '"x"'), (Kind.RIGHT_BRACE, "}"), (Kind.LEFT_BRACKET, "["),
        (Kind.DURATION, "5m"), (Kind.RIGHT_BRACKET, "]"), (Kind.RIGHT_PAREN, ")"),
        (Kind.GTR, ">"), (Kind.BOOL, "bool"), (Kind.NUMBER, "1"), (Kind.EOF, ""),
    ]


def test_keywords_are_case_insensitive_but_not_inside_braces() -> None:
    assert kinds("SUM By") [:2] == [(Kind.SUM, "SUM"), (Kind.BY, "By")]
    assert kinds("{by='x'}")[1] == (Kind.IDENTIFIER, "by")
    assert kinds("Inf nan")[:2] == [(Kind.NUMBER, "Inf"), (Kind.NUMBER, "nan")]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("0x1F", Kind.NUMBER), ("1e-3", Kind.NUMBER), ("1_000", Kind.NUMBER), (".5", Kind.NUMBER),
     ("1h30m", Kind.DURATION), ("250ms", Kind.DURATION), ("1y2w3d", Kind.DURATION)],
)
def test_numbers_and_durations(text: str, kind: Kind) -> None:
    assert kinds(text)[0] == (kind, text)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1__0", 'bad number or duration syntax: "1__"'),
        ("1e", 'bad number or duration syntax: "1e"'),
        ("0x1.5", 'bad number or duration syntax: "0x1."'),
        ("5mx", 'bad number or duration syntax: "5mx"'),
        ("a # comment\n$", "unexpected character: '$'"),
        ("{a!b}", "unexpected character after '!' inside braces: 'b'"),
        ("{a{", "unexpected left brace '{'"),
        ("x[1m[", "unexpected left bracket '['"),
        ("x[:", "unexpected colon before duration in duration expression"),
        ("'\\\"'", "unknown escape sequence U+0022 '\"'"),
        ('"a\nb"', "unterminated quoted string"),
    ],
)
def test_lexical_errors(text: str, error: str) -> None:
    assert kinds(text)[-1] == (Kind.ERROR, error)


def test_token_descriptions_match_prometheus() -> None:
    assert Token(Kind.EOF, "", 0).describe() == "end of input"
    assert Token(Kind.IDENTIFIER, "foo", 0).describe() == 'identifier "foo"'
    assert Token(Kind.BY, "BY", 0).describe() == "<BY>"
    assert Token(Kind.LAND, "and", 0).describe() == "<op:and>"
    assert Token(Kind.SUM, "sum", 0).describe() == "<aggr:sum>"
    assert Token(Kind.START, "start", 0).describe() == '"start"'
    assert Token(Kind.COMMA, ",", 0).describe() == '","'
    assert Token(Kind.STRING, '"abcdefghijk"', 0).describe() == 'string "\\"abcdefghi"...'


def test_go_quoting() -> None:
    assert go_quote('a"b\\c\n\x00\u00a0é\U0001f600') == '"a\\"b\\\\c\\n\\x00\\u00a0é\U0001f600"'
    assert go_quote("\udcff") == '"\\xff"'
    assert go_quote_rune("'") == "'\\''"
    assert go_quote_rune("") == "'\ufffd'"


@pytest.mark.parametrize(
    ("literal", "value"),
    [('"a\\tb"', "a\tb"), ("'\\''", "'"), ('"\\u00e9"', "é"), ('"\\303\\251"', "é"),
     ('"\\xff"', "\udcff"), ("`a\\n`", "a\\n"), ('"\\U0001F600"', "\U0001f600")],
)
def test_unquote(literal: str, value: str) -> None:
    assert unquote_string(literal) == value
