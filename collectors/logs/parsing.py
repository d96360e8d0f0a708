"""A source's parse function: its parser, its labels, and the fallback for foreign lines."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping

from collectors.logs.parsers import PARSERS, ParseError
from collectors.logs.parsers.extract import to_record
from store.logs.record import LogRecord

LineParser = Callable[[str], LogRecord]


def line_parser(
    parser: str,
    *,
    source: str = "",
    labels: Mapping[str, str] | None = None,
    pattern: re.Pattern[str] | None = None,
    clock: Callable[[], float] = time.time,
) -> LineParser:
    """Parse one entry; a line the parser rejects is kept whole as the message."""
    parse = PARSERS[parser]
    fixed = dict(labels or {})

    def parse_line(line: str) -> LogRecord:
        now_ms = int(clock() * 1000)
        try:
            pairs = parse(line, pattern)
        except ParseError:
            pairs = {"message": line}
        return to_record(pairs, now_ms=now_ms, source=source, labels=fixed)

    return parse_line
