"""Log parsers, one registry: the YAML ``parser:`` key is the module name and the key here."""

from __future__ import annotations

from collectors.logs.parsers import json, logfmt, regex
from collectors.logs.parsers.base import ParseError, Parser

PARSERS: dict[str, Parser] = {
    "json": json.parse,
    "logfmt": logfmt.parse,
    "regex": regex.parse,
}

__all__ = ["PARSERS", "ParseError", "Parser"]
