"""JSON lines: one object per line; a line that is not an object is kept as its message.

orjson decodes a line about four times faster than the standard library
(the largest single cost of ingesting JSON lines). What it rejects but the
standard library accepts (NaN, Infinity) goes to ``json``, and so does a line
with a top-level number beyond 64 bits, which orjson reads as a float: the
field keeps every digit, as before. (Such numbers nested deeper still come
out as floats.)
"""

from __future__ import annotations

import json
import re

import orjson

from collectors.logs.parsers.base import ParseError

_EXACT = float(2**63)
"""orjson gives an int for any integer in (-2**63, 2**64); beyond that, a float."""


def parse(line: str, pattern: re.Pattern[str] | None = None) -> dict[str, object]:
    try:
        value = orjson.loads(line)
        if type(value) is dict:
            for item in value.values():  # a loop, not any(): this runs for every line
                if type(item) is float and not -_EXACT < item < _EXACT:
                    value = json.loads(line)
                    break
    except orjson.JSONDecodeError:
        try:
            value = json.loads(line)
        except ValueError as error:
            raise ParseError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ParseError("not a JSON object")
    return value
