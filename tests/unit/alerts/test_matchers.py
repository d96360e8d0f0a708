"""Alertmanager's matcher syntax: parsing, errors, matching and the printed form."""

from __future__ import annotations

import pytest

from alerts.matchers import (
    MatcherError,
    format_matchers,
    matcher_from_json,
    matcher_to_json,
    matches,
    matches_empty,
    parse_matcher_lines,
    parse_matchers,
)
from promql.matchers import Matcher, MatchType


def test_braces_spaces_and_a_trailing_comma_are_tolerated_and_matchers_sorted() -> None:
    parsed = parse_matchers('{foo = "bar", dings != "bums", }')
    assert parsed == (
        Matcher("dings", MatchType.NOT_EQUAL, "bums"),
        Matcher("foo", MatchType.EQUAL, "bar"),
    )
    assert parse_matchers("foo=bar,dings!=bums") == parsed


def test_quoted_values_keep_commas_and_escaped_quotes() -> None:
    (matcher,) = parse_matchers(r'{quote="She said: \"Hi, all!\""}')
    assert matcher.value == 'She said: "Hi, all!"'


def test_openmetrics_escapes_and_a_stray_backslash_stays_literal() -> None:
    (newline,) = parse_matchers(r'a="x\ny"')
    (digit,) = parse_matchers(r'a=~"\d+"')
    assert newline.value == "x\ny"
    assert digit.value == r"\d+"


def test_regexes_are_anchored_at_both_ends() -> None:
    (matcher,) = parse_matchers('code=~"5.."')
    assert matches([matcher], {"code": "503"})
    assert not matches([matcher], {"code": "5030"})
    assert not matches([matcher], {"code": "x503"})


def test_a_missing_label_reads_as_empty() -> None:
    assert matches(parse_matchers('team=""'), {})
    assert not matches(parse_matchers('team!=""'), {})
    assert matches(parse_matchers("team!=db"), {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo", "bad matcher format: foo"),
        ("1abc=x", "bad matcher format: 1abc=x"),
        ('foo="bar', 'matcher value contains unescaped double quote: "bar'),
        ('foo=ba"r', 'matcher value contains unescaped double quote: ba"r'),
        ('foo=~"(a"', "error parsing regexp: missing closing ): `(a`"),
    ],
)
def test_invalid_matchers_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(MatcherError) as caught:
        parse_matchers(text)
    assert str(caught.value) == message


def test_config_lines_may_each_hold_several_matchers() -> None:
    parsed = parse_matcher_lines(['severity="critical", team=~"db|storage"', "env!=dev"])
    assert [m.name for m in parsed] == ["env", "severity", "team"]


def test_printed_as_in_alertmanager_route_keys() -> None:
    parsed = parse_matchers(r'b=~"x|y", a="say \"hi\"\n"')
    assert format_matchers(parsed) == r'{a="say \"hi\"\n",b=~"x|y"}'
    assert format_matchers(()) == "{}"


def test_matches_empty_tells_matchers_that_would_silence_everything() -> None:
    assert matches_empty(Matcher("a", MatchType.REGEX, ".*"))
    assert matches_empty(Matcher("a", MatchType.NOT_EQUAL, "x"))
    assert not matches_empty(Matcher("a", MatchType.EQUAL, "x"))


@pytest.mark.parametrize("kind", list(MatchType))
def test_api_json_round_trips(kind: MatchType) -> None:
    matcher = Matcher("job", kind, "api")
    assert matcher_from_json(matcher_to_json(matcher)) == matcher
