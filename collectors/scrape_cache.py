"""What a scrape loop keeps per target so that a steady target is parsed once: its caches.

The series-text cache maps each line's ``name{...}`` to its final label set,
so a known series costs one dict lookup. Those label sets are the agent's
largest per-series memory (they are also the keys of the series-id cache and
of the staleness set), so they are built from interned pairs: every series
of a target that has ``method="GET"`` holds the same ``("method", "GET")``
tuple, and the label set itself is the only object per series (about 0.1 KiB
instead of 0.8 KiB with a fresh tuple and strings per pair).

Both are bounded: emptied when the cache grows well past the number of live
series (churn), and when the target's labelling changes.
"""

from __future__ import annotations

from collectors.exposition import LabelTransform, SeriesCache
from collectors.target_labels import sample_labeller
from collectors.targets import Target
from promql.labels import Labels

Pair = tuple[str, str]


def churn_bound(live: int) -> int:
    """How many entries a cache may hold for ``live`` series before it is emptied."""
    return 2 * live + 1024


class LabelInterner:
    """Canonical shared (name, value) pairs; an interned label set equals the original."""

    def __init__(self) -> None:
        self._pairs: dict[Pair, Pair] = {}

    def __call__(self, labels: Labels) -> Labels:
        pairs = self._pairs
        return tuple([pairs.setdefault(pair, pair) for pair in labels])

    def __len__(self) -> int:
        return len(self._pairs)

    def clear(self) -> None:
        self._pairs.clear()


class SeriesCaches:
    """Parsed label sets by series text for ONE target, one map per format.

    Kept by the caller across scrapes of that target so that a steady target's
    series are parsed and labelled once; emptied when it grows past
    ``churn_bound`` of the number of live series, so churn cannot make it (or
    its interned pairs) grow without bound.
    """

    def __init__(self) -> None:
        self._by_format: dict[str, SeriesCache] = {}
        self._labelled_for: Target | None = None
        self._labeller: LabelTransform | None = None
        self._interner = LabelInterner()

    def labeller(self, target: Target) -> LabelTransform:
        """The series transform for ``target``, interning its result; a changed target
        empties the caches."""
        if self._labeller is None or (
            self._labelled_for is not target and self._labelled_for != target
        ):
            self._clear()
            transform, intern = target_labeller(target), self._interner

            def labeller(labels: Labels) -> Labels:
                return intern(transform(labels))

            self._labelled_for, self._labeller = target, labeller
        return self._labeller

    def for_format(self, text_format: str) -> SeriesCache:
        return self._by_format.setdefault(text_format, {})

    def trim(self, text_format: str, live: int) -> None:
        cache = self._by_format.get(text_format)
        if cache is not None and len(cache) > churn_bound(live):
            cache.clear()
            self._interner.clear()  # so it holds only pairs of cached series

    def entries(self) -> int:
        """Series texts cached, all formats together."""
        return sum(len(cache) for cache in self._by_format.values())

    def interned_pairs(self) -> int:
        return len(self._interner)

    def _clear(self) -> None:
        self._by_format.clear()
        self._interner.clear()


def target_labeller(target: Target) -> LabelTransform:
    """Target labels, honor_labels, metric relabelling and label limits, for one target."""
    return sample_labeller(
        target.labels, target.honor_labels, target.metric_relabel_configs, target.limits
    )
