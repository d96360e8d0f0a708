"""What a parser is: a pure function from one (joined) line to key-value pairs."""

from __future__ import annotations

import re
from typing import Protocol


class ParseError(ValueError):
    """The line is not in the parser's format; the pipeline keeps it as a plain message."""


class Parser(Protocol):
    def __call__(self, line: str, pattern: re.Pattern[str] | None = None) -> dict[str, object]: ...
