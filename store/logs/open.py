"""Opening the configured log store: Vigil's own database, or Elasticsearch."""

from __future__ import annotations

from sqlalchemy import Engine

from store.logs.backend import LogStore
from store.logs.config import LogsConfig
from store.logs.sql import SqlLogStore


def open_log_store(config: LogsConfig, database: Engine) -> LogStore:
    """The store lines go to; bookkeeping (positions, counters) always stays in ``database``."""
    if config.backend == "elasticsearch":
        from store.logs.elasticsearch import ElasticsearchLogStore

        return ElasticsearchLogStore(config.elasticsearch, database)
    return SqlLogStore(database)
