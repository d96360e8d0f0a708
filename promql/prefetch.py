"""Answering a batch of evaluations' selections from one read.

A rule group evaluates a few dozen queries at one time, and most of their
selectors name the same few metrics over overlapping windows. A querier that
can answer many selections at once (``SelectsMany``: the store reads the
union of their series over the union of their windows in one query) is asked
for all of them up front; ``PrefetchedQuerier`` then hands the evaluator
those answers and passes anything else (a template's ``query``, a selection
that was not planned) to the querier itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from promql.matchers import Matcher
from promql.querier import Querier, SeriesData
from promql.selections import Selection


@runtime_checkable
class SelectsMany(Protocol):
    def select_many(self, selections: Sequence[Selection]) -> list[list[SeriesData] | None]:
        """The answer ``select`` would give to each selection, in order; None for one
        it chose not to read ahead (too much data), which ``select`` answers later."""
        ...


@runtime_checkable
class ResolvesSeries(Protocol):
    def resolve(self, matcher_sets: Sequence[tuple[Matcher, ...]]) -> None:
        """Find the series of these matcher sets now, ahead of the selects that need them."""
        ...


class PrefetchedQuerier:
    """A querier whose planned selections are already answered.

    Each answer is kept for as many selects as were planned for it, then let
    go, so a group's data is not all held until its last rule has run.
    """

    def __init__(
        self,
        base: Querier,
        answers: Mapping[Selection, Sequence[SeriesData]],
        uses: Mapping[Selection, int],
    ) -> None:
        self._base = base
        self._answers = dict(answers)
        self._uses = Counter(uses)

    def select(
        self, matchers: Sequence[Matcher], start_ms: int, end_ms: int
    ) -> Sequence[SeriesData]:
        selection = Selection.of(matchers, start_ms, end_ms)
        answer = self._answers.get(selection)
        if answer is None:
            return self._base.select(matchers, start_ms, end_ms)
        self._uses[selection] -= 1
        if self._uses[selection] <= 0:
            del self._answers[selection]
        return answer

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        return self._base.label_names(matchers)

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        return self._base.label_values(name, matchers)


PREFETCH_SPAN_MS = 3_600_000
"""Selections over longer windows (a day's rate, say) are left to their own select:
holding them for a whole group's evaluation would cost more memory than the
query it saves."""


def prefetched(querier: Querier, planned: Sequence[Selection]) -> Querier:
    """``querier`` with ``planned`` answered in one ``select_many``, if it has one."""
    if not isinstance(querier, SelectsMany):
        return querier
    uses = Counter(s for s in planned if s.end_ms - s.start_ms < PREFETCH_SPAN_MS)
    if not uses:
        return querier
    unique = list(uses)
    read = zip(unique, querier.select_many(unique), strict=True)
    answers = {selection: answer for selection, answer in read if answer is not None}
    return PrefetchedQuerier(querier, answers, uses)
