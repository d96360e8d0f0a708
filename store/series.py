"""The series index: label sets to series ids, and matchers to series via postings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from sqlalchemy import Connection, delete, event, func, select

from promql.labels import Labels, fingerprint
from promql.matchers import Matcher, MatchType
from store.idcodec import Ids, pack_ids, pack_postings, unpack_postings
from store.labelpairs import PAIRS, LabelPairs
from store.models import PostingsBlock, Series, table_of
from store.sqlutil import batched, insert_ignoring_conflicts

SERIES = table_of(Series)
POSTINGS = table_of(PostingsBlock)

__all__ = ["PAIRS", "POSTINGS", "SERIES", "LabelPairs", "SeriesIndex", "select_series"]


class SeriesIndex:
    """Finds or creates series ids; ids never change, so they are cached in process.

    A series created in a transaction that then rolls back does not exist:
    its cached id is dropped on that rollback (the writer commits many
    scrapes in one transaction, so one failing must not leave bad ids behind).
    """

    def __init__(self, pairs: LabelPairs | None = None) -> None:
        self._ids: dict[Labels, int] = {}
        self.pairs = pairs if pairs is not None else LabelPairs()

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
            pair_ids = self.pairs.ids_for(
                connection, (pair for fp in new for pair in by_fingerprint[fp])
            )
            insert_ignoring_conflicts(
                connection,
                SERIES,
                [
                    {
                        "fingerprint": fp,
                        "pairs": pack_ids([pair_ids[pair] for pair in by_fingerprint[fp]]),
                    }
                    for fp in new
                ],
            )
            created = self._lookup(connection, new)
            # A series another writer created between the two lookups has its
            # postings already; only the ones created here need them.
            add_postings(
                connection,
                {
                    series_id: [pair_ids[pair] for pair in by_fingerprint[fp]]
                    for fp, series_id in created.items()
                    if fp not in found
                },
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


def add_postings(connection: Connection, pairs_by_series: dict[int, list[int]]) -> None:
    """One postings block per label pair for series just created."""
    by_pair: dict[int, list[int]] = defaultdict(list)
    for series_id, pair_ids in pairs_by_series.items():
        for pair_id in pair_ids:
            by_pair[pair_id].append(series_id)
    rows = []
    for pair_id, series_ids in by_pair.items():
        first, packed = pack_postings(series_ids)
        rows.append({"pair_id": pair_id, "first_series_id": first, "series_ids": packed})
    for chunk in batched(rows):
        connection.execute(POSTINGS.insert(), list(chunk))


def _selects_by_postings(matcher: Matcher) -> bool:
    """Whether a matcher can narrow the search through postings (it needs a value)."""
    return matcher.type in (MatchType.EQUAL, MatchType.REGEX) and not matcher.matches("")


def matches_all(labels: Labels, matchers: Iterable[Matcher]) -> bool:
    present = dict(labels)
    return all(matcher.matches(present.get(matcher.name, "")) for matcher in matchers)


def postings_by_pair(connection: Connection, pair_ids: Sequence[int]) -> dict[int, list[Ids]]:
    """The postings blocks of each pair, read in one query per 500 pairs."""
    blocks: dict[int, list[Ids]] = defaultdict(list)
    for chunk in batched(pair_ids):
        rows = connection.execute(
            select(POSTINGS.c.pair_id, POSTINGS.c.first_series_id, POSTINGS.c.series_ids).where(
                POSTINGS.c.pair_id.in_(chunk)
            )
        )
        for pair_id, first, packed in rows:
            blocks[pair_id].append(unpack_postings(first, packed))
    return blocks


def _union(blocks: Sequence[Ids]) -> Ids:
    if not blocks:
        return np.empty(0, dtype=np.int64)
    return blocks[0] if len(blocks) == 1 else np.unique(np.concatenate(blocks))


# Above this many candidates, one range scan of the series table beats IN lists.
_RANGE_SCAN_FROM = 5_000


def _series_rows(connection: Connection, ids: Ids) -> list[tuple[int, bytes]]:
    query = select(SERIES.c.id, SERIES.c.pairs)
    if len(ids) >= _RANGE_SCAN_FROM:
        rows = connection.execute(query.where(SERIES.c.id.between(int(ids[0]), int(ids[-1])))).all()
        wanted = set(ids.tolist())
        return [(series_id, packed) for series_id, packed in rows if series_id in wanted]
    found: list[tuple[int, bytes]] = []
    for chunk in batched(ids.tolist()):
        found.extend(
            (series_id, packed)
            for series_id, packed in connection.execute(query.where(SERIES.c.id.in_(chunk)))
        )
    return found


def candidate_ids(
    connection: Connection, matchers: Sequence[Matcher], pairs: LabelPairs
) -> Ids | None:
    """Series ids the postings allow, intersected over the matchers; None: no narrowing."""
    if not matchers:
        return None
    pair_ids = [pairs.ids_matching(connection, matcher) for matcher in matchers]
    if not all(pair_ids):
        return np.empty(0, dtype=np.int64)
    blocks = postings_by_pair(connection, sorted({i for ids in pair_ids for i in ids}))
    return _intersection(pair_ids, blocks)


def _intersection(pair_ids: Sequence[list[int]], blocks: dict[int, list[Ids]]) -> Ids:
    """The series in the postings of one of each matcher's pairs, for every matcher."""
    candidates: Ids | None = None
    for ids in sorted(pair_ids, key=len):
        matching = _union([block for pair_id in ids for block in blocks.get(pair_id, [])])
        candidates = (
            matching
            if candidates is None
            else np.intersect1d(candidates, matching, assume_unique=True)
        )
        if not candidates.size:
            break
    assert candidates is not None
    return candidates


