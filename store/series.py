"""The series index: label sets to series ids, and matchers to series via postings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, select

from promql.labels import Labels, fingerprint
from promql.matchers import Matcher, MatchType
from store.models import Series, SeriesLabel, table_of
from store.sqlutil import batched, insert_ignoring_conflicts

SERIES = table_of(Series)
POSTINGS = table_of(SeriesLabel)


def encode_labels(labels: Labels) -> str:
    return json.dumps(labels, separators=(",", ":"))


def decode_labels(text: str) -> Labels:
    return tuple((name, value) for name, value in json.loads(text))


class SeriesIndex:
    """Finds or creates series ids; ids never change, so they are cached in process."""

    def __init__(self) -> None:
        self._ids: dict[Labels, int] = {}

    def ids_for(self, connection: Connection, label_sets: Sequence[Labels]) -> list[int]:
        """The id of each label set, creating the series that do not exist yet."""
        missing = {labels for labels in label_sets if labels not in self._ids}
        if missing:
            self._load_or_create(connection, missing)
        return [self._ids[labels] for labels in label_sets]

    def forget(self) -> None:
        """Drop the cache (after retention deleted series)."""
        self._ids.clear()

    def _load_or_create(self, connection: Connection, missing: set[Labels]) -> None:
        by_fingerprint = {fingerprint(labels): labels for labels in missing}
        found = self._lookup(connection, list(by_fingerprint))
        new = [fp for fp in by_fingerprint if fp not in found]
        if new:
            insert_ignoring_conflicts(
                connection,
                SERIES,
                [
                    {
                        "fingerprint": fp,
                        "metric_name": dict(by_fingerprint[fp]).get("__name__", ""),
                        "labels": encode_labels(by_fingerprint[fp]),
                    }
                    for fp in new
                ],
            )
            created = self._lookup(connection, new)
            insert_ignoring_conflicts(
                connection,
                POSTINGS,
                [
                    {"name": name, "value": value, "series_id": created[fp]}
                    for fp in new
                    for name, value in by_fingerprint[fp]
                ],
            )
            found.update(created)
        for fp, series_id in found.items():
            self._ids[by_fingerprint[fp]] = series_id

    @staticmethod
    def _lookup(connection: Connection, fingerprints: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for chunk in batched(fingerprints):
            rows = connection.execute(
                select(SERIES.c.fingerprint, SERIES.c.id).where(SERIES.c.fingerprint.in_(chunk))
            )
            found.update({fp: series_id for fp, series_id in rows})
        return found


def _selects_by_postings(matcher: Matcher) -> bool:
    """Whether a matcher can narrow the search through postings (it needs a value)."""
    return matcher.type in (MatchType.EQUAL, MatchType.REGEX) and not matcher.matches("")


def _posting_ids(connection: Connection, matcher: Matcher) -> set[int]:
    if matcher.type is MatchType.EQUAL:
        values = [matcher.value]
    else:
        all_values = connection.execute(
            select(POSTINGS.c.value).where(POSTINGS.c.name == matcher.name).distinct()
        ).scalars()
        values = [value for value in all_values if matcher.matches(value)]
    ids: set[int] = set()
    for chunk in batched(values):
        ids.update(
            connection.execute(
                select(POSTINGS.c.series_id).where(
                    POSTINGS.c.name == matcher.name, POSTINGS.c.value.in_(chunk)
                )
            ).scalars()
        )
    return ids


def matches_all(labels: Labels, matchers: Iterable[Matcher]) -> bool:
    present = dict(labels)
    return all(matcher.matches(present.get(matcher.name, "")) for matcher in matchers)


def select_series(connection: Connection, matchers: Sequence[Matcher]) -> list[tuple[int, Labels]]:
    """Series whose labels satisfy every matcher.

    Matchers that need a value pick candidates through postings (intersected);
    all matchers are then checked against the full label sets, which is what
    gives ``!=``, ``!~`` and empty-value matchers their Prometheus meaning.
    """
    narrowing = [matcher for matcher in matchers if _selects_by_postings(matcher)]
    query = select(SERIES.c.id, SERIES.c.labels)
    if narrowing:
        candidates: set[int] | None = None
        for matcher in sorted(narrowing, key=lambda m: m.type is not MatchType.EQUAL):
            ids = _posting_ids(connection, matcher)
            candidates = ids if candidates is None else candidates & ids
            if not candidates:
                return []
        assert candidates is not None
        rows: list[tuple[int, str]] = []
        for chunk in batched(sorted(candidates)):
            rows.extend(connection.execute(query.where(SERIES.c.id.in_(chunk))))
    else:
        rows = list(connection.execute(query))
    result = []
    for series_id, text in rows:
        labels = decode_labels(text)
        if matches_all(labels, matchers):
            result.append((series_id, labels))
    return result
