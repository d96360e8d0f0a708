"""Which of a target's metric metadata changed since the last scrape, so only that is written.

A scrape loop keeps one ``MetadataTracker``: the metadata as last written for
its target. A steady target costs one dict comparison per family per scrape
and no database write; a new or changed family is upserted, a family gone
for more than ``ABSENT_SCRAPES`` successful scrapes is deleted (Prometheus's
scrape cache keeps metadata for 10 scrapes after its metric disappears).
The loop's first scrape replaces whatever the store held for the target, so
families that vanished while the agent was down do not linger.
"""

from __future__ import annotations

from collections.abc import Mapping

from collectors.exposition import MetricMetadata
from store.metadata import MetadataChanges

ABSENT_SCRAPES = 10


class MetadataTracker:
    """The metadata written for one target; ``changes`` updates it as if the write succeeded."""

    def __init__(self) -> None:
        self._known: dict[str, MetricMetadata] = {}
        self._absent: dict[str, int] = {}
        self._fresh = True

    def changes(self, metadata: Mapping[str, MetricMetadata]) -> MetadataChanges | None:
        """What to write after a successful scrape that exposed ``metadata``; None if nothing."""
        known = self._known
        if self._fresh:
            self._fresh = False
            known.update(metadata)
            return MetadataChanges(upserts=dict(metadata), replace_all=True)
        upserts = {name: m for name, m in metadata.items() if known.get(name) != m}
        known.update(upserts)
        deletes: list[str] = []
        if len(known) != len(metadata) or self._absent:
            deletes = self._age_absent(metadata)
        if not upserts and not deletes:
            return None
        return MetadataChanges(upserts=upserts, deletes=deletes)

    def _age_absent(self, metadata: Mapping[str, MetricMetadata]) -> list[str]:
        """Count another scrape without each missing family; the ones too long gone."""
        absent = self._absent
        for name in [name for name in absent if name in metadata]:
            del absent[name]
        deletes = []
        for name in self._known.keys() - metadata.keys():
            absent[name] = count = absent.get(name, 0) + 1
            if count > ABSENT_SCRAPES:
                deletes.append(name)
        for name in deletes:
            del absent[name], self._known[name]
        return sorted(deletes)
