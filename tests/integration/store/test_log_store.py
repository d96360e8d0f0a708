"""The SQL log store on SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine

from promql.labels import make_labels
from store.logs.backend import Cursor
from store.logs.counters import add_to_counters
from store.logs.positions import Position, load_positions, save_positions
from store.logs.query import parse_query
from store.logs.record import LogRecord
from store.logs.sql import ROWS_PER_STATEMENT, SqlLogStore
from store.samples import read_samples
from store.series import SeriesIndex

T0 = 1_795_327_200_000


def _records() -> list[LogRecord]:
    return [
        LogRecord(T0 + 1000, "request completed", "gateway", "info", "t1", "f", {"route": "/a"}),
        LogRecord(T0 + 2000, "upstream call failed: payments", "orders", "error", "t1", "f"),
        LogRecord(T0 + 3000, "slow request", "payments", "warn", "t2", "f", {"route": "/pay"}),
        LogRecord(T0 + 4000, "connection refused by payments-db", "payments", "error", "t3", "f"),
        LogRecord(T0 + 5000, "refused to start: connection pool", "db", "fatal", "", "f"),
    ]


@pytest.fixture
def logs(database: Engine) -> SqlLogStore:
    store = SqlLogStore(database)
    assert store.append(_records()) == 5
    return store


def _messages(store: SqlLogStore, query: str, limit: int = 100) -> list[str]:
    page = store.search(parse_query(query), start_ms=T0, end_ms=T0 + 10_000, limit=limit)
    return [line.record.message for line in page.lines]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [5, 4, 3, 2, 1]),
        ("request", [3, 1]),
        ('"connection refused"', [4]),
        ("connection refused", [5, 4]),
        ("payments-db", [4]),
        ("level>=error", [5, 4, 2]),
        ("level:warn OR route:/a", [3, 1]),
        ("service:payments NOT slow", [4]),
        ("trace_id:t1 failed", [2]),
        ("(refused OR completed) -pool", [4, 1]),
        ("route:/pay", [3]),
        ("NOT (request OR refused)", [2]),
    ],
)
def test_it_finds_lines_newest_first(logs: SqlLogStore, query: str, expected: list[int]) -> None:
    messages = [record.message for record in _records()]
    assert _messages(logs, query) == [messages[i - 1] for i in expected]


@pytest.mark.parametrize("query", ["request OR refused", "NOT connection", "refused -pool", ""])
def test_searching_the_newest_lines_first_gives_the_same_pages(
    logs: SqlLogStore, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    def pages() -> list[list[str]]:
        found, before = [], None
        while True:
            page = logs.search(
                parse_query(query), start_ms=T0, end_ms=T0 + 10_000, limit=1, before=before
            )
            found.append([line.id for line in page.lines])
            if page.next is None:
                return found
            before = page.next

    everything = pages()
    monkeypatch.setattr("store.logs.sql.NEWEST_FIRST", 2)
    assert pages() == everything


def test_it_pages_with_an_opaque_cursor_and_round_trips_records(logs: SqlLogStore) -> None:
    first = logs.search(parse_query(""), start_ms=T0, end_ms=T0 + 10_000, limit=2)
    assert first.next is not None
    cursor = Cursor.decode(first.next.encode())
    second = logs.search(parse_query(""), start_ms=T0, end_ms=T0 + 10_000, limit=2, before=cursor)
    third = logs.search(
        parse_query(""), start_ms=T0, end_ms=T0 + 10_000, limit=2, before=second.next
    )
    seen = [line.record for page in (first, second, third) for line in page.lines]
    assert seen == list(reversed(_records()))
    assert third.next is None


def test_it_tails_new_lines_after_a_position(logs: SqlLogStore) -> None:
    lines, position = logs.tail(parse_query("refused"), after=None, limit=10)
    assert lines == []
    logs.append([LogRecord(T0 + 6000, "connection refused again", "db", "error")])
    logs.append([LogRecord(T0 + 7000, "unrelated", "db", "info")])
    lines, position = logs.tail(parse_query("refused"), after=position, limit=10)
    assert [line.record.message for line in lines] == ["connection refused again"]
    assert logs.tail(parse_query("refused"), after=position, limit=10)[0] == []


def test_it_counts_matching_lines_per_bucket(logs: SqlLogStore) -> None:
    buckets = logs.histogram(
        parse_query("level>=warn"), start_ms=T0, end_ms=T0 + 9999, step_ms=2000
    )
    assert buckets == [(T0 + 2000, 2), (T0 + 4000, 2)]


def test_retention_deletes_old_lines_from_the_search_index_too(logs: SqlLogStore) -> None:
    assert logs.delete_before(T0 + 3500) == 3
    assert _messages(logs, "request OR refused") == [
        "refused to start: connection pool",
        "connection refused by payments-db",
    ]


def test_positions_and_counters_commit_with_the_lines(database: Engine) -> None:
    store = SqlLogStore(database)
    index = SeriesIndex()
    labels = make_labels({"__name__": "log_messages_total", "service": "db", "level": "error"})

    def bookkeeping(connection: Connection) -> None:
        save_positions(connection, "app", {"/var/log/app.log": Position(42, 1234)})
        add_to_counters(connection, index, {labels: 2.0}, T0)

    store.append(_records()[:2], then=bookkeeping)
    store.append([], then=bookkeeping)
    assert load_positions(database, "app") == {"/var/log/app.log": Position(42, 1234)}
    with database.connect() as connection:
        (series_id,) = index.ids_for(connection, [labels])
        _, values = read_samples(connection, [series_id], T0 - 10, T0 + 10)[series_id]
    assert values.tolist() == [0.0, 4.0]


def test_a_batch_larger_than_one_statement_is_stored_whole_and_searchable(
    database: Engine,
) -> None:
    store = SqlLogStore(database)
    count = ROWS_PER_STATEMENT * 2 + 3  # two full multi-row statements and a short one
    records = [
        LogRecord(T0 + n, f"line {n} {'odd' if n % 2 else 'even'}", "svc", "info", f"t{n}", "f")
        for n in range(count)
    ]
    assert store.append(records) == count
    page = store.search(parse_query(""), start_ms=T0, end_ms=T0 + count, limit=count + 1)
    assert [line.record for line in page.lines] == list(reversed(records))
    odd = store.search(parse_query("odd"), start_ms=T0, end_ms=T0 + count, limit=count)
    assert len(odd.lines) == count // 2
    traced = store.search(
        parse_query(f"trace_id:t{count - 1}"), start_ms=T0, end_ms=T0 + count, limit=10
    )
    assert [line.record.message for line in traced.lines] == [records[-1].message]


def test_a_field_orjson_refuses_is_stored_all_the_same(database: Engine) -> None:
    store = SqlLogStore(database)
    record = LogRecord(T0, "odd field", "svc", "info", "", "f", {"raw": "lone \ud800 surrogate"})
    assert store.append([record]) == 1
    page = store.search(parse_query("odd"), start_ms=T0, end_ms=T0 + 1, limit=10)
    assert [line.record for line in page.lines] == [record]
