"""Log-derived counters, written as ordinary series so PromQL alerts on them.

Each counter's running value is a ``log_counters`` row, increased in the
transaction that stores the lines counted, then written as a sample: the
series stays monotonic across agent restarts and no line is counted twice.
A new counter first gets a zero sample just before its first value, so
``increase()`` sees the first lines too, as it would for a scraped counter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import Connection, select, update

from promql.labels import Labels
from store.models import LogCounter, table_of
from store.samples import Sample, append_samples
from store.series import SeriesIndex
from store.sqlutil import insert_ignoring_conflicts

COUNTERS = table_of(LogCounter)


def encode_labels(labels: Labels) -> str:
    """A counter's key: its label set as JSON, one canonical text per label set."""
    return json.dumps(labels, separators=(",", ":"))


def decode_labels(text: str) -> Labels:
    return tuple((name, value) for name, value in json.loads(text))


def add_to_counters(
    connection: Connection,
    index: SeriesIndex,
    increments: Mapping[Labels, float],
    now_ms: int,
) -> dict[Labels, float]:
    """Add to each counter and write its new value as a sample; returns the new values."""
    if not increments:
        return {}
    keys = {encode_labels(labels): labels for labels in increments}
    existing = set(
        connection.execute(select(COUNTERS.c.key).where(COUNTERS.c.key.in_(list(keys)))).scalars()
    )
    fresh = [key for key in keys if key not in existing]
    insert_ignoring_conflicts(connection, COUNTERS, [{"key": key, "value": 0.0} for key in fresh])
    for key, labels in keys.items():
        connection.execute(
            update(COUNTERS)
            .where(COUNTERS.c.key == key)
            .values(value=COUNTERS.c.value + increments[labels])
        )
    values = {
        keys[key]: float(value)
        for key, value in connection.execute(
            select(COUNTERS.c.key, COUNTERS.c.value).where(COUNTERS.c.key.in_(list(keys)))
        )
    }
    samples: list[Sample] = [(keys[key], now_ms - 1, 0.0) for key in fresh]
    samples.extend((labels, now_ms, value) for labels, value in values.items())
    append_samples(connection, index, samples)
    return values


def refresh_counters(
    connection: Connection, index: SeriesIndex, names: set[str], source: str, now_ms: int
) -> int:
    """Write every counter of the given metric names and source again at ``now_ms``.

    Lines may stop coming; a counter sampled only when it moves would leave
    ``rate()`` windows empty, so the agent restates them periodically.
    """
    samples: list[Sample] = []
    for key, value in connection.execute(select(COUNTERS.c.key, COUNTERS.c.value)):
        labels = decode_labels(key)
        named = dict(labels)
        if named.get("__name__") in names and named.get("source") == source:
            samples.append((labels, now_ms, float(value)))
    return append_samples(connection, index, samples)
