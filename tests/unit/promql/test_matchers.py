"""Label matchers: Prometheus's anchored RE2 semantics on top of Python's `re`."""

from __future__ import annotations

import pytest

from promql.matchers import InvalidRegexError, Matcher, MatchType, translate_re2


@pytest.mark.parametrize(
    ("type_", "pattern", "value", "expected"),
    [
        (MatchType.EQUAL, "a", "a", True),
        (MatchType.EQUAL, "", "", True),  # {a=""} matches series without label a.
        (MatchType.NOT_EQUAL, "a", "b", True),
        (MatchType.REGEX, "fo+", "foo", True),
        (MatchType.REGEX, "fo+", "xfoo", False),  # Anchored at the start...
        (MatchType.REGEX, "fo+", "foox", False),  # ...and at the end,
        (MatchType.REGEX, "foo", "foo\n", False),  # even before a trailing newline.
        (MatchType.REGEX, "a.b", "a\nb", True),  # `.` matches newlines.
        (MatchType.REGEX, "a|b", "b", True),
        (MatchType.REGEX, "(?i)FOO", "foo", True),
        (MatchType.REGEX, "x(?i)y", "xY", True),
        (MatchType.REGEX, "x(?i)y", "XY", False),
        (MatchType.REGEX, "\\d+", "٣", False),  # RE2's \d is ASCII only.
        (MatchType.REGEX, "[[:upper:]]+", "AB", True),
        (MatchType.REGEX, "a\\z", "a", True),
        (MatchType.REGEX, "\\Qa.b\\E", "axb", False),
        (MatchType.REGEX, "x{,2}", "x{,2}", True),  # RE2 reads `{,2}` literally.
        (MatchType.NOT_REGEX, ".+", "", True),
        (MatchType.NOT_REGEX, ".*", "", False),
    ],
)
def test_matches(type_: MatchType, pattern: str, value: str, expected: bool) -> None:
    assert Matcher("label", type_, pattern).matches(value) is expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(foo", "error parsing regexp: missing closing ): `(foo`"),
        ("foo)", "error parsing regexp: unexpected ): `foo)`"),
        ("[a", "error parsing regexp: missing closing ]: `[a`"),
        ("*", "error parsing regexp: missing argument to repetition operator: `*`"),
        ("a*+", "error parsing regexp: invalid nested repetition operator: `*+`"),
        ("(?=a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
        ("(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
        ("\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
    ],
)
def test_rejects_what_re2_rejects(pattern: str, message: str) -> None:
    with pytest.raises(InvalidRegexError) as error:
        Matcher("a", MatchType.REGEX, pattern)
    assert str(error.value) == message


def test_translation_and_printing() -> None:
    assert translate_re2("(?P<x>a)(?<y>b)$") == "(?P<x>a)(?P<y>b)\\Z"
    assert translate_re2("(?m)a$") == "(?m:a$)"
    assert str(Matcher("a", MatchType.NOT_REGEX, 'x"y')) == 'a!~"x\\"y"'
    assert str(Matcher("a.b", MatchType.EQUAL, "")) == '"a.b"=""'
    assert Matcher("a", MatchType.REGEX, "x") == Matcher("a", MatchType.REGEX, "x")
    assert str(MatchType.NOT_EQUAL) == "!="