def select_series(
    connection: Connection, matchers: Sequence[Matcher], pairs: LabelPairs | None = None
) -> list[tuple[int, Labels]]:
    """Series whose labels satisfy every matcher.

    Matchers that need a value pick candidates through postings (sorted id
    arrays intersected with NumPy); all other matchers are then checked
    against the full label sets, which is what gives ``!=``, ``!~`` and
    empty-value matchers their Prometheus meaning.
    """
    return select_series_many(connection, [matchers], pairs)[0]


def select_series_many(
    connection: Connection,
    matcher_sets: Sequence[Sequence[Matcher]],
    pairs: LabelPairs | None = None,
) -> list[list[tuple[int, Labels]]]:
    """``select_series`` for each matcher set, reading the index once for them all:
    one lookup of the pairs, one read of their postings, one of the series."""
    pairs = pairs if pairs is not None else LabelPairs()
    narrowing = [[m for m in matchers if _selects_by_postings(m)] for matchers in matcher_sets]
    pairs.look_up(
        connection,
        [(m.name, m.value) for ms in narrowing for m in ms if m.type is MatchType.EQUAL],
    )
    pair_ids = [[pairs.ids_matching(connection, m) for m in ms] for ms in narrowing]
    blocks = postings_by_pair(
        connection, sorted({i for per_set in pair_ids for ids in per_set for i in ids})
    )
    candidates: list[Ids | None] = [
        None if not ids else _intersection(ids, blocks) if all(ids) else _NONE for ids in pair_ids
    ]
    wanted = [c for c in candidates if c is not None and c.size]
    if any(c is None for c in candidates):
        rows = [
            (series_id, packed)
            for series_id, packed in connection.execute(select(SERIES.c.id, SERIES.c.pairs))
        ]
    elif wanted:
        rows = _series_rows(connection, _union(wanted))
    else:
        rows = []
    labels_of = dict(
        zip(
            (row[0] for row in rows),
            pairs.decode(connection, [row[1] for row in rows]),
            strict=True,
        )
    )
    found: list[list[tuple[int, Labels]]] = []
    for matchers, narrowed, ids in zip(matcher_sets, narrowing, candidates, strict=True):
        # Postings already guarantee the narrowing matchers; check only the others.
        rest = [matcher for matcher in matchers if matcher not in narrowed]
        chosen = labels_of.items() if ids is None else _present(ids, labels_of)
        found.append(
            [(series_id, labels) for series_id, labels in chosen if matches_all(labels, rest)]
        )
    return found


_NONE: Ids = np.empty(0, dtype=np.int64)


def _present(ids: Ids, labels_of: dict[int, Labels]) -> list[tuple[int, Labels]]:
    """The series of ``ids`` in ``labels_of``, in id order."""
    return [
        (series_id, labels_of[series_id]) for series_id in ids.tolist() if series_id in labels_of
    ]


def all_series(connection: Connection, pairs: LabelPairs | None = None) -> list[tuple[int, Labels]]:
    """Every series with its labels."""
    return select_series(connection, (), pairs)


def merge_postings(connection: Connection, *, min_blocks: int = 4, max_pairs: int = 2_000) -> int:
    """Merge the blocks of pairs that have ``min_blocks`` or more into one block each.

    Every transaction that creates series adds a block per pair, so a pair
    on a busy label collects many small ones; merged, a select reads one row
    per pair. Only the blocks read here are replaced, so a block another
    writer adds meanwhile stays as it is. Returns the pairs merged.
    """
    pair_ids = list(
        connection.execute(
            select(POSTINGS.c.pair_id)
            .group_by(POSTINGS.c.pair_id)
            .having(func.count() >= min_blocks)
            .limit(max_pairs)
        ).scalars()
    )
    for chunk in batched(pair_ids):
        blocks: dict[int, list[tuple[int, bytes]]] = defaultdict(list)
        for pair_id, first, packed in connection.execute(
            select(POSTINGS.c.pair_id, POSTINGS.c.first_series_id, POSTINGS.c.series_ids).where(
                POSTINGS.c.pair_id.in_(chunk)
            )
        ):
            blocks[pair_id].append((first, packed))
        for pair_id, parts in blocks.items():
            connection.execute(
                delete(POSTINGS).where(
                    POSTINGS.c.pair_id == pair_id,
                    POSTINGS.c.first_series_id.in_([first for first, _ in parts]),
                )
            )
            first, packed = pack_postings(
                np.concatenate([unpack_postings(first, data) for first, data in parts])
            )
            connection.execute(
                POSTINGS.insert(),
                {"pair_id": pair_id, "first_series_id": first, "series_ids": packed},
            )
    return len(pair_ids)
