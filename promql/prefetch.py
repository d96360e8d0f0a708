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

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from promql.matchers import Matcher
from promql.querier import Querier, SeriesData
from promql.selections import Selection


@runtime_checkable
class SelectsMany(Protocol):
    def select_many(self, selections: Sequence[Selection]) -> list[list[SeriesData]]:
        """The answer ``select`` would give to each selection, in order."""
        ...


@runtime_checkable
class ResolvesSeries(Protocol):
    def resolve(self, matcher_sets: Sequence[tuple[Matcher, ...]]) -> None:
        """Find the series of these matcher sets now, ahead of the selects that need them."""
        ...


class PrefetchedQuerier:
    """A querier whose planned selections are already answered."""

    def __init__(self, base: Querier, answers: Mapping[Selection, Sequence[SeriesData]]) -> None:
        self._base = base
        self._answers = answers

    def select(
        self, matchers: Sequence[Matcher], start_ms: int, end_ms: int
    ) -> Sequence[SeriesData]:
        answer = self._answers.get(Selection.of(matchers, start_ms, end_ms))
        if answer is None:
            return self._base.select(matchers, start_ms, end_ms)
        return answer

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        return self._base.label_names(matchers)

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        return self._base.label_values(name, matchers)


def prefetched(querier: Querier, planned: Sequence[Selection]) -> Querier:
    """``querier`` with ``planned`` answered in one ``select_many``, if it has one."""
    if not planned or not isinstance(querier, SelectsMany):
        return querier
    unique = list(dict.fromkeys(planned))
    return PrefetchedQuerier(querier, dict(zip(unique, querier.select_many(unique), strict=True)))
