"""Decode many chunks at once: a fixed number of NumPy passes over all of them.

Decoding one 120-sample chunk is ~25 NumPy calls, so per-call overhead, not
data, sets the speed. Here only checking and inflating each chunk is per-chunk
Python; bit unpacking, prefix sums and XOR chains run over the concatenation
of all chunks (segmented by subtracting each chunk's starting prefix).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import NoReturn

import numpy as np
from numpy.typing import NDArray

from store.chunkcodec_format import (
    F64,
    FORMAT_VERSION,
    HEADER,
    MAX_SCALE,
    MODE_DECIMAL_DELTA,
    MODE_DECIMAL_OFFSET,
    MODE_XOR,
    POW10,
    TRAILER,
    U8,
    U64,
    ChunkError,
    open_chunk,
)

_WIDTH_MASKS = np.array([(1 << w) - 1 for w in range(65)], dtype=np.uint64)
_BATCH = 512  # chunks per pass: bounds the temporaries and keeps them in cache
_PAD = 16  # at least one whole word after the last column, for the two-word reads

# ``HEADER`` as a NumPy record, to read every chunk's header in one go.
_HEADER_DTYPE = np.dtype(
    {
        "names": [
            "n", "t0", "t_step", "v_first", "v_step", "mode", "scale", "n_exc",
            "t_width", "t_shift", "t_patches", "v_width", "v_shift", "v_patches",
        ],
        "formats": ["<u4", "<i8", "<i8", "<i8", "<i8", "u1", "u1", "<u4",
                    "u1", "u1", "<u4", "u1", "u1", "<u4"],
        "offsets": [0, 4, 12, 20, 28, 36, 37, 38, 42, 43, 44, 48, 49, 50],
        "itemsize": HEADER.size,
    }
)  # fmt: skip
assert HEADER.size == 54


def _columns(
    words: NDArray[np.uint64],
    starts: NDArray[np.int64],
    counts: NDArray[np.int64],
    widths: NDArray[np.int64],
) -> NDArray[np.uint64]:
    """All columns' packed entries (before patches and shift), concatenated.

    ``words`` is the concatenated bodies read as u64; entry j of a column
    starting at byte ``s`` with width ``w`` is bits ``8s + jw`` onwards, so it
    spans at most two words.
    """
    total = int(counts.sum())
    width = np.repeat(widths, counts)
    # bit = 8 * start + (entry index within its column) * width
    bit = np.arange(total, dtype=np.int64)
    bit *= width
    bit += np.repeat(starts * 8 - _starts(counts) * widths, counts)
    word = bit >> 6
    offset = (bit & 63).view(np.uint64)
    low = words[word] >> offset
    word += 1
    high = words[word]
    high <<= np.uint64(63) - offset
    high <<= np.uint64(1)
    low |= high
    low &= _WIDTH_MASKS[width]
    result: NDArray[np.uint64] = low
    return result


def _starts(counts: NDArray[np.int64]) -> NDArray[np.int64]:
    starts: NDArray[np.int64] = np.cumsum(counts) - counts
    return starts


def _slots(first: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Positions ``first[i], first[i] + 1, ...`` (``counts[i]`` of them) for every i."""
    slots: NDArray[np.int64] = np.arange(int(counts.sum())) + np.repeat(
        first - _starts(counts), counts
    )
    return slots


def _segmented(
    chain: NDArray[np.uint64], starts: NDArray[np.int64], counts: NDArray[np.int64], xor: bool
) -> NDArray[np.uint64]:
    """Turn one running sum (or XOR) over all chunks into one per chunk."""
    before = np.where(starts > 0, chain[np.maximum(starts - 1, 0)], np.uint64(0))
    spread: NDArray[np.uint64] = np.repeat(before, counts)
    return chain ^ spread if xor else chain - spread


def _read(buf: NDArray[np.uint8], at: NDArray[np.int64], size: int) -> NDArray[np.int64]:
    """Little-endian unsigned ints of ``size`` bytes (4 or 8) at byte offsets ``at``."""
    raw = buf[at[:, np.newaxis] + np.arange(size)]
    values: NDArray[np.int64] = raw.view("<u4" if size == 4 else "<u8").ravel().astype(np.int64)
    return values


def _patch(
    out: NDArray[np.uint64],
    out_at: NDArray[np.int64],
    limit: NDArray[np.int64],
    buf: NDArray[np.uint8],
    at: NDArray[np.int64],
    counts: NDArray[np.int64],
) -> None:
    """Apply every chunk's patches: ``counts[i]`` u32 indices at ``at[i]``, then u64 values."""
    has = counts > 0
    if not has.any():
        return
    out_at, limit, at, counts = out_at[has], limit[has], at[has], counts[has]
    local = _slots(np.zeros_like(counts), counts)
    where = _read(buf, np.repeat(at, counts) + 4 * local, 4)
    if (where >= np.repeat(limit, counts)).any():
        raise ChunkError("chunk patch index out of range")
    patches = _read(buf, np.repeat(at + 4 * counts, counts) + 8 * local, 8)
    out[np.repeat(out_at, counts) + where] = patches.view(np.uint64)


