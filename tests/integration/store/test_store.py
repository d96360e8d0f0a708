"""The store on SQLite and on the real PostgreSQL: series, samples and queries."""

from __future__ import annotations

import struct

import numpy as np
from sqlalchemy import Engine, func, select

from promql.labels import Labels, make_labels
from promql.matchers import Matcher, MatchType
from store.db import write_transaction
from store.querier import StoreQuerier
from store.samples import Sample, append_samples
from store.series import PAIRS, POSTINGS, SeriesIndex, merge_postings, select_series

STALE_BITS = 0x7FF0000000000002


def _labels(**pairs: str) -> Labels:
    return make_labels(pairs)


def _write(database: Engine, samples: list[Sample], index: SeriesIndex | None = None) -> None:
    with write_transaction(database) as connection:
        append_samples(connection, index or SeriesIndex(), samples)


def test_it_gives_a_label_set_the_same_id_across_indexes(database: Engine) -> None:
    first, second = SeriesIndex(), SeriesIndex()
    labels = _labels(__name__="up", job="api")
    with write_transaction(database) as connection:
        (a,) = first.ids_for(connection, [labels])
    with write_transaction(database) as connection:
        (b, c) = second.ids_for(connection, [labels, _labels(__name__="up", job="db")])
    assert a == b
    assert c != a


def test_it_round_trips_samples_exactly_including_nan_payloads(database: Engine) -> None:
    stale = struct.unpack("<d", struct.pack("<Q", STALE_BITS))[0]
    series = _labels(__name__="temperature", room="kitchen")
    values = [1.5, -0.0, float("inf"), float("-inf"), float("nan"), stale, 1e-300]
    _write(database, [(series, 1000 * (i + 1), v) for i, v in enumerate(values)])
    (result,) = StoreQuerier(database).select(
        [Matcher("room", MatchType.EQUAL, "kitchen")], 0, 10_000
    )
    assert result.labels == series
    assert result.timestamps.tolist() == [1000, 2000, 3000, 4000, 5000, 6000, 7000]
    written = np.array(values, dtype=np.float64).view(np.uint64)
    assert result.values.view(np.uint64).tolist() == written.tolist()


def test_it_reads_samples_across_batches_in_time_order(database: Engine) -> None:
    series = _labels(__name__="requests_total", job="api")
    index = SeriesIndex()
    _write(database, [(series, 3000, 3.0)], index)
    _write(database, [(series, 1000, 1.0), (series, 2000, 2.0)], index)
    _write(database, [(series, 2000, 20.0)], index)  # rewritten: last write wins
    (result,) = StoreQuerier(database).select(
        [Matcher("__name__", MatchType.EQUAL, "requests_total")], 1500, 3000
    )
    assert result.timestamps.tolist() == [2000, 3000]
    assert result.values.tolist() == [20.0, 3.0]


def test_it_answers_all_four_matchers(database: Engine) -> None:
    index = SeriesIndex()
    samples = [
        (_labels(__name__="http_requests_total", service=name, status=status), 1000, 1.0)
        for name in ("gateway", "orders", "payments")
        for status in ("200", "500")
    ]
    samples.append((_labels(__name__="http_requests_total", status="200"), 1000, 1.0))
    _write(database, samples, index)
    querier = StoreQuerier(database)
    name = Matcher("__name__", MatchType.EQUAL, "http_requests_total")

    def services(*matchers: Matcher) -> list[str]:
        found = querier.select([name, *matchers], 0, 2000)
        return sorted(
            dict(s.labels).get("service", "-") + "/" + dict(s.labels)["status"] for s in found
        )

    assert services(Matcher("service", MatchType.EQUAL, "orders")) == ["orders/200", "orders/500"]
    assert services(Matcher("status", MatchType.NOT_EQUAL, "200")) == [
        "gateway/500",
        "orders/500",
        "payments/500",
    ]
    assert services(
        Matcher("service", MatchType.REGEX, "gate.*|pay.*"),
        Matcher("status", MatchType.EQUAL, "500"),
    ) == [
        "gateway/500",
        "payments/500",
    ]
    assert services(Matcher("service", MatchType.NOT_REGEX, ".+")) == ["-/200"]
    assert services(Matcher("service", MatchType.EQUAL, "")) == ["-/200"]


def test_it_lists_label_names_and_values(database: Engine) -> None:
    _write(
        database,
        [
            (_labels(__name__="up", job="api", instance="a:1"), 1000, 1.0),
            (_labels(__name__="up", job="db", instance="b:1"), 1000, 0.0),
        ],
    )
    querier = StoreQuerier(database)
    assert querier.label_names() == ["__name__", "instance", "job"]
    assert querier.label_values("job") == ["api", "db"]
    assert querier.label_values("instance", [Matcher("job", MatchType.EQUAL, "db")]) == ["b:1"]


def test_it_stores_each_label_pair_once_and_merges_postings_blocks(database: Engine) -> None:
    index = SeriesIndex()
    for target in range(6):  # six transactions: six postings blocks for job=api
        with write_transaction(database) as connection:
            index.ids_for(
                connection,
                [
                    _labels(__name__="up", job="api", instance=f"host{target}:{port}")
                    for port in (1, 2)
                ],
            )
    with database.connect() as connection:
        pairs = connection.execute(select(func.count()).select_from(PAIRS)).scalar_one()
        blocks = connection.execute(
            select(func.count()).select_from(POSTINGS).join(PAIRS).where(PAIRS.c.value == "api")
        ).scalar_one()
    assert pairs == 2 + 12  # __name__=up, job=api, and one instance pair per series
    assert blocks == 6
    with write_transaction(database) as connection:
        assert merge_postings(connection, min_blocks=4) == 2  # __name__=up and job=api
    querier = StoreQuerier(database)
    with database.connect() as connection:
        found = select_series(connection, [Matcher("job", MatchType.EQUAL, "api")])
        assert len(found) == 12
        blocks = connection.execute(select(func.count()).select_from(POSTINGS)).scalar_one()
    assert blocks == 2 + 12
    assert querier.label_values("instance")[:2] == ["host0:1", "host0:2"]


def test_a_rolled_back_series_leaves_no_cached_pair_or_id(database: Engine) -> None:
    index = SeriesIndex()
    labels = _labels(__name__="up", job="ghost")
    with write_transaction(database) as connection:
        index.ids_for(connection, [labels])
        connection.rollback()
    with write_transaction(database) as connection:
        (other,) = index.ids_for(connection, [_labels(__name__="other", job="real")])
        (again,) = index.ids_for(connection, [labels])
    with database.connect() as connection:
        found = dict(select_series(connection, [Matcher("job", MatchType.REGEX, "ghost|real")]))
    assert found == {again: labels, other: _labels(__name__="other", job="real")}
