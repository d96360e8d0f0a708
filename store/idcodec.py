"""Packed arrays of ids: the series' label pair ids and the postings blocks.

An array is one width byte (1, 2, 4 or 8) and the values little-endian at
that width, the narrowest that holds the largest value. Postings store the
deltas from the block's first id: series created together have consecutive
ids, so a block costs about one byte per series.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int64]

_DTYPES: dict[int, type[np.unsignedinteger]] = {
    1: np.uint8,
    2: np.uint16,
    4: np.uint32,
    8: np.uint64,
}


def pack_ids(values: npt.ArrayLike) -> bytes:
    """Non-negative integers, packed at the narrowest width that holds them."""
    array = np.asarray(values, dtype=np.int64)
    if array.size and int(array.min()) < 0:
        raise ValueError("ids must not be negative")
    largest = int(array.max()) if array.size else 0
    width = next(width for width in (1, 2, 4, 8) if largest < 1 << (8 * width))
    return bytes((width,)) + array.astype(np.dtype(_DTYPES[width]).newbyteorder("<")).tobytes()


def unpack_ids(data: bytes) -> Ids:
    width = data[0]
    dtype = np.dtype(_DTYPES[width]).newbyteorder("<")
    return np.frombuffer(data, dtype=dtype, offset=1).astype(np.int64)


def pack_postings(series_ids: npt.ArrayLike) -> tuple[int, bytes]:
    """A block of sorted, distinct series ids: its first id and the packed deltas."""
    ids = np.unique(np.asarray(series_ids, dtype=np.int64))
    if not ids.size:
        raise ValueError("a postings block holds at least one series")
    first = int(ids[0])
    return first, pack_ids(np.diff(ids, prepend=first))


def unpack_postings(first_series_id: int, data: bytes) -> Ids:
    return np.cumsum(unpack_ids(data)) + first_series_id
