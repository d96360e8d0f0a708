"""JSON lines: one object per line; a line that is not an object is kept as its message."""

from __future__ import annotations

import json
import re

from collectors.logs.parsers.base import ParseError


def parse(line: str, pattern: re.Pattern[str] | None = None) -> dict[str, object]:
    try:
        value = json.loads(line)
    except ValueError as error:
        raise ParseError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ParseError("not a JSON object")
    return value
