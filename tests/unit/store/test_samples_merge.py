"""Merging chunk and head samples: (series, time) order, the later write wins."""

from __future__ import annotations

import numpy as np
import pytest

from store.samples import Block, _sorted_flat


def _reference(blocks: list[Block]) -> Block:
    ids = np.concatenate([b[0] for b in blocks])
    ts = np.concatenate([b[1] for b in blocks])
    values = np.concatenate([b[2] for b in blocks])
    order = sorted(range(len(ids)), key=lambda i: (int(ids[i]), int(ts[i]), i))
    kept: dict[tuple[int, int], int] = {}
    for i in order:
        kept[(int(ids[i]), int(ts[i]))] = i  # the last written wins
    rows = list(kept.values())
    return ids[rows], ts[rows], values[rows]


@pytest.mark.parametrize("wide", [False, True])
def test_sorted_flat_orders_and_keeps_the_last_write(wide: bool) -> None:
    rng = np.random.default_rng(int(wide))
    for _ in range(200):
        blocks: list[Block] = []
        for _ in range(int(rng.integers(1, 5))):
            n = int(rng.integers(1, 20))
            ids = rng.integers(0, 2**40 if wide else 5, n).astype(np.int64)
            ts = rng.integers(-(2**40) if wide else 0, 2**40 if wide else 10, n).astype(np.int64)
            blocks.append((ids, ts, rng.random(n)))
        got, expected = _sorted_flat(blocks), _reference(blocks)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)
