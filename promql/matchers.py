"""Label matchers (`job="api"`, `path=~"/v1/.*"`) with Prometheus's regex semantics.

Prometheus regexes are RE2, always anchored at both ends (`^(?s:re)$`), with
`.` matching newlines. Python's `re` differs in places, so patterns are
translated first: `\\z`, ASCII-only `\\d \\w \\s`, POSIX classes, `\\Q…\\E`,
inline flags anywhere, `$` meaning end of text. Perl-only syntax that RE2
rejects (look-arounds, back-references, possessive quantifiers) is rejected
here too, so a query valid in Vigil is valid in Prometheus.

An equality matcher against the empty string (`{a=""}`) also matches series
that have no label `a` at all: a missing label reads as "".
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from promql.errors import PromQLError
from promql.labels import METRIC_NAME
from promql.lexer import go_quote

METRIC_NAME_LABEL = "__name__"


class MatchType(enum.Enum):
    """How a matcher compares a label value; the value is the PromQL operator."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"

    def __str__(self) -> str:
        return self.value


class InvalidRegexError(PromQLError, ValueError):
    """A matcher regex that RE2 (and therefore Prometheus) would reject."""


@dataclass(frozen=True)
class Matcher:
    """One label matcher; regexes are compiled once, when the matcher is built."""

    name: str
    type: MatchType
    value: str
    _pattern: re.Pattern[str] | None = field(
        init=False, default=None, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if self.type in (MatchType.REGEX, MatchType.NOT_REGEX):
            object.__setattr__(self, "_pattern", compile_regex(self.value))

    def matches(self, value: str) -> bool:
        """Whether a label value satisfies this matcher ("" stands for a missing label)."""
        if self.type is MatchType.EQUAL:
            return value == self.value
        if self.type is MatchType.NOT_EQUAL:
            return value != self.value
        assert self._pattern is not None
        found = self._pattern.fullmatch(value) is not None
        return found if self.type is MatchType.REGEX else not found

    def __str__(self) -> str:
        name = self.name if _is_plain_label_name(self.name) else go_quote(self.name)
        return f"{name}{self.type.value}{go_quote(self.value)}"


def _is_plain_label_name(name: str) -> bool:
    """Whether the name prints without quotes (the legacy `[a-zA-Z_][a-zA-Z0-9_]*`)."""
    return _LEGACY_LABEL_NAME.fullmatch(name) is not None


_LEGACY_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


@functools.lru_cache(maxsize=4096)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile an RE2 pattern for full-string matching (use `fullmatch`)."""
    translated = translate_re2(pattern)
    try:
        return re.compile(f"(?s:{translated})")
    except re.error as error:
        raise InvalidRegexError(_go_regex_message(error, pattern)) from None
    except (OverflowError, RecursionError):
        raise InvalidRegexError(
            f"error parsing regexp: expression too large: `{pattern}`"
        ) from None


def _go_regex_message(error: re.error, pattern: str) -> str:
    message = str(error.msg)
    for python_text, go_code in _ERROR_CODES:
        if message.startswith(python_text):
            return f"error parsing regexp: {go_code}: `{pattern}`"
    return f"error parsing regexp: {message}: `{pattern}`"


_ERROR_CODES = (
    ("missing ), unterminated subpattern", "missing closing )"),
    ("unbalanced parenthesis", "unexpected )"),
    ("unterminated character set", "missing closing ]"),
    ("nothing to repeat", "missing argument to repetition operator"),
    ("multiple repeat", "invalid nested repetition operator"),
    ("bad escape", "invalid escape sequence"),
    ("bad character range", "invalid character class range"),
    ("min repeat greater than max repeat", "invalid repeat count"),
)

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
# RE2's Perl classes are ASCII-only; Python's are Unicode-aware unless spelled out.
_PERL_CLASSES = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
_GO_ESCAPE_LETTERS = frozenset("aftnrvAbBzdDwWsSxpPQ0123456789")


def translate_re2(pattern: str) -> str:
    """Rewrite an RE2 pattern into an equivalent Python `re` pattern."""
    return _Translator(pattern).run()


@dataclass
class _Group:
    """An open group: how many flag-scoping groups to close with it, and whether `$` is EOL."""

    scoped_flags: int = 0
    multiline: bool = False


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.i = 0
        self.out: list[str] = []
        self.groups: list[_Group] = [_Group()]

    def fail(self, code: str, fragment: str) -> InvalidRegexError:
        return InvalidRegexError(f"error parsing regexp: {code}: `{fragment}`")

    def run(self) -> str:
        while self.i < len(self.src):
            char = self.src[self.i]
            self.i += 1
            if char == "\\":
                self.out.append(self.escape(in_class=False))
            elif char == "[":
                self.char_class()
            elif char == "(":
                self.open_group()
            elif char == ")":
                extra = self.groups.pop().scoped_flags if len(self.groups) > 1 else 0
                self.out.append(")" * (extra + 1))
            elif char == "$":
                self.out.append("$" if self.groups[-1].multiline else r"\Z")
            elif char in "*+?":
                self.out.append(char)
                self.quantifier_suffix(char)
            elif char == "{" and self.src.startswith(",", self.i):
                self.out.append(r"\{")
            else:
                self.out.append(char)
        self.out.append(")" * self.groups[0].scoped_flags)
        return "".join(self.out)

    def quantifier_suffix(self, quantifier: str) -> None:
        following = self.src[self.i : self.i + 1]
        if following == "?":
            self.out.append("?")
            self.i += 1
        elif following in ("+", "*") and following:
            raise self.fail("invalid nested repetition operator", quantifier + following)

    def open_group(self) -> None:
        multiline = self.groups[-1].multiline
        if not self.src.startswith("?", self.i):
            self.groups.append(_Group(multiline=multiline))
            self.out.append("(")
            return
        rest = self.src[self.i + 1 :]
        if rest.startswith("P<") or (rest.startswith("<") and not rest.startswith(("<=", "<!"))):
            self.i += 1 if rest.startswith("P<") else 0
            self.i += 1
            self.groups.append(_Group(multiline=multiline))
            self.out.append("(?P")
            return
        match = re.match(r"([imsU]*)(?:-([imsU]*))?([:)])", rest)
        if match is None or "U" in match.group(0):
            raise self.fail("invalid or unsupported Perl syntax", "(?" + rest[:1])
        on, off, end = match.group(1), match.group(2) or "", match.group(3)
        self.i += 1 + match.end()
        if "m" in on:
            multiline = True
        if "m" in off:
            multiline = False
        flags = on + (f"-{off}" if off else "")
        if end == ":":
            self.groups.append(_Group(multiline=multiline))
            self.out.append(f"(?{flags}:" if flags else "(?:")
        elif flags:  # `(?i)` applies to the rest of the enclosing group: open a scoped group.
            self.groups[-1].scoped_flags += 1
            self.groups[-1].multiline = multiline
            self.out.append(f"(?{flags}:")

    def escape(self, in_class: bool) -> str:
        if self.i >= len(self.src):
            raise self.fail("trailing backslash at end of expression", "")
        char = self.src[self.i]
        self.i += 1
        if char.isascii() and char.isalnum() and char not in _GO_ESCAPE_LETTERS:
            raise self.fail("invalid escape sequence", "\\" + char)
        if char in "123456789" and not in_class:
            raise self.fail("invalid escape sequence", "\\" + char)
        if char == "z":
            return r"\Z"
        if char in "pP":
            raise self.fail("invalid character class range", "\\" + char)
        if char == "Q":
            end = self.src.find("\\E", self.i)
            literal = self.src[self.i :] if end < 0 else self.src[self.i : end]
            self.i = len(self.src) if end < 0 else end + 2
            return re.escape(literal)
        if char == "x" and self.src.startswith("{", self.i):
            end = self.src.find("}", self.i)
            if end < 0:
                raise self.fail("invalid escape sequence", "\\x" + self.src[self.i :])
            code = int(self.src[self.i + 1 : end] or "0", 16)
            self.i = end + 1
            return f"\\U{code:08x}"
        if char.lower() in _PERL_CLASSES:
            body = _PERL_CLASSES[char.lower()]
            if in_class:
                return body if char.islower() else "\\" + char
            return f"[{body}]" if char.islower() else f"[^{body}]"
        return "\\" + char

    def char_class(self) -> None:
        parts = ["["]
        if self.src.startswith("^", self.i):
            parts.append("^")
            self.i += 1
        if self.src.startswith("]", self.i):
            parts.append(r"\]")
            self.i += 1
        while True:
            if self.i >= len(self.src):
                raise self.fail("missing closing ]", self.src)
            char = self.src[self.i]
            self.i += 1
            if char == "]":
                break
            if char == "\\":
                parts.append(self.escape(in_class=True))
            elif char == "[" and self.src.startswith(":", self.i):
                end = self.src.find(":]", self.i)
                name = self.src[self.i + 1 : end] if end >= 0 else ""
                if name not in _POSIX_CLASSES:
                    raise self.fail("invalid character class range", "[:" + name + ":]")
                parts.append(_POSIX_CLASSES[name])
                self.i = end + 2
            elif char in "[&~|":
                parts.append("\\" + char)  # Avoid Python's nested-set warnings.
            else:
                parts.append(char)
        parts.append("]")
        self.out.append("".join(parts))


def ordered_matchers(matchers: Iterable[Matcher]) -> tuple[Matcher, ...]:
    """Matchers in one canonical order: the order they were written in means nothing,
    so selections (and caches keyed by them) compare equal whatever it was."""
    return tuple(sorted(matchers, key=lambda m: (m.name, m.type.value, m.value)))


def required_metric_name(matchers: Iterable[Matcher]) -> str | None:
    """The metric name every matching series has (an ``__name__="x"`` matcher), if any."""
    for matcher in matchers:
        if matcher.name == METRIC_NAME and matcher.type is MatchType.EQUAL:
            return matcher.value
    return None
