"""Metric metadata per scrape target: written when it changes, read by the metadata APIs.

Prometheus keeps ``# TYPE``/``# HELP``/``# UNIT`` in each target's scrape
cache and answers ``/api/v1/metadata`` from the active targets; the console
is another process, so here the metadata lives in ``metric_metadata``, one
row per target and metric family. Scrapes never write it unless something
changed (``collectors.metadata_changes`` decides), and a target's rows go
with it: the foreign key cascades when ``sync_targets`` deletes the target.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Connection, Engine, delete, insert, select

from promql.labels import Labels
from store.models import ScrapeTarget, TargetMetadata, table_of
from store.sqlutil import batched

TARGETS = table_of(ScrapeTarget)
METADATA = table_of(TargetMetadata)


class FamilyMetadata(Protocol):
    """What the exposition said about one metric family (``collectors.exposition``)."""

    @property
    def type(self) -> str: ...
    @property
    def help(self) -> str: ...
    @property
    def unit(self) -> str: ...


@dataclass(frozen=True)
class MetadataChanges:
    """What to write for one target after a scrape."""

    upserts: Mapping[str, FamilyMetadata] = field(default_factory=dict)
    deletes: Collection[str] = ()
    replace_all: bool = False
    """The target's stored rows are replaced by ``upserts`` (a loop's first scrape)."""

    def __bool__(self) -> bool:
        return bool(self.upserts or self.deletes or self.replace_all)


@dataclass(frozen=True)
class TargetMetadataEntry:
    target: Labels
    metric: str
    type: str
    help: str
    unit: str


def write_metadata_changes(
    connection: Connection, *, job: str, url: str, changes: MetadataChanges
) -> None:
    """Apply ``changes`` inside the caller's transaction; a target not registered is skipped."""
    target_id = connection.execute(
        select(TARGETS.c.id).where(TARGETS.c.job == job, TARGETS.c.url == url)
    ).scalar()
    if target_id is None:
        return
    rows = METADATA.c
    if changes.replace_all:
        connection.execute(delete(METADATA).where(rows.target_id == target_id))
    else:
        gone = [*changes.deletes, *changes.upserts]
        for names in batched(gone):
            connection.execute(
                delete(METADATA).where(rows.target_id == target_id, rows.metric.in_(names))
            )
    values = [
        {"target_id": target_id, "metric": name, "type": m.type, "help": m.help, "unit": m.unit}
        for name, m in changes.upserts.items()
    ]
    for chunk in batched(values):
        connection.execute(insert(METADATA), list(chunk))


def list_target_metadata(engine: Engine, metric: str = "") -> list[TargetMetadataEntry]:
    """Every target's metadata (of ``metric`` only, if given), by target, then family."""
    query = (
        select(TARGETS.c.labels, METADATA.c.metric, METADATA.c.type, METADATA.c.help)
        .add_columns(METADATA.c.unit)
        .join(TARGETS, TARGETS.c.id == METADATA.c.target_id)
        .order_by(TARGETS.c.job, TARGETS.c.url, METADATA.c.metric)
    )
    if metric:
        query = query.where(METADATA.c.metric == metric)
    with engine.connect() as connection:
        return [
            TargetMetadataEntry(
                target=tuple((name, value) for name, value in json.loads(row.labels)),
                metric=row.metric,
                type=row.type,
                help=row.help,
                unit=row.unit,
            )
            for row in connection.execute(query)
        ]
