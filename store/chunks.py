"""Compressed chunks of one series' samples: a pure, vectorised codec.

Why this design (measured with ``bench/chunk_codec.py``; see its output):

* A bit-by-bit Gorilla encoder (Prometheus ``tsdb/chunkenc/xor.go``) needs a
  Python loop per sample, and Gorilla's per-sample variable-length codes don't
  vectorise. Instead each column becomes small unsigned integers with a few
  whole-array NumPy operations and is bit-packed at one width per chunk (the
  width that minimises size; the few entries too wide for it are "patches"
  stored in full, as in PFor), after dropping trailing zero bits common to
  all (memory gauges move in 4 KiB pages). Deflate (zlib, stdlib) then
  squeezes the header and runs of zeros. Measured on the bench's realistic mix:
  byte planes + deflate 1.38 B/sample, bit-packing + deflate 1.21, bit-packing
  alone ~1.35; Prometheus's own chunks need 2-3.5 B/sample on the same jittered
  timestamps (a non-zero delta-of-delta costs Gorilla 16 bits).
* Timestamps: deltas minus the chunk's smallest delta. Scrape jitter of a few
  ms then costs 3-4 bits per sample and a perfectly regular series nothing.
  Unlike Gorilla's delta-of-delta, a missed scrape is one outlier (a patch),
  and independent jitter is not amplified (variance 2s² rather than 6s²).
* Values: Prometheus values are mostly integers or short decimals (counters,
  ``up``, gauges like 0.25 or 1234.5). If ``v == round(v * 10**k) / 10**k``
  holds bit-for-bit, the value is stored as that integer (IEEE division of two
  exact integers is correctly rounded, so decoding is exact). The integers are
  stored as offsets from their minimum, or as deltas minus the minimum delta,
  whichever has the smaller range. A few values that don't fit (the staleness
  NaN, ±Inf, -0.0) are kept verbatim as exceptions. Anything else falls back to
  XOR with the previous value's bits (Gorilla's idea, one width per chunk).

The byte layout is in ``store.chunkcodec_format``: a version byte, a deflated
body and a CRC32, so any corruption or truncation is a ``ChunkError`` instead
of wrong samples. ``decode_chunks_bulk`` (``store.chunkcodec_bulk``) decodes
many chunks with NumPy operations over all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from store.chunkcodec_bulk import decode_chunks_bulk
from store.chunkcodec_format import (
    F64,
    FORMAT_VERSION,
    HEADER,
    I64,
    MASK64,
    MODE_DECIMAL_DELTA,
    MODE_DECIMAL_OFFSET,
    MODE_XOR,
    POW10,
    U32,
    U64,
    ChunkError,
    apply_patches,
    open_chunk,
    pack,
    seal,
    unpack,
)

__all__ = [
    "FORMAT_VERSION",
    "ChunkError",
    "decode_chunk",
    "decode_chunks_bulk",
    "encode_chunk",
    "encode_chunks_bulk",
]

Timestamps = NDArray[np.int64]
Values = NDArray[np.float64]

_EXACT_INT = float(2**53)
_EXPONENT = np.uint64(0x7FF0_0000_0000_0000)


def _decimal(values: Values) -> tuple[int, NDArray[np.int64], NDArray[np.intp]] | None:
    """Find the smallest k with most values equal to int/10**k; None if too few fit."""
    n = values.size
    bits = values.view(U64)
    # NaN and ±Inf found from the bits: float ops on a signalling NaN would warn.
    special = (bits & _EXPONENT) == _EXPONENT
    safe = np.where(special, 0.0, values) if special.any() else values
    # "+ 0.0" turns -0.0 into 0.0, as decoding int 0 does; so -0.0 fails the check.
    whole = np.rint(safe) + 0.0
    magnitude = np.abs(safe)
    if (whole.view(U64) == bits).all() and magnitude.max() <= _EXACT_INT:
        return 0, whole.astype(np.int64), np.empty(0, dtype=np.intp)  # the common case
    safe = np.where(magnitude <= _EXACT_INT, safe, 0.0)
    scaled = np.rint(safe[:, None] * POW10) + 0.0
    exact = ((scaled / POW10).view(U64) == bits[:, None]) & (np.abs(scaled) <= _EXACT_INT)
    fits = exact.sum(axis=0)
    scale = int(fits.argmax())
    misses = n - int(fits[scale])
    if misses > n // 8:
        return None
    column = scaled[:, scale]
    if misses == 0:
        return scale, column.astype(np.int64), np.empty(0, dtype=np.intp)
    ok = exact[:, scale]
    # Let each exception repeat the previous integer (or the first) so it costs no delta.
    fill = np.maximum.accumulate(np.where(ok, np.arange(n), int(ok.argmax())))
    return scale, column[fill].astype(np.int64), np.flatnonzero(~ok)


def encode_chunk(timestamps: Timestamps, values: Values) -> bytes:
    """Encode one series' samples (timestamps in ms, strictly increasing)."""
    t = np.ascontiguousarray(timestamps, dtype=I64)
    v = np.ascontiguousarray(values, dtype=F64)
    if t.ndim != 1 or v.ndim != 1 or t.size != v.size:
        raise ValueError("timestamps and values must be 1-D arrays of the same length")
    n = t.size
    if n >= 2**32:
        raise ValueError("a chunk holds fewer than 2**32 samples")
    if n > 1 and not bool((t[1:] > t[:-1]).all()):
        raise ValueError("timestamps must be strictly increasing")

    t0 = int(t[0]) if n else 0
    t_step = 0
    t_column: tuple[tuple[int, int, int], bytes] = ((0, 0, 0), b"")
    if n > 1:
        tu = t.view(U64)
        deltas = tu[1:] - tu[:-1]  # wraps correctly: true deltas are in [1, 2**64)
        smallest = deltas.min()
        t_column = pack(deltas - smallest)
        t_step = int(smallest.view(I64))  # stored signed, like every header field

    mode, scale, v_first, v_step, n_exc = MODE_XOR, 0, 0, 0, 0
    v_column: tuple[tuple[int, int, int], bytes] = ((0, 0, 0), b"")
    extra = b""
    found = _decimal(v) if n else None
    if found is not None:
        scale, ints, exceptions = found
        low = int(ints.min())
        steps = ints[1:] - ints[:-1]
        step_min = int(steps.min()) if n > 1 else 0
        if n > 1 and int(steps.max()) - step_min < int(ints.max()) - low:
            mode, v_first, v_step = MODE_DECIMAL_DELTA, int(ints[0]), step_min
            v_column = pack((steps - step_min).view(U64))
        else:
            mode, v_first = MODE_DECIMAL_OFFSET, low
            v_column = pack((ints - low).view(U64))
        n_exc = exceptions.size
        if n_exc:
            extra = exceptions.astype(U32).tobytes() + v[exceptions].view(U64).tobytes()
    elif n:
        bits = v.view(U64)
        v_first = int(bits[0].view(I64))
        v_column = pack(bits[1:] ^ bits[:-1])

    header = HEADER.pack(
        n, t0, t_step, v_first, v_step, mode, scale, n_exc, *t_column[0], *v_column[0]
    )
    return seal(header + t_column[1] + v_column[1] + extra)


