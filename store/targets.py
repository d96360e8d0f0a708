"""Scrape target state: written after every scrape, read by the API and the console."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select, tuple_, update

from promql.labels import Labels
from store.models import ScrapeTarget, table_of
from store.sqlutil import insert_ignoring_conflicts

TARGETS = table_of(ScrapeTarget)


@dataclass(frozen=True)
class TargetInfo:
    job: str
    url: str
    labels: Labels
    scrape_interval_seconds: float
    scrape_timeout_seconds: float


@dataclass(frozen=True)
class TargetStatus:
    job: str
    url: str
    labels: Labels
    health: str
    last_error: str
    last_scrape: float | None
    last_duration_seconds: float | None
    samples_scraped: int
    scrape_interval_seconds: float
    scrape_timeout_seconds: float


def sync_targets(connection: Connection, targets: Sequence[TargetInfo]) -> None:
    """Make the table hold exactly the configured targets, keeping known state."""
    insert_ignoring_conflicts(
        connection,
        TARGETS,
        [
            {
                "job": target.job,
                "url": target.url,
                "labels": json.dumps(target.labels),
                "health": "unknown",
                "last_error": "",
                "samples_scraped": 0,
                "scrape_interval_seconds": target.scrape_interval_seconds,
                "scrape_timeout_seconds": target.scrape_timeout_seconds,
            }
            for target in targets
        ],
    )
    for target in targets:
        connection.execute(
            update(TARGETS)
            .where(TARGETS.c.job == target.job, TARGETS.c.url == target.url)
            .values(
                labels=json.dumps(target.labels),
                scrape_interval_seconds=target.scrape_interval_seconds,
                scrape_timeout_seconds=target.scrape_timeout_seconds,
            )
        )
    keys = [(target.job, target.url) for target in targets]
    stale = delete(TARGETS)
    if keys:
        stale = stale.where(tuple_(TARGETS.c.job, TARGETS.c.url).not_in(keys))
    connection.execute(stale)


def record_scrape(
    connection: Connection,
    *,
    job: str,
    url: str,
    at: float,
    duration_seconds: float,
    error: str | None,
    samples_scraped: int,
) -> None:
    connection.execute(
        update(TARGETS)
        .where(TARGETS.c.job == job, TARGETS.c.url == url)
        .values(
            health="down" if error else "up",
            last_error=error or "",
            last_scrape=at,
            last_duration_seconds=duration_seconds,
            samples_scraped=samples_scraped,
        )
    )


def list_targets(engine: Engine) -> list[TargetStatus]:
    with engine.connect() as connection:
        rows = connection.execute(select(TARGETS).order_by(TARGETS.c.job, TARGETS.c.url))
        return [
            TargetStatus(
                job=row.job,
                url=row.url,
                labels=tuple((name, value) for name, value in json.loads(row.labels)),
                health=row.health,
                last_error=row.last_error,
                last_scrape=row.last_scrape,
                last_duration_seconds=row.last_duration_seconds,
                samples_scraped=row.samples_scraped,
                scrape_interval_seconds=row.scrape_interval_seconds,
                scrape_timeout_seconds=row.scrape_timeout_seconds,
            )
            for row in rows
        ]
