"""Lines in Elasticsearch, through the official client: daily indices, bulk with retry.

An index template (``<prefix>-template``) maps every daily index
``<prefix>-YYYY.MM.DD``: keywords for service, level, trace id, source and
extracted fields, text for the message. Writers hand batches to one bulk
thread through a bounded queue: when Elasticsearch falls behind the queue
fills and writers wait (back-pressure) instead of growing memory. A bulk
item refused with 429 or 5xx is retried with exponential back-off. A writer
returns once its lines are indexed; its bookkeeping (positions, counters)
then commits in SQL. A crash between the two re-sends lines on restart:
this path is at-least-once, where the SQL store is exactly-once.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch
from sqlalchemy import Engine

from store.db import write_transaction
from store.logs.backend import Bookkeeping, Cursor, Page
from store.logs.config import ElasticsearchConfig
from store.logs.query import Node
from store.logs.query_es import compile_es
from store.logs.record import LogRecord, StoredLine

RETRYABLE = frozenset({429, 500, 502, 503, 504})
FIRST_BACKOFF_SECONDS = 0.1


class ElasticsearchError(Exception):
    """Lines Elasticsearch would not take after every retry."""


def index_name(prefix: str, timestamp_ms: int) -> str:
    return f"{prefix}-{datetime.fromtimestamp(timestamp_ms / 1000, UTC):%Y.%m.%d}"


def index_template(prefix: str) -> dict[str, Any]:
    keyword = {"type": "keyword"}
    return {
        "index_patterns": [f"{prefix}-*"],
        "template": {
            "mappings": {
                "dynamic_templates": [
                    {"fields_as_keywords": {"path_match": "fields.*", "mapping": keyword}}
                ],
                "properties": {
                    "@timestamp": {"type": "date", "format": "epoch_millis"},
                    "seq": {"type": "long"},
                    "service": keyword,
                    "level": keyword,
                    "trace_id": keyword,
                    "source": keyword,
                    "message": {"type": "text"},
                    "fields": {"type": "object"},
                },
            }
        },
    }


def document(record: LogRecord, seq: int) -> dict[str, Any]:
    return {
        "@timestamp": record.timestamp_ms,
        "seq": seq,
        "service": record.service,
        "level": record.level,
        "trace_id": record.trace_id,
        "source": record.source,
        "message": record.message,
        "fields": record.fields,
    }


def _line(hit: dict[str, Any]) -> StoredLine:
    source = hit["_source"]
    return StoredLine(
        str(source["seq"]),
        LogRecord(
            timestamp_ms=int(source["@timestamp"]),
            message=source.get("message", ""),
            service=source.get("service", ""),
            level=source.get("level", "info"),
            trace_id=source.get("trace_id", ""),
            source=source.get("source", ""),
            fields=dict(source.get("fields") or {}),
        ),
    )


@dataclass
class _Batch:
    actions: list[tuple[str, dict[str, Any]]]
    done: threading.Event = field(default_factory=threading.Event)
    error: str = ""


class ElasticsearchLogStore:
    def __init__(
        self,
        config: ElasticsearchConfig,
        database: Engine,
        *,
        client: Elasticsearch | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        auth = (config.username, config.password or "") if config.username else None
        self.client = client or Elasticsearch(config.url, basic_auth=auth, request_timeout=30)
        self.config = config
        self.database = database
        self.prefix = config.index_prefix
        self.sleep = sleep
        self._queue: queue.Queue[_Batch] = queue.Queue(maxsize=max(1, config.queue_size // 100))
        self._seq = itertools.count(time.time_ns())
        self._seq_lock = threading.Lock()
        self._template_ready = False
        self._thread = threading.Thread(target=self._run, name="vigil-es-bulk", daemon=True)
        self._thread.start()

    # -- writing

    def ensure_template(self) -> None:
        if not self._template_ready:
            template = index_template(self.prefix)
            self.client.indices.put_index_template(
                name=f"{self.prefix}-template",
                index_patterns=template["index_patterns"],
                template=template["template"],
            )
            self._template_ready = True

    def append(self, records: Sequence[LogRecord], *, then: Bookkeeping | None = None) -> int:
        if records:
            self.ensure_template()
            with self._seq_lock:
                seqs = [next(self._seq) for _ in records]
            actions = [
                (index_name(self.prefix, record.timestamp_ms), document(record, seq))
                for record, seq in zip(records, seqs, strict=True)
            ]
            batches = [
                _Batch(actions[i : i + self.config.bulk_size])
                for i in range(0, len(actions), self.config.bulk_size)
            ]
            for batch in batches:
                self._queue.put(batch)  # blocks when the bulk thread is behind
            for batch in batches:
                batch.done.wait()
                if batch.error:
                    raise ElasticsearchError(batch.error)
        if then is not None:
            with write_transaction(self.database) as connection:
                then(connection)
        return len(records)

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                self._index(batch.actions)
            except Exception as error:  # recorded for the writer, which raises it
                batch.error = str(error)
            finally:
                batch.done.set()

    def _index(self, actions: list[tuple[str, dict[str, Any]]]) -> None:
        pending = [(index, str(uuid.uuid4()), doc) for index, doc in actions]
        delay = FIRST_BACKOFF_SECONDS
        for attempt in range(self.config.retries + 1):
            operations: list[dict[str, Any]] = []
            for index, doc_id, doc in pending:
                operations.append({"index": {"_index": index, "_id": doc_id}})
                operations.append(doc)
            response = self.client.bulk(operations=operations)
            if not response.get("errors"):
                return
            retry, failed = [], []
            for item, action in zip(response["items"], pending, strict=True):
                result = item.get("index") or item.get("create") or {}
                status = int(result.get("status", 200))
                if status in RETRYABLE:
                    retry.append(action)
                elif status >= 300:
                    failed.append(f"{action[0]}: {result.get('error')}")
            if failed:
                raise ElasticsearchError(f"{len(failed)} lines refused: {failed[0]}")
            if not retry:
                return
            pending = retry
            if attempt < self.config.retries:
                self.sleep(delay)
                delay *= 2
        raise ElasticsearchError(f"{len(pending)} lines not indexed after retries")

    # -- reading

    def _search(self, **kwargs: Any) -> dict[str, Any]:
        response = self.client.search(
            index=f"{self.prefix}-*", ignore_unavailable=True, allow_no_indices=True, **kwargs
        )
        return dict(response.body)

    def search(
        self,
        query: Node,
        *,
        start_ms: int,
        end_ms: int,
        limit: int,
        before: Cursor | None = None,
    ) -> Page:
        extra: dict[str, Any] = {}
        if before is not None:
            extra["search_after"] = [before.timestamp_ms, int(before.id)]
        response = self._search(
            query={
                "bool": {
                    "filter": [
                        {"range": {"@timestamp": {"gte": start_ms, "lte": end_ms}}},
                        compile_es(query),
                    ]
                }
            },
            sort=[{"@timestamp": "desc"}, {"seq": "desc"}],
            size=limit + 1,
            **extra,
        )
        lines = [_line(hit) for hit in response["hits"]["hits"]]
        return Page.of(lines, limit)

    def tail(self, query: Node, *, after: str | None, limit: int) -> tuple[list[StoredLine], str]:
        if after is None:
            response = self._search(size=0, aggs={"newest": {"max": {"field": "seq"}}})
            newest = response.get("aggregations", {}).get("newest", {}).get("value")
            return [], str(int(newest or 0))
        response = self._search(
            query={"bool": {"filter": [{"range": {"seq": {"gt": int(after)}}}, compile_es(query)]}},
            sort=[{"seq": "asc"}],
            size=limit,
        )
        lines = [_line(hit) for hit in response["hits"]["hits"]]
        return lines, lines[-1].id if lines else after

    def histogram(
        self, query: Node, *, start_ms: int, end_ms: int, step_ms: int
    ) -> list[tuple[int, int]]:
        response = self._search(
            size=0,
            query={
                "bool": {
                    "filter": [
                        {"range": {"@timestamp": {"gte": start_ms, "lte": end_ms}}},
                        compile_es(query),
                    ]
                }
            },
            aggs={
                "volume": {
                    "date_histogram": {
                        "field": "@timestamp",
                        "fixed_interval": f"{step_ms}ms",
                        "offset": f"{start_ms % step_ms}ms",
                        "min_doc_count": 1,
                    }
                }
            },
        )
        buckets = response.get("aggregations", {}).get("volume", {}).get("buckets", [])
        return [(int(bucket["key"]), int(bucket["doc_count"])) for bucket in buckets]

    def delete_before(self, cutoff_ms: int) -> int:
        """Drops whole daily indices whose day ended before the cut-off; returns how many."""
        names = self.client.indices.get(index=f"{self.prefix}-*", allow_no_indices=True)
        cutoff_day = index_name(self.prefix, cutoff_ms)
        old = sorted(name for name in names if name < cutoff_day)
        for name in old:
            self.client.indices.delete(index=name)
        return len(old)
