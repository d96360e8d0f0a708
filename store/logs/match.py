"""Evaluating a query on one record in memory: the tail of pushed lines and pattern counters.

Words are split as SQLite FTS5's unicode61 tokenizer and PostgreSQL's
``simple`` configuration split them (runs of letters and digits, folded to
lower case), so a query selects the same lines here as in the store.
"""

from __future__ import annotations

import re

from store.logs.query import And, Field, MatchAll, Node, Or, Text, levels_matching
from store.logs.record import LogRecord

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _contains(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return False
    width = len(needle)
    first = needle[0]
    return any(
        haystack[i : i + width] == needle
        for i, word in enumerate(haystack[: len(haystack) - width + 1])
        if word == first
    )


def _field_value(record: LogRecord, name: str) -> str | None:
    if name == "service":
        return record.service
    if name == "trace_id":
        return record.trace_id
    if name == "source":
        return record.source
    return record.fields.get(name)


def matches(node: Node, record: LogRecord, message_words: list[str] | None = None) -> bool:
    """Whether the record satisfies the query."""
    if message_words is None:
        message_words = words(record.message)
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, Text):
        return _contains(message_words, words(node.text))
    if isinstance(node, Field):
        if node.name == "level":
            return record.level in levels_matching(node.op, node.value)
        return _field_value(record, node.name) == node.value
    if isinstance(node, And):
        return all(matches(item, record, message_words) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, record, message_words) for item in node.items)
    return not matches(node.item, record, message_words)

