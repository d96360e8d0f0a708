"""The series index: label sets to series ids, and matchers to series via postings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, event, intersect, select

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


def decode_many_labels(texts: Sequence[str]) -> list[Labels]:
    """``decode_labels`` of each text, with one JSON parse for all of them."""
    if not texts:
        return []
    parsed = json.loads("[" + ",".join(texts) + "]")
    return [tuple(map(tuple, pairs)) for pairs in parsed]


class SeriesIndex:
    """Finds or creates series ids; ids never change, so they are cached in process.

    A series created in a transaction that then rolls back does not exist:
    its cached id is dropped on that rollback (the writer commits many
    scrapes in one transaction, so one failing must not leave bad ids behind).
    """

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
            rolled_back = [by_fingerprint[fp] for fp in created]
            event.listen(connection, "rollback", lambda _c: self._drop(rolled_back), once=True)
        for fp, series_id in found.items():
            self._ids[by_fingerprint[fp]] = series_id

    def _drop(self, label_sets: Sequence[Labels]) -> None:
        for labels in label_sets:
            self._ids.pop(labels, None)

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


_MAX_VALUES_IN_SQL = 500


def _posting_values(connection: Connection, matcher: Matcher) -> list[str]:
    if matcher.type is MatchType.EQUAL:
        return [matcher.value]
    all_values = connection.execute(
        select(POSTINGS.c.value).where(POSTINGS.c.name == matcher.name).distinct()
    ).scalars()
    return [value for value in all_values if matcher.matches(value)]


def select_series(connection: Connection, matchers: Sequence[Matcher]) -> list[tuple[int, Labels]]:
    """Series whose labels satisfy every matcher.

    Matchers that need a value pick candidates through postings, intersected
    in SQL and joined to the series in one query; all matchers are then
    checked against the full label sets, which is what gives ``!=``, ``!~``
    and empty-value matchers their Prometheus meaning.
    """
    narrowing = [matcher for matcher in matchers if _selects_by_postings(matcher)]
    query = select(SERIES.c.id, SERIES.c.labels)
    rows: list[tuple[int, str]]
    if narrowing:
        value_lists = [(matcher, _posting_values(connection, matcher)) for matcher in narrowing]
        if any(not values for _, values in value_lists):
            return []
        if all(len(values) <= _MAX_VALUES_IN_SQL for _, values in value_lists):
            postings = [
                select(POSTINGS.c.series_id).where(
                    POSTINGS.c.name == matcher.name, POSTINGS.c.value.in_(values)
                )
                for matcher, values in value_lists
            ]
            ids = postings[0] if len(postings) == 1 else intersect(*postings)
            rows = [
                (series_id, text)
                for series_id, text in connection.execute(query.where(SERIES.c.id.in_(ids)))
            ]
        else:
            rows = _rows_by_python_postings(connection, narrowing)
    else:
        rows = [(series_id, text) for series_id, text in connection.execute(query)]
    # Postings already guarantee the narrowing matchers; check only the others.
    rest = [matcher for matcher in matchers if matcher not in narrowing]
    texts = [text for _, text in rows]
    decoded = zip((series_id for series_id, _ in rows), decode_many_labels(texts), strict=True)
    if not rest:
        return list(decoded)
    return [(series_id, labels) for series_id, labels in decoded if matches_all(labels, rest)]


def _rows_by_python_postings(
    connection: Connection, narrowing: Sequence[Matcher]
) -> list[tuple[int, str]]:
    """Postings intersected in Python: for matchers with very many values (long IN lists)."""
    candidates: set[int] | None = None
    for matcher in sorted(narrowing, key=lambda m: m.type is not MatchType.EQUAL):
        ids = _posting_ids(connection, matcher)
        candidates = ids if candidates is None else candidates & ids
        if not candidates:
            return []
    assert candidates is not None
    rows: list[tuple[int, str]] = []
    for chunk in batched(sorted(candidates)):
        rows.extend(
            (series_id, text)
            for series_id, text in connection.execute(
                select(SERIES.c.id, SERIES.c.labels).where(SERIES.c.id.in_(chunk))
            )
        )
    return rows