def _raise_first_bad(chunks: Sequence[bytes]) -> NoReturn:
    """Raise the ``ChunkError`` that ``open_chunk`` gives the first invalid chunk."""
    for data in chunks:
        open_chunk(data)
    raise ChunkError("invalid chunk")


def _open_all(chunks: Sequence[bytes]) -> tuple[bytes, NDArray[np.int64], np.ndarray]:
    """Check and inflate every chunk: the joined bodies, each one's size, and the headers.

    Only checksum and inflate run per chunk; headers are read and checked
    for all chunks at once. A chunk that fails any check goes through
    ``open_chunk``, which raises the precise ``ChunkError``.
    """
    lengths = np.fromiter(map(len, chunks), np.int64, len(chunks))
    if (lengths < 1 + TRAILER.size).any():
        _raise_first_bad(chunks)
    raw = np.frombuffer(b"".join(chunks), dtype=U8)
    ends = np.cumsum(lengths)
    stored = _read(raw, ends - TRAILER.size, TRAILER.size)
    crc = zlib.crc32
    computed = np.fromiter((crc(data[: -TRAILER.size]) for data in chunks), np.int64, len(chunks))
    if (raw[ends - lengths] != FORMAT_VERSION).any() or (stored != computed).any():
        _raise_first_bad(chunks)
    inflate = zlib.decompress
    try:
        bodies = [inflate(data[1 : -TRAILER.size], -15) for data in chunks]
    except zlib.error:
        _raise_first_bad(chunks)
    sizes = np.fromiter((len(body) for body in bodies), np.int64, len(bodies))
    short = np.flatnonzero(sizes < HEADER.size)
    if len(short):
        _raise_first_bad(chunks)
    joined = b"".join(bodies)
    buf = np.frombuffer(joined, dtype=U8)
    at = _starts(sizes)
    headers = buf[at[:, np.newaxis] + np.arange(HEADER.size)].view(_HEADER_DTYPE).ravel()
    n = headers["n"].astype(np.int64)
    mode = headers["mode"].astype(np.int64)
    n_exc = headers["n_exc"].astype(np.int64)
    t_width, v_width = headers["t_width"].astype(np.int64), headers["v_width"].astype(np.int64)
    t_patches = headers["t_patches"].astype(np.int64)
    v_patches = headers["v_patches"].astype(np.int64)
    m = np.maximum(n - 1, 0)
    v_count = np.where(mode == MODE_DECIMAL_OFFSET, n, m)
    expected = (
        HEADER.size
        + (m * t_width + 7) // 8
        + (v_count * v_width + 7) // 8
        + 12 * (t_patches + v_patches + n_exc)
    )
    bad = (
        (mode > MODE_DECIMAL_DELTA)
        | (headers["scale"] > MAX_SCALE)
        | (t_width + headers["t_shift"] > 64)
        | (v_width + headers["v_shift"] > 64)
        | (t_patches > m)
        | (v_patches > v_count)
        | (n_exc > n)
        | ((mode == MODE_XOR) & (n_exc > 0))
        | (sizes != expected)
    )
    if bad.any():
        _raise_first_bad(chunks)
    return joined, sizes, headers


