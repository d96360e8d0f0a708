"""Errors raised by the PromQL package.

`ParseError` renders exactly like Prometheus's `ParseErr.Error()`
(`1:14: parse error: unexpected right parenthesis ')'`), because users compare
the console's messages with Prometheus's and tools match on them.
"""

from __future__ import annotations


class PromQLError(Exception):
    """Base class of every error the promql package raises, so callers can catch them all."""


class ParseError(PromQLError):
    """A query that does not parse or type-check.

    `start` and `end` are character offsets into `query`; the rendered
    line:column is counted in UTF-8 bytes, as Prometheus counts it.
    """

    def __init__(self, message: str, start: int, end: int, query: str) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.query = query

    @property
    def position(self) -> str:
        """`line:column` of the error's start, 1-based, or Prometheus's placeholder text."""
        if self.query == "":
            return "unknown position"
        if self.start < 0 or self.start > len(self.query):
            return "invalid position"
        before = self.query[: self.start]
        line = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        return f"{line}:{_utf8_length(before[line_start:]) + 1}"

    def __str__(self) -> str:
        return f"{self.position}: parse error: {self.message}"

    def __repr__(self) -> str:
        return f"ParseError({self.message!r}, {self.start}, {self.end})"


def _utf8_length(text: str) -> int:
    """Byte length in UTF-8; a lone surrogate standing for a raw byte counts as one."""
    length = 0
    for char in text:
        code = ord(char)
        if code < 0x80 or 0xDC80 <= code <= 0xDCFF:
            length += 1
        else:
            length += len(char.encode("utf-8", "surrogatepass"))
    return length
