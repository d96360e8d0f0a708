"""The engine's Querier over the SQL store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sqlalchemy import Connection, Engine, func, select

from promql.labels import Labels
from promql.matchers import Matcher
from promql.querier import SeriesData, Timestamps, Values, clip
from promql.selections import Selection
from store.headcache import HeadCache
from store.samples import BATCHES, CHUNKS, read_samples, unpack_array
from store.selectcache import SelectCache
from store.series import PAIRS, LabelPairs, all_series, select_series


class StoreQuerier:
    """Reads series and samples for PromQL evaluation, in one read transaction per call."""

    def __init__(
        self,
        engine: Engine,
        head_cache: HeadCache | None = None,
        select_cache: SelectCache | None = None,
    ) -> None:
        self._engine = engine
        self._head_cache = head_cache if head_cache is not None else HeadCache()
        self._select_cache = select_cache if select_cache is not None else SelectCache()
        self._pairs = LabelPairs()

    def select(self, matchers: Sequence[Matcher], start_ms: int, end_ms: int) -> list[SeriesData]:
        answer = self._select([Selection.of(matchers, start_ms, end_ms)], max_series=None)[0]
        assert answer is not None  # no budget: every selection is read
        return answer

    def resolve(self, matcher_sets: Sequence[tuple[Matcher, ...]]) -> None:
        """Put the series of these matcher sets in the select cache, in one index read."""
        with self._engine.connect() as connection:
            self._select_cache.select_many(connection, matcher_sets, self._pairs)

    def select_many(self, selections: Sequence[Selection]) -> list[list[SeriesData] | None]:
        """Each selection's answer, with the samples of selections whose windows lie
        close together read in one query over the union of their series.

        Selections beyond ``PREFETCH_MAX_SERIES`` series in all are not read (None):
        their own selects read them one at a time, as the evaluation reaches them.
        """
        return self._select(selections, max_series=PREFETCH_MAX_SERIES)

    def _select(
        self, selections: Sequence[Selection], *, max_series: int | None
    ) -> list[list[SeriesData] | None]:
        answers: list[list[SeriesData] | None] = [None for _ in selections]
        with self._engine.connect() as connection:
            matcher_sets = list(dict.fromkeys(selection.matchers for selection in selections))
            series = dict(
                zip(
                    matcher_sets,
                    self._select_cache.select_many(connection, matcher_sets, self._pairs),
                    strict=True,
                )
            )
            chosen = _within_budget(selections, series, max_series)
            for members in _reads(selections, chosen):
                wanted = {
                    series_id
                    for index in members
                    for series_id, _ in series[selections[index].matchers]
                }
                start = min(selections[index].start_ms for index in members)
                end = max(selections[index].end_ms for index in members)
                samples = read_samples(connection, list(wanted), start, end, self._head_cache)
                for index in members:
                    answers[index] = _answer(
                        series[selections[index].matchers], samples, selections[index]
                    )
        return answers

    def label_names(
        self,
        matchers: Sequence[Matcher] = (),
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[str]:
        """Label names of the matching series; with a window, of those with data in it.

        The window works as Prometheus's does, at storage granularity: a series
        counts if one of its chunks (or a head sample) lies in the window.
        """
        with self._engine.connect() as connection:
            window = _ids_in_window(connection, start_ms, end_ms)
            if not matchers and window is None:
                return list(
                    connection.execute(
                        select(PAIRS.c.name).distinct().order_by(PAIRS.c.name)
                    ).scalars()
                )
            names = {
                name
                for _, labels in _series(connection, matchers, window, self._pairs)
                for name, _ in labels
            }
        return sorted(names)

    def label_values(
        self,
        name: str,
        matchers: Sequence[Matcher] = (),
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[str]:
        """Values of one label among the matching series (with data in the window, if given)."""
        with self._engine.connect() as connection:
            window = _ids_in_window(connection, start_ms, end_ms)
            if not matchers and window is None:
                return list(
                    connection.execute(
                        select(PAIRS.c.value).where(PAIRS.c.name == name).order_by(PAIRS.c.value)
                    ).scalars()
                )
            values = {
                dict(labels).get(name, "")
                for _, labels in _series(connection, matchers, window, self._pairs)
            }
        return sorted(value for value in values if value)


PREFETCH_MAX_SERIES = 50_000
"""Series a batch of selections may read ahead in all: about 40 MB at 30 minutes of
15-s samples each; what a group selects beyond that is read as it is needed."""


def _within_budget(
    selections: Sequence[Selection],
    series: Mapping[tuple[Matcher, ...], list[tuple[int, Labels]]],
    max_series: int | None,
) -> list[int]:
    """Indices of the selections to read now, in order, within ``max_series`` in all."""
    if max_series is None:
        return list(range(len(selections)))
    chosen: list[int] = []
    held: set[int] = set()
    for index, selection in enumerate(selections):
        new = {series_id for series_id, _ in series[selection.matchers]} - held
        if len(held) + len(new) <= max_series:
            held |= new
            chosen.append(index)
    return chosen


READ_SPAN_MS = 3_600_000
"""Selections are read together while the union of their windows spans at most this
(an hour: a rule group's ranges and offsets); a wider window is read on its own."""


def _reads(selections: Sequence[Selection], chosen: Sequence[int]) -> list[list[int]]:
    """The ``chosen`` indices of the selections, in sets whose samples are read in one query."""
    order = sorted(chosen, key=lambda i: selections[i].start_ms)
    reads: list[list[int]] = []
    start = end = 0
    for index in order:
        selection = selections[index]
        joined = max(end, selection.end_ms) - start
        if reads and joined <= READ_SPAN_MS:
            reads[-1].append(index)
            end = max(end, selection.end_ms)
        else:
            reads.append([index])
            start, end = selection.start_ms, selection.end_ms
    return reads


def _answer(
    series: list[tuple[int, Labels]],
    samples: dict[int, tuple[Timestamps, Values]],
    selection: Selection,
) -> list[SeriesData]:
    """The selection's series, by labels, with their samples in its window."""
    answer = []
    for series_id, labels in sorted(series, key=lambda item: item[1]):
        if series_id in samples:
            clipped = clip(SeriesData(labels, *samples[series_id]), *selection.window)
            if clipped is not None:
                answer.append(clipped)
    return answer


def _series(
    connection: Connection,
    matchers: Sequence[Matcher],
    window: set[int] | None,
    pairs: LabelPairs,
) -> list[tuple[int, Labels]]:
    found = (
        select_series(connection, matchers, pairs) if matchers else all_series(connection, pairs)
    )
    return found if window is None else [item for item in found if item[0] in window]


def _ids_in_window(
    connection: Connection, start_ms: int | None, end_ms: int | None
) -> set[int] | None:
    """Series with a chunk or head sample in [start_ms, end_ms]; None if that is every series."""
    if start_ms is None and end_ms is None:
        return None
    start = -(2**63) if start_ms is None else start_ms
    end = 2**63 - 1 if end_ms is None else end_ms
    bounds = [
        connection.execute(select(func.min(table.c.min_time), func.max(table.c.max_time))).one()
        for table in (CHUNKS, BATCHES)
    ]
    lows = [low for low, _ in bounds if low is not None]
    highs = [high for _, high in bounds if high is not None]
    if lows and start <= min(lows) and end >= max(highs):
        return None
    ids: set[int] = set(
        connection.execute(
            select(CHUNKS.c.series_id)
            .where(CHUNKS.c.max_time >= start, CHUNKS.c.min_time <= end)
            .distinct()
        ).scalars()
    )
    for packed_ids, packed_ts in connection.execute(
        select(BATCHES.c.series_ids, BATCHES.c.timestamps).where(
            BATCHES.c.max_time >= start, BATCHES.c.min_time <= end
        )
    ):
        ts = unpack_array(packed_ts, np.int64)
        inside = (ts >= start) & (ts <= end)
        ids.update(unpack_array(packed_ids, np.int64)[inside].tolist())
    return ids
