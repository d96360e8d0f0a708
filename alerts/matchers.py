"""Alertmanager's label matchers: ``severity="critical"``, ``team=~"a|b"``, ``{a!="x", b=y}``.

Routes, inhibit rules and silences all select alerts this way, so this module
follows ``pkg/labels/parse.go`` (the classic syntax): quotes are optional,
several matchers may share one string, separated by commas, and values use
OpenMetrics escapes (``\\"``, ``\\n``, ``\\\\``). Matching reuses PromQL's
matcher, whose regexes are RE2 anchored at both ends, as Alertmanager's are; a
missing label reads as "".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator

from promql.lexer import go_quote
from promql.matchers import InvalidRegexError, Matcher, MatchType

Matchers = tuple[Matcher, ...]
"""Matchers sorted as Alertmanager sorts them (name, value, type): all must match."""

_MATCHER = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*\Z", re.DOTALL)
_RESERVED = re.compile(r"[\s{}!=~,\\\"'`]")
_TYPE_ORDER = {kind: order for order, kind in enumerate(MatchType)}


class MatcherError(ValueError):
    """A matcher string Alertmanager would reject; the message says which part."""


def sort_matchers(matchers: Iterable[Matcher]) -> Matchers:
    return tuple(sorted(matchers, key=lambda m: (m.name, m.value, _TYPE_ORDER[m.type])))


def _split(text: str) -> list[str]:
    """Split on commas outside double quotes (an escaped quote does not toggle)."""
    tokens: list[str] = []
    token: list[str] = []
    inside = escaped = False
    for char in text:
        if char == "," and not inside:
            tokens.append("".join(token))
            token = []
            continue
        if char == '"':
            if escaped:
                escaped = False
            else:
                inside = not inside
        elif char == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(char)
    last = "".join(token).strip()
    if last:
        tokens.append(last)
    return tokens


def _unescape(raw: str, original: str) -> str:
    quoted = raw.startswith('"')
    if quoted:
        raw = raw[1:]
    value: list[str] = []
    escaped = False
    for index, char in enumerate(raw):
        if escaped:
            escaped = False
            value.append({"n": "\n", '"': '"', "\\": "\\"}.get(char, "\\" + char))
        elif char == "\\":
            if index < len(raw) - 1:
                escaped = True
            else:
                value.append("\\")
        elif char == '"':
            if not quoted or index < len(raw) - 1:
                raise MatcherError(f"matcher value contains unescaped double quote: {original}")
            quoted = False
        else:
            value.append(char)
    if quoted:
        raise MatcherError(f"matcher value contains unescaped double quote: {original}")
    return "".join(value)


def parse_matcher(text: str) -> Matcher:
    """One matcher: ``name`` ``op`` ``value`` with the value optionally quoted."""
    found = _MATCHER.match(text)
    if found is None:
        raise MatcherError(f"bad matcher format: {text}")
    name, operator, raw = found.groups()
    value = _unescape(raw, raw)
    try:
        return Matcher(name, MatchType(operator), value)
    except InvalidRegexError as error:
        raise MatcherError(str(error)) from None


def parse_matchers(text: str) -> Matchers:
    """A comma-separated list, optionally in braces: ``{a="1", b=~"x|y"}`` or ``a=1``."""
    text = text.removeprefix("{").removesuffix("}")
    return sort_matchers(parse_matcher(token) for token in _split(text))


def parse_matcher_lines(lines: Sequence[str]) -> Matchers:
    """A ``matchers:`` list from a config file: each entry may hold several matchers."""
    return sort_matchers(m for line in lines for m in parse_matchers(line))


def matches(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels.get(m.name, "")) for m in matchers)


def matches_empty(matcher: Matcher) -> bool:
    """Whether the matcher selects alerts without the label (silences need one that doesn't)."""
    return matcher.matches("")


def format_matcher(matcher: Matcher) -> str:
    """Alertmanager's Matcher.String(): ``name="value"`` with OpenMetrics escapes."""
    if _RESERVED.search(matcher.name):
        return f"{go_quote(matcher.name)}{matcher.type.value}{go_quote(matcher.value)}"
    value = matcher.value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return f'{matcher.name}{matcher.type.value}"{value}"'


def format_matchers(matchers: Iterable[Matcher]) -> str:
    """Alertmanager's Matchers.String(): ``{a="1",b=~"x"}``, no spaces, as in route keys."""
    return "{" + ",".join(format_matcher(m) for m in matchers) + "}"


def matcher_to_json(matcher: Matcher) -> dict[str, Any]:
    """Alertmanager's API v2 form: name, value, isRegex, isEqual."""
    return {
        "name": matcher.name,
        "value": matcher.value,
        "isRegex": matcher.type in (MatchType.REGEX, MatchType.NOT_REGEX),
        "isEqual": matcher.type in (MatchType.EQUAL, MatchType.REGEX),
    }


def matcher_from_json(data: Mapping[str, Any]) -> Matcher:
    regex, equal = bool(data.get("isRegex", False)), bool(data.get("isEqual", True))
    kind = {
        (False, True): MatchType.EQUAL,
        (False, False): MatchType.NOT_EQUAL,
        (True, True): MatchType.REGEX,
        (True, False): MatchType.NOT_REGEX,
    }[(regex, equal)]
    try:
        return Matcher(str(data["name"]), kind, str(data["value"]))
    except InvalidRegexError as error:
        raise MatcherError(str(error)) from None


def _check_line(line: str) -> str:
    parse_matchers(line)
    return line


MatcherLine = Annotated[str, AfterValidator(_check_line)]
"""A ``matchers:`` entry in a config file, checked when the file is loaded."""
