"""logfmt: ``key=value key2="quoted value" flag``, as Heroku and Go's logfmt write it."""

from __future__ import annotations

import re

from collectors.logs.parsers.base import ParseError

_PAIR = re.compile(r'\s*([^\s=]+)(?:=("(?:[^"\\]|\\.)*"|[^\s]*))?')
_ESCAPE = re.compile(r"\\(.)")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _ESCAPE.sub(
            lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), value[1:-1]
        )
    return value


def parse(line: str, pattern: re.Pattern[str] | None = None) -> dict[str, object]:
    pairs: dict[str, object] = {}
    position = 0
    text = line.rstrip()
    while position < len(text):
        match = _PAIR.match(text, position)
        if match is None or match.end() == position:
            raise ParseError(f"unexpected {text[position]!r} at column {position + 1}")
        key, value = match.group(1), match.group(2)
        pairs[key] = True if value is None else _unquote(value)
        position = match.end()
    if not pairs:
        raise ParseError("no key=value pairs")
    return pairs
