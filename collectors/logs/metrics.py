"""Counting lines into metrics: ``log_messages_total`` and the configured pattern counters.

Pure: records in, increments per label set out; ``store.logs.counters``
adds them to the stored running values in the lines' transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from promql.labels import Labels, make_labels
from store.logs.config import LogCounterConfig
from store.logs.match import matches, words
from store.logs.query import Node, parse_query
from store.logs.record import LogRecord

MESSAGES_TOTAL = "log_messages_total"
PUSH_SOURCE = "push"
"""The source of lines pushed to ``POST /api/v1/logs``."""


@dataclass(frozen=True)
class CounterRule:
    name: str
    labels: dict[str, str]
    query: Node | None = None
    regex: re.Pattern[str] | None = None

    @classmethod
    def of(cls, config: LogCounterConfig) -> CounterRule:
        return cls(
            config.name,
            dict(config.labels),
            parse_query(config.query) if config.query is not None else None,
            re.compile(config.regex) if config.regex is not None else None,
        )

    def is_match(self, record: LogRecord, message_words: list[str]) -> bool:
        if self.regex is not None:
            return self.regex.search(record.message) is not None
        assert self.query is not None
        return matches(self.query, record, message_words)


def count_lines(
    records: Sequence[LogRecord], rules: Sequence[CounterRule], source: str
) -> dict[Labels, float]:
    """Increments: every line per (source, service, level), and each rule's matches."""
    totals: dict[tuple[str, str], int] = {}
    for record in records:
        key = (record.service, record.level)
        totals[key] = totals.get(key, 0) + 1
    increments: dict[Labels, float] = {
        make_labels(
            {"__name__": MESSAGES_TOTAL, "source": source, "service": service, "level": level}
        ): float(count)
        for (service, level), count in totals.items()
    }
    for rule in rules:
        counts: dict[str, int] = {}
        for record in records:
            if rule.is_match(record, words(record.message) if rule.query else []):
                counts[record.service] = counts.get(record.service, 0) + 1
        for service, count in counts.items():
            labels = make_labels(
                {**rule.labels, "__name__": rule.name, "source": source, "service": service}
            )
            increments[labels] = increments.get(labels, 0.0) + count
    return increments
