"""Regular expressions with named groups: each group that matched is a key."""

from __future__ import annotations

import re

from collectors.logs.parsers.base import ParseError


def parse(line: str, pattern: re.Pattern[str] | None = None) -> dict[str, object]:
    if pattern is None:
        raise ParseError("the regex parser needs a pattern")
    match = pattern.search(line)
    if match is None:
        raise ParseError("line does not match the pattern")
    return {key: value for key, value in match.groupdict().items() if value is not None}
