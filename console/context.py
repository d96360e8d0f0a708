"""What request handlers need, built once per app and reached through ``current()``."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Engine

from console.config import LoadedConfig
from promql.engine import Engine as QueryEngine
from store.datasources import Datasource
from store.querier import StoreQuerier


@dataclass
class ConsoleContext:
    loaded: LoadedConfig
    database: Engine
    querier: StoreQuerier
    query_engine: QueryEngine
    datasources: Mapping[str, Datasource] = field(default_factory=dict)
    """By name: ``vigil`` (this store) and those configured under ``datasources:``."""
    clock: Callable[[], float] = time.time


EXTENSION_KEY = "vigil"


def current() -> ConsoleContext:
    context: ConsoleContext = current_app.extensions[EXTENSION_KEY]
    return context
