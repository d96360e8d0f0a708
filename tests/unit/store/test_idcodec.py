"""Packed id arrays round-trip exactly at the narrowest width."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.idcodec import pack_ids, pack_postings, unpack_ids, unpack_postings

ids = st.lists(st.integers(min_value=0, max_value=2**63 - 1), max_size=300)


@given(ids)
def test_ids_round_trip(values: list[int]) -> None:
    assert unpack_ids(pack_ids(values)).tolist() == values


@given(st.lists(st.integers(min_value=1, max_value=2**40), min_size=1, max_size=300))
def test_postings_round_trip_as_sorted_distinct_ids(values: list[int]) -> None:
    first, packed = pack_postings(values)
    assert unpack_postings(first, packed).tolist() == sorted(set(values))


def test_consecutive_series_cost_one_byte_each() -> None:
    first, packed = pack_postings(np.arange(70_000, 72_000))
    assert first == 70_000
    assert len(packed) == 1 + 2_000


def test_it_uses_the_narrowest_width() -> None:
    assert len(pack_ids([255, 1])) == 1 + 2
    assert len(pack_ids([256])) == 1 + 2
    assert len(pack_ids([2**16])) == 1 + 4
    assert len(pack_ids([2**32])) == 1 + 8


def test_it_refuses_negative_ids_and_empty_blocks() -> None:
    with pytest.raises(ValueError, match="negative"):
        pack_ids([-1])
    with pytest.raises(ValueError, match="at least one"):
        pack_postings([])
