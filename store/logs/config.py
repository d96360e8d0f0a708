"""The ``logs:`` section of vigil.yml: where lines are stored, for how long, what is counted."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from store.configfile import ByteSize, ConfigModel, Duration
from store.logs.query import QueryError, parse_query

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class ElasticsearchConfig(ConfigModel):
    url: str = "http://127.0.0.1:9200"
    index_prefix: str = "vigil-logs"
    """Lines go to one index a day, ``<prefix>-YYYY.MM.DD``."""
    username: str | None = None
    password: str | None = None
    queue_size: int = Field(default=10_000, gt=0)
    """Lines waiting for a bulk request; a full queue makes writers wait (back-pressure)."""
    bulk_size: int = Field(default=2_000, gt=0)
    retries: int = Field(default=5, ge=0)


class LogCounterConfig(ConfigModel):
    """A counter of lines that match: ``query`` (the log query language) or ``regex``.

    Written as ``name{service=..., <labels>}``, so PromQL can alert on it.
    """

    name: str
    query: str | None = None
    regex: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _metric_name(cls, name: str) -> str:
        if not _METRIC_NAME.match(name):
            raise ValueError(f'"{name}" is not a valid metric name')
        return name

    @field_validator("labels")
    @classmethod
    def _label_names(cls, labels: dict[str, str]) -> dict[str, str]:
        for name in labels:
            if not _LABEL_NAME.match(name) or name.startswith("__"):
                raise ValueError(f'"{name}" is not a valid label name')
        return labels

    @model_validator(mode="after")
    def _one_matcher(self) -> LogCounterConfig:
        if (self.query is None) == (self.regex is None):
            raise ValueError("a log counter needs exactly one of query and regex")
        if self.query is not None:
            try:
                parse_query(self.query)
            except QueryError as error:
                raise ValueError(f"query: {error}") from None
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as error:
                raise ValueError(f"regex: {error}") from None
        return self


class LogsConfig(ConfigModel):
    backend: Literal["sql", "elasticsearch"] = "sql"
    """``sql``: Vigil's own database (FTS5 / PostgreSQL full text); or Elasticsearch."""
    retention: Duration = Field(default=7 * 86400.0, gt=0)
    elasticsearch: ElasticsearchConfig = Field(default_factory=ElasticsearchConfig)
    counters: list[LogCounterConfig] = Field(default_factory=list)
    max_push_bytes: ByteSize = Field(default=10 * 1024**2, gt=0)
    """Largest ``POST /api/v1/logs`` body; a bigger one gets 413."""
    tail_seconds: Duration = Field(default=60.0, gt=0)
    """How long one ``/api/v1/logs/tail`` stream lasts before the client reconnects."""
