"""The series part of an exposition line: ``name{label="value",...}``.

Both text formats share this grammar; the Prometheus text format allows blanks
between tokens, OpenMetrics allows none (``strict``). This is the slow path:
the line parsers cache its result per series text, so it runs once per series,
not once per sample.
"""

from __future__ import annotations

import re
from itertools import pairwise

from promql.labels import METRIC_NAME, Labels

METRIC_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# Prometheus unescapes only these three in label values; any other escaped
# character keeps its backslash.
_LABEL_ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}
_BLANKS = " \t"
_PAIR = r'[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"'
# The common shape, no blanks and no escapes, matched in one go.
_PLAIN_SERIES = re.compile(rf"([a-zA-Z_:][a-zA-Z0-9_:]*)\{{((?:{_PAIR}(?:,{_PAIR})*,?)?)\}}")
_PLAIN_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"\\]*)"')


class ExpositionError(ValueError):
    """An exposition that cannot be used; the message starts with ``line N:``."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.reason = message
        super().__init__(f"line {line}: {message}")


def unescape_label_value(raw: str) -> str:
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(lambda m: _LABEL_ESCAPES.get(m.group(1), m.group(0)), raw)


def check_metric_name(name: str, line: int) -> str:
    if METRIC_NAME_RE.fullmatch(name) is None:
        raise ExpositionError(line, f"invalid metric name {name!r}")
    return name


def metric_labels(name: str, line: int) -> Labels:
    """The label set of a sample without labels, its name checked."""
    return ((METRIC_NAME, check_metric_name(name, line)),)


def parse_series(text: str, line: int, *, strict: bool) -> tuple[Labels, int]:
    """Parse ``name`` or ``name{...}`` at the start of ``text``.

    Returns the canonical label set and the index just past the series, where
    the value should follow. Empty label values are dropped, as Prometheus does.
    """
    plain = _PLAIN_SERIES.match(text)
    if plain is not None:
        pairs: list[tuple[str, str]] = _PLAIN_PAIR.findall(plain.group(2))
        pairs.append((METRIC_NAME, plain.group(1)))
        return canonical(pairs, line), plain.end()
    pos = 0 if strict else _skip_blanks(text, 0)
    match = METRIC_NAME_RE.match(text, pos)
    if match is None:
        raise ExpositionError(line, f"invalid metric name {_token(text, pos)!r}")
    name = match.group()
    pos = match.end()
    after_name = pos if strict else _skip_blanks(text, pos)
    if after_name >= len(text) or text[after_name] != "{":
        return ((METRIC_NAME, name),), pos
    pairs, pos = parse_label_pairs(text, after_name + 1, line, strict=strict)
    pairs.append((METRIC_NAME, name))
    return canonical(pairs, line), pos


def parse_label_pairs(
    text: str, pos: int, line: int, *, strict: bool
) -> tuple[list[tuple[str, str]], int]:
    """Parse ``label="value",...}`` from just after ``{``; returns the pairs and the
    index after ``}``."""
    pairs: list[tuple[str, str]] = []
    end = len(text)
    while True:
        if not strict:
            pos = _skip_blanks(text, pos)
        if pos < end and text[pos] == "}":
            return pairs, pos + 1
        match = LABEL_NAME_RE.match(text, pos)
        if match is None:
            raise ExpositionError(line, f"expected label name, got {_token(text, pos)!r}")
        label = match.group()
        pos = match.end() if strict else _skip_blanks(text, match.end())
        if pos >= end or text[pos] != "=":
            raise ExpositionError(line, f"expected '=' after label name {label!r}")
        pos = pos + 1 if strict else _skip_blanks(text, pos + 1)
        if pos >= end or text[pos] != '"':
            raise ExpositionError(line, f"expected label value in quotes for {label!r}")
        close = _closing_quote(text, pos + 1)
        if close < 0:
            raise ExpositionError(line, f"unterminated label value for {label!r}")
        pairs.append((label, unescape_label_value(text[pos + 1 : close])))
        pos = close + 1 if strict else _skip_blanks(text, close + 1)
        if pos < end and text[pos] == ",":
            pos += 1
        elif pos >= end or text[pos] != "}":
            raise ExpositionError(line, f"expected ',' or '}}' after the value of {label!r}")


def canonical(pairs: list[tuple[str, str]], line: int) -> Labels:
    """Sorted, duplicate-free, without empty values."""
    pairs.sort()
    names = dict(pairs)
    if len(names) != len(pairs):
        duplicate = next(a for (a, _), (b, _) in pairwise(pairs) if a == b)
        raise ExpositionError(line, f"duplicate label name {duplicate!r}")
    if "" in names.values():
        return tuple(pair for pair in pairs if pair[1] != "")
    return tuple(pairs)


def _closing_quote(text: str, pos: int) -> int:
    """Index of the quote ending a value that starts at ``pos``, or -1."""
    while True:
        quote = text.find('"', pos)
        if quote < 0:
            return -1
        backslashes = 0
        before = quote - 1
        while before >= pos and text[before] == "\\":
            backslashes += 1
            before -= 1
        if backslashes % 2 == 0:
            return quote
        pos = quote + 1


def _skip_blanks(text: str, pos: int) -> int:
    end = len(text)
    while pos < end and text[pos] in _BLANKS:
        pos += 1
    return pos


def _token(text: str, pos: int) -> str:
    """The text at ``pos``, for error messages."""
    return text[pos : pos + 30]
