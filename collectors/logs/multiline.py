"""Joining multi-line entries: continuation lines (a stack trace) join the line before.

Pure: lines come with the byte offset where they end, entries leave with the
offset where their last line ends, so a source stores offsets only up to
entries it has handed on and a restart re-reads a half-seen entry whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_START = r"^\S"
"""An entry starts at a line that does not begin with white space."""


@dataclass(frozen=True, slots=True)
class Entry:
    text: str
    end: int
    """Byte offset just past the entry's last line."""


def join_lines(lines: Sequence[tuple[str, int]], start: re.Pattern[str] | None) -> list[Entry]:
    """Group lines into entries; with no ``start`` pattern every line is an entry."""
    if start is None:
        return [Entry(text, end) for text, end in lines]
    entries: list[Entry] = []
    group: list[str] = []
    group_end = 0
    for text, end in lines:
        if group and start.search(text):
            entries.append(Entry("\n".join(group), group_end))
            group = []
        group.append(text)
        group_end = end
    if group:
        entries.append(Entry("\n".join(group), group_end))
    return entries
