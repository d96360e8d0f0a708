"""The engine's Querier over the SQL store."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select

from promql.matchers import Matcher
from promql.querier import SeriesData
from store.models import SeriesLabel
from store.samples import read_samples
from store.series import POSTINGS, select_series


class StoreQuerier:
    """Reads series and samples for PromQL evaluation, in one read transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def select(self, matchers: Sequence[Matcher], start_ms: int, end_ms: int) -> list[SeriesData]:
        with self._engine.connect() as connection:
            series = select_series(connection, matchers)
            samples = read_samples(
                connection, [series_id for series_id, _ in series], start_ms, end_ms
            )
        result = []
        for series_id, labels in sorted(series, key=lambda item: item[1]):
            if series_id in samples:
                timestamps, values = samples[series_id]
                result.append(SeriesData(labels, timestamps, values))
        return result

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        with self._engine.connect() as connection:
            if not matchers:
                return list(
                    connection.execute(
                        select(POSTINGS.c.name).distinct().order_by(POSTINGS.c.name)
                    ).scalars()
                )
            names = {
                name for _, labels in select_series(connection, matchers) for name, _ in labels
            }
        return sorted(names)

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        with self._engine.connect() as connection:
            if not matchers:
                return list(
                    connection.execute(
                        select(SeriesLabel.value)
                        .where(SeriesLabel.name == name)
                        .distinct()
                        .order_by(SeriesLabel.value)
                    ).scalars()
                )
            values = {
                dict(labels).get(name, "") for _, labels in select_series(connection, matchers)
            }
        return sorted(value for value in values if value)