def decode_chunks_bulk(
    chunks: Sequence[bytes],
) -> list[tuple[NDArray[np.int64], NDArray[np.float64]]]:
    """Decode many chunks, exactly like ``decode_chunk`` on each, but faster.

    The arrays returned for a batch of chunks are views into two shared arrays.
    """
    out: list[tuple[NDArray[np.int64], NDArray[np.float64]]] = []
    for start in range(0, len(chunks), _BATCH):  # bounds the temporaries
        stamps, values, n = _decode_batch(chunks[start : start + _BATCH])
        ends = np.cumsum(n).tolist()
        out.extend((stamps[a:b], values[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True))
    return out


def decode_chunks_flat(
    chunks: Sequence[bytes],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """All chunks decoded and concatenated in order, with each one's sample count."""
    if not chunks:
        return np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.int64)
    parts = [_decode_batch(chunks[a : a + _BATCH]) for a in range(0, len(chunks), _BATCH)]
    if len(parts) == 1:
        return parts[0]
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def _decode_batch(
    chunks: Sequence[bytes],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """One batch of chunks decoded into two shared arrays, and each chunk's length."""
    joined, sizes, headers = _open_all(chunks)
    n = headers["n"].astype(np.int64)
    total = int(n.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64), n
    mode = headers["mode"].astype(np.int64)
    t_width, v_width = headers["t_width"].astype(np.int64), headers["v_width"].astype(np.int64)
    t_shift, v_shift = headers["t_shift"].astype(np.int64), headers["v_shift"].astype(np.int64)
    t_patches = headers["t_patches"].astype(np.int64)
    v_patches = headers["v_patches"].astype(np.int64)
    n_exc = headers["n_exc"].astype(np.int64)
    padded = joined + bytes(_PAD - len(joined) % 8)
    words = np.frombuffer(padded, dtype=U64)
    buf = np.frombuffer(padded, dtype=U8)

    m = np.maximum(n - 1, 0)
    is_offset = mode == MODE_DECIMAL_OFFSET
    v_count = np.where(is_offset, n, m)
    body_at = _starts(sizes)
    t_at = body_at + HEADER.size
    t_packed = (m * t_width + 7) // 8
    v_packed = (v_count * v_width + 7) // 8
    v_at = t_at + t_packed + 12 * t_patches
    t_column = _columns(words, t_at, m, t_width)
    v_column = _columns(words, v_at, v_count, v_width)
    t_column_at, v_column_at = _starts(m), _starts(v_count)
    _patch(t_column, t_column_at, m, buf, t_at + t_packed, t_patches)
    _patch(v_column, v_column_at, v_count, buf, v_at + v_packed, v_patches)
    if t_shift.any():
        t_column <<= np.repeat(t_shift, m).view(np.uint64)
    if v_shift.any():
        v_column <<= np.repeat(v_shift, v_count).view(np.uint64)

    # Each chunk's first slot holds its first timestamp (value), the rest the deltas.
    out_at = _starts(n)
    has = n > 0
    first = np.zeros(total, dtype=bool)
    first[out_at[has]] = True
    rest = ~first
    t_step = headers["t_step"].astype(np.int64)
    if t_step.any():
        t_column += np.repeat(t_step, m).view(np.uint64)
    stamps = np.empty(total, dtype=U64)
    stamps[rest] = t_column
    stamps[out_at[has]] = headers["t0"][has].view(np.uint64)
    timestamps = _segmented(np.cumsum(stamps), out_at, n, xor=False)

    v_first = headers["v_first"].astype(np.int64)
    modes = set(np.unique(mode).tolist())
    bits = np.empty(total, dtype=U64)
    if modes == {MODE_DECIMAL_OFFSET}:
        ints = v_column + np.repeat(v_first, n).view(np.uint64)
    else:
        slots = np.empty(total, dtype=U64)
        if modes == {MODE_DECIMAL_DELTA} or modes == {MODE_XOR}:
            v_step = headers["v_step"].astype(np.int64) if MODE_DECIMAL_DELTA in modes else None
            if v_step is not None and v_step.any():
                v_column += np.repeat(v_step, m).view(np.uint64)
            slots[rest] = v_column
        else:
            v_step = np.where(mode == MODE_DECIMAL_DELTA, headers["v_step"], 0)
            slots[_slots(out_at + ~is_offset, v_count)] = v_column + np.repeat(
                v_step, v_count
            ).view(np.uint64)
        chained = has & ~is_offset
        slots[out_at[chained]] = v_first[chained].view(np.uint64)
        ints = np.empty(0, dtype=U64)
        if modes & {MODE_DECIMAL_DELTA, MODE_DECIMAL_OFFSET}:
            sums = _segmented(np.cumsum(slots), out_at, n, xor=False)
            if MODE_DECIMAL_OFFSET in modes:
                offsets = slots + np.repeat(np.where(is_offset, v_first, 0), n).view(np.uint64)
                ints = np.where(np.repeat(is_offset, n), offsets, sums)
            else:
                ints = sums
        if MODE_XOR in modes:
            xors = _segmented(np.bitwise_xor.accumulate(slots), out_at, n, xor=True)
    if modes != {MODE_XOR}:
        decimals = ints.view(np.int64).astype(np.float64)
        scale = headers["scale"].astype(np.int64)
        if scale.any():
            decimals /= np.repeat(POW10[scale], n)
        if MODE_XOR in modes:
            np.copyto(bits, np.where(np.repeat(mode == MODE_XOR, n), xors, decimals.view(U64)))
        else:
            bits = decimals.view(U64)
    else:
        bits = xors
    exc_at = v_at + v_packed + 12 * v_patches
    _patch(bits, out_at, n, buf, exc_at, n_exc)

    return timestamps.view(np.int64), bits.view(F64), n