def decode_chunk(data: bytes) -> tuple[Timestamps, Values]:
    """Decode ``encode_chunk`` output exactly; ``ChunkError`` if it is not valid."""
    body, layout = open_chunk(data)
    n = layout.n
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    m = n - 1
    pos = HEADER.size
    tu = np.empty(n, dtype=U64)
    tu[0] = layout.t0 & MASK64
    if m:
        deltas = unpack(body, pos, m, layout.t_width, layout.t_shift, layout.t_patches)
        deltas += np.uint64(layout.t_step & MASK64)
        np.cumsum(deltas, out=tu[1:])
        tu[1:] += tu[0]
    pos += layout.t_size
    timestamps = tu.view(I64).astype(np.int64, copy=False)

    column = unpack(body, pos, layout.v_count, layout.v_width, layout.v_shift, layout.v_patches)
    if layout.mode == MODE_XOR:
        bits = np.empty(n, dtype=U64)
        bits[0] = layout.v_first & MASK64
        if m:
            np.bitwise_xor.accumulate(column, out=bits[1:])
            bits[1:] ^= bits[0]
        return timestamps, bits.view(F64).astype(np.float64, copy=False)

    ints = np.empty(n, dtype=np.int64)
    if layout.mode == MODE_DECIMAL_OFFSET:
        np.add(column.view(np.int64), layout.v_first, out=ints)
    else:
        ints[0] = layout.v_first
        if m:
            steps = column.view(np.int64)
            steps += layout.v_step
            np.cumsum(steps, out=ints[1:])
            ints[1:] += layout.v_first
    values = ints.astype(np.float64)
    if layout.scale:
        values /= POW10[layout.scale]
    if layout.n_exceptions:
        apply_patches(values.view(U64), body, pos + layout.v_size, layout.n_exceptions)
    return timestamps, values


def encode_chunks_bulk(chunks: Iterable[tuple[Timestamps, Values]]) -> list[bytes]:
    """Encode many chunks (a loop: the per-chunk choices don't batch well)."""
    return [encode_chunk(t, v) for t, v in chunks]
