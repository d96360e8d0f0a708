"""The Elasticsearch log store and source, through the official client over real HTTP.

Against ``tests/elasticsearch_server.py`` by default; against a real
Elasticsearch when ``VIGIL_TEST_ELASTICSEARCH_URL`` is set (the tests that
need the stand-in's fault injection are then skipped, with the reason).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from sqlalchemy import Connection, Engine

from collectors.config import LogSourceConfig
from collectors.logs.build import build_source
from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from store.db import open_engine, upgrade
from store.logs.config import ElasticsearchConfig
from store.logs.elasticsearch import ElasticsearchLogStore, index_name
from store.logs.positions import Position, load_positions, save_positions
from store.logs.query import parse_query
from store.logs.record import LogRecord
from tests.elasticsearch_server import FakeElasticsearch, serve_fake_elasticsearch

REAL_URL_ENV = "VIGIL_TEST_ELASTICSEARCH_URL"
T0 = 1_795_327_200_000  # 2026-11-22T06:00:00Z
DAY = 86_400_000


@pytest.fixture
def es() -> Iterator[tuple[str, FakeElasticsearch | None]]:
    real = os.environ.get(REAL_URL_ENV)
    if real:
        yield real, None
        return
    yield from serve_fake_elasticsearch()


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'vigil.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(
    es: tuple[str, FakeElasticsearch | None], sqlite: Engine
) -> Iterator[ElasticsearchLogStore]:
    prefix = f"vigil-test-{uuid.uuid4().hex[:8]}"
    config = ElasticsearchConfig(url=es[0], index_prefix=prefix, bulk_size=3)
    logs = ElasticsearchLogStore(config, sqlite, sleep=lambda _: None)
    yield logs
    logs.client.indices.delete(index=f"{prefix}-*", allow_no_indices=True)


def _refresh(store: ElasticsearchLogStore) -> None:
    store.client.indices.refresh(index=f"{store.prefix}-*")


RECORDS = [
    LogRecord(T0 - DAY, "yesterday's request completed", "gateway", "info", "t0", "f"),
    LogRecord(T0 + 1000, "request completed", "gateway", "info", "t1", "f", {"route": "/a"}),
    LogRecord(T0 + 2000, "upstream call failed: payments", "orders", "error", "t1", "f"),
    LogRecord(T0 + 3000, "slow request", "payments", "warn", "t2", "f", {"route": "/pay"}),
    LogRecord(T0 + 4000, "connection refused by payments-db", "payments", "error", "t3", "f"),
]


def test_it_indexes_daily_through_the_template_and_searches_like_the_sql_store(
    store: ElasticsearchLogStore, sqlite: Engine
) -> None:
    def bookkeeping(connection: Connection) -> None:
        save_positions(connection, "app", {"x.log": Position(1, 99)})

    assert store.append(RECORDS, then=bookkeeping) == 5
    assert load_positions(sqlite, "app") == {"x.log": Position(1, 99)}
    _refresh(store)
    indices = set(store.client.indices.get(index=f"{store.prefix}-*"))
    assert indices == {index_name(store.prefix, T0 - DAY), index_name(store.prefix, T0)}

    def messages(query: str) -> list[str]:
        page = store.search(parse_query(query), start_ms=T0, end_ms=T0 + 10_000, limit=10)
        return [line.record.message for line in page.lines]

    assert messages("request") == ["slow request", "request completed"]
    assert messages('"connection refused"') == ["connection refused by payments-db"]
    assert messages("level>=warn -slow") == [RECORDS[4].message, RECORDS[2].message]
    assert messages("route:/pay OR trace_id:t1") == [r.message for r in RECORDS[3:0:-1]]
    first = store.search(parse_query(""), start_ms=0, end_ms=T0 + 10_000, limit=3)
    second = store.search(
        parse_query(""), start_ms=0, end_ms=T0 + 10_000, limit=3, before=first.next
    )
    assert [line.record for line in first.lines + second.lines] == list(reversed(RECORDS))
    assert second.next is None
    buckets = store.histogram(parse_query(""), start_ms=T0, end_ms=T0 + 9999, step_ms=2000)
    assert buckets == [(T0, 1), (T0 + 2000, 2), (T0 + 4000, 1)]
    assert store.delete_before(T0) == 1
    assert set(store.client.indices.get(index=f"{store.prefix}-*")) == {
        index_name(store.prefix, T0)
    }


def test_it_tails_lines_indexed_after_a_position(store: ElasticsearchLogStore) -> None:
    store.append(RECORDS[:1])
    _refresh(store)
    _, position = store.tail(parse_query(""), after=None, limit=10)
    store.append(RECORDS[1:3])
    _refresh(store)
    lines, position = store.tail(parse_query("failed"), after=position, limit=10)
    assert [line.record.message for line in lines] == [RECORDS[2].message]
    assert store.tail(parse_query(""), after=position, limit=10)[0] == []


def test_it_retries_lines_refused_with_429(
    store: ElasticsearchLogStore, es: tuple[str, FakeElasticsearch | None]
) -> None:
    fake = es[1]
    if fake is None:
        pytest.skip("needs the stand-in server's fault injection, not a real Elasticsearch")
    fake.fail_next_bulk_items = 2
    assert store.append(RECORDS[1:4]) == 3
    assert sum(len(docs) for docs in fake.indices.values()) == 3
    assert [path for _, path in fake.requests].count("_bulk") == 2  # one retry


def test_the_elasticsearch_source_reads_an_existing_index_in_order(
    es: tuple[str, FakeElasticsearch | None],
) -> None:
    index = f"fleet-logs-{uuid.uuid4().hex[:8]}"
    client = Elasticsearch(es[0])
    for n in (3, 1, 2):
        client.index(
            index=index,
            document={"@timestamp": T0 + n, "message": f"line {n}", "service": "api"},
            refresh=True,
        )
    config = LogSourceConfig(name="fleet", type="elasticsearch", url=es[0], index=index)
    source = build_source(config)
    first = source.read({})
    assert [record.message for record in first.records] == ["line 1", "line 2", "line 3"]
    assert source.read(first.positions).records == []
    client.indices.delete(index=index)


def test_the_console_searches_elasticsearch_when_it_is_the_backend(
    es: tuple[str, FakeElasticsearch | None], sqlite: Engine
) -> None:
    prefix = f"vigil-test-{uuid.uuid4().hex[:8]}"
    config = VigilConfig.model_validate(
        {
            "auth": {"anonymous_read": True},
            "logs": {
                "backend": "elasticsearch",
                "elasticsearch": {"url": es[0], "index_prefix": prefix},
            },
        }
    )
    app = create_app(LoadedConfig(config=config), database=sqlite, clock=lambda: T0 / 1000 + 60)
    ElasticsearchLogStore(config.logs.elasticsearch, sqlite).append(RECORDS[1:])
    client = Elasticsearch(es[0])
    client.indices.refresh(index=f"{prefix}-*")
    found = app.test_client().get("/api/v1/logs", query_string={"query": "refused OR slow"})
    assert [line["service"] for line in found.get_json()["data"]["lines"]] == [
        "payments",
        "payments",
    ]
    client.indices.delete(index=f"{prefix}-*")
