"""Label pairs: each distinct ``name="value"`` stored once and referred to by id.

Series hold their labels as packed pair ids (``store.idcodec``) and postings
are keyed by pair id, so a label's text is written once for the whole store.
Committed pair ids never change meaning (pairs are never deleted), which lets
every process cache them; a pair created in a transaction that rolls back is
forgotten on that rollback, since its id may be handed out again.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import Connection, event, select

from promql.labels import Labels
from promql.matchers import Matcher, MatchType
from store.idcodec import unpack_ids
from store.models import LabelPair, table_of
from store.sqlutil import batched, insert_ignoring_conflicts

PAIRS = table_of(LabelPair)

Pair = tuple[str, str]


class LabelPairs:
    """Pair ids and pairs, cached in process; one instance per writer or querier.

    Pair tuples are shared by every label set decoded here, so a process that
    holds many series holds each label string once.
    """

    def __init__(
        self, *, name_listing_seconds: float = 0.5, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._by_id: dict[int, Pair] = {}
        self._ids: dict[Pair, int] = {}
        self._name_listing_seconds = name_listing_seconds
        self._clock = clock
        self._by_name: dict[str, tuple[float, list[tuple[int, str]]]] = {}

    def ids_for(self, connection: Connection, pairs: Iterable[Pair]) -> dict[Pair, int]:
        """The id of every pair, creating those the store does not have yet."""
        wanted = set(pairs)
        missing = [pair for pair in wanted if pair not in self._ids]
        if missing:
            found = self._lookup(connection, missing)
            new = [pair for pair in missing if pair not in found]
            if new:
                insert_ignoring_conflicts(
                    connection, PAIRS, [{"name": name, "value": value} for name, value in new]
                )
                created = self._lookup(connection, new)
                found.update(created)
                event.listen(
                    connection, "rollback", lambda _c: self._forget(list(created)), once=True
                )
            self._remember(found)
        return {pair: self._ids[pair] for pair in wanted}

    def decode(self, connection: Connection, packed: Sequence[bytes]) -> list[Labels]:
        """Label sets from packed pair ids, fetching the pairs this process has not seen."""
        id_lists = [unpack_ids(data).tolist() for data in packed]
        unknown = {pair_id for ids in id_lists for pair_id in ids if pair_id not in self._by_id}
        if unknown:
            self._fetch(connection, sorted(unknown))
        by_id = self._by_id
        return [tuple(by_id[pair_id] for pair_id in ids) for ids in id_lists]

    def ids_matching(self, connection: Connection, matcher: Matcher) -> list[int]:
        """Ids of the stored pairs whose name is the matcher's and whose value it matches."""
        if matcher.type is MatchType.EQUAL:
            pair = (matcher.name, matcher.value)
            if pair not in self._ids:
                self.look_up(connection, [pair])
            return [self._ids[pair]] if pair in self._ids else []
        return [
            pair_id
            for pair_id, value in self._values(connection, matcher.name)
            if matcher.matches(value)
        ]

    def look_up(self, connection: Connection, pairs: Iterable[Pair]) -> None:
        """Learn the ids of those of ``pairs`` the store has, in one query per label name."""
        missing = [pair for pair in set(pairs) if pair not in self._ids]
        if missing:
            self._remember(self._lookup(connection, missing))

    def _values(self, connection: Connection, name: str) -> list[tuple[int, str]]:
        """The (id, value) pairs of a label name; a burst of regex selects shares one read.

        A value first stored meanwhile is matched at most ``name_listing_seconds``
        late, as the select cache finds new series (``store.selectcache``).
        """
        now = self._clock()
        listed = self._by_name.get(name)
        if listed is not None and now - listed[0] < self._name_listing_seconds:
            return listed[1]
        rows = [
            (pair_id, value)
            for pair_id, value in connection.execute(
                select(PAIRS.c.id, PAIRS.c.value).where(PAIRS.c.name == name)
            )
        ]
        self._by_name[name] = (now, rows)
        return rows

    def _lookup(self, connection: Connection, pairs: Sequence[Pair]) -> dict[Pair, int]:
        by_name: dict[str, list[str]] = defaultdict(list)
        for name, value in pairs:
            by_name[name].append(value)
        found: dict[Pair, int] = {}
        for name, values in by_name.items():
            for chunk in batched(values):
                rows = connection.execute(
                    select(PAIRS.c.id, PAIRS.c.value).where(
                        PAIRS.c.name == name, PAIRS.c.value.in_(chunk)
                    )
                )
                found.update({(name, value): pair_id for pair_id, value in rows})
        return found

    def _fetch(self, connection: Connection, pair_ids: Sequence[int]) -> None:
        for chunk in batched(pair_ids):
            rows = connection.execute(
                select(PAIRS.c.id, PAIRS.c.name, PAIRS.c.value).where(PAIRS.c.id.in_(chunk))
            )
            self._remember({(name, value): pair_id for pair_id, name, value in rows})
        missing = [pair_id for pair_id in pair_ids if pair_id not in self._by_id]
        if missing:
            raise LookupError(f"label pair ids {missing[:5]} are not in the store")

    def _remember(self, found: dict[Pair, int]) -> None:
        for pair, pair_id in found.items():
            pair = self._by_id.setdefault(pair_id, pair)
            self._ids[pair] = pair_id

    def _forget(self, pairs: Sequence[Pair]) -> None:
        for pair in pairs:
            pair_id = self._ids.pop(pair, None)
            if pair_id is not None:
                self._by_id.pop(pair_id, None)
