"""Byte layout of a sample chunk (see ``store.chunks`` for the why).

Format version 1 (little-endian)::

    u8 version | raw deflate(body) | u32 crc32 of all preceding bytes

``body`` is ``HEADER`` followed by the timestamp column, the value column and,
in the decimal modes, the exceptions (u32 indices, then their raw float64
bits). A column is ``count`` unsigned ints bit-packed at ``width`` bits after
dropping ``shift`` trailing zero bits, then ``patches`` entries (u32 indices,
then u64 values) for the few too wide to pack. The timestamp column holds the
``n - 1`` deltas minus ``t_step``; the value column depends on the mode.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

FORMAT_VERSION = 1

U8 = np.dtype(np.uint8)
U32 = np.dtype("<u4")
U64 = np.dtype("<u8")
I64 = np.dtype("<i8")
F64 = np.dtype("<f8")

# n, t0, t_step, v_first, v_step, mode, scale, n_exceptions, then width, shift and
# patches of the timestamp column and of the value column. All fit in an int64.
HEADER = struct.Struct("<IqqqqBBIBBIBBI")
TRAILER = struct.Struct("<I")

MODE_XOR = 0  # n - 1 XORs of each value's bits with the previous; v_first = first bits
MODE_DECIMAL_OFFSET = 1  # n ints minus v_first (their minimum)
MODE_DECIMAL_DELTA = 2  # n - 1 int deltas minus v_step (their minimum); v_first = first int

MAX_SCALE = 15
POW10 = 10.0 ** np.arange(MAX_SCALE + 1)
MASK64 = 2**64 - 1
LEVEL = 6

_POW2 = np.uint64(1) << np.arange(64, dtype=np.uint64)
_BIT_COST = np.arange(65)
_PATCH_BITS = 96  # u32 index + u64 value


class ChunkError(ValueError):
    """Data that is not a valid chunk: corrupt, truncated or of an unknown version."""


class Layout(NamedTuple):
    """The header fields of one chunk."""

    n: int
    t0: int
    t_step: int
    v_first: int
    v_step: int
    mode: int
    scale: int
    n_exceptions: int
    t_width: int
    t_shift: int
    t_patches: int
    v_width: int
    v_shift: int
    v_patches: int

    @property
    def t_count(self) -> int:
        return max(self.n - 1, 0)

    @property
    def v_count(self) -> int:
        return self.n if self.mode == MODE_DECIMAL_OFFSET else self.t_count

    @property
    def t_packed(self) -> int:
        return (self.t_count * self.t_width + 7) // 8

    @property
    def v_packed(self) -> int:
        return (self.v_count * self.v_width + 7) // 8

    @property
    def t_size(self) -> int:
        return self.t_packed + 12 * self.t_patches

    @property
    def v_size(self) -> int:
        return self.v_packed + 12 * self.v_patches


def seal(body: bytes) -> bytes:
    out = bytes((FORMAT_VERSION,)) + zlib.compress(body, LEVEL, wbits=-15)
    return out + TRAILER.pack(zlib.crc32(out))


def open_chunk(data: bytes) -> tuple[bytes, Layout]:
    """Check and decompress a chunk; its body and header, or ``ChunkError``."""
    view = memoryview(data)
    if len(view) < 1 + TRAILER.size:
        raise ChunkError(f"chunk too short: {len(view)} bytes")
    if view[0] != FORMAT_VERSION:
        raise ChunkError(f"unknown chunk format version {view[0]}")
    (stored_crc,) = TRAILER.unpack_from(view, len(view) - TRAILER.size)
    if zlib.crc32(view[: -TRAILER.size]) != stored_crc:
        raise ChunkError("chunk checksum mismatch: corrupt or truncated data")
    try:
        body = zlib.decompress(view[1 : -TRAILER.size], wbits=-15)
    except zlib.error as error:
        raise ChunkError(f"chunk payload does not decompress: {error}") from error
    if len(body) < HEADER.size:
        raise ChunkError("chunk header is truncated")
    fields = HEADER.unpack_from(body)
    n, _, _, _, _, mode, scale, n_exc, t_width, t_shift, t_patches, v_width, v_shift, v_patches = (
        fields
    )
    m = n - 1 if n else 0
    v_count = n if mode == MODE_DECIMAL_OFFSET else m
    if (
        mode > MODE_DECIMAL_DELTA
        or scale > MAX_SCALE
        or t_width + t_shift > 64
        or v_width + v_shift > 64
        or t_patches > m
        or v_patches > v_count
        or n_exc > n
        or (mode == MODE_XOR and n_exc)
    ):
        raise ChunkError("chunk header has out-of-range fields")
    packed = (m * t_width + 7) // 8 + (v_count * v_width + 7) // 8
    expected = HEADER.size + packed + 12 * (t_patches + v_patches + n_exc)
    if len(body) != expected:
        raise ChunkError(f"chunk body is {len(body)} bytes, header implies {expected}")
    layout = Layout._make(fields)
    return body, layout


def pack(residuals: NDArray[np.uint64]) -> tuple[tuple[int, int, int], bytes]:
    """Bit-pack unsigned ints at one width, patching the few that don't fit (PFor).

    Returns ``(width, shift, patches)`` for the header, and the column bytes.
    The width minimises the size, so one missed scrape or counter reset costs
    one 12-byte patch instead of widening every entry.
    """
    n = residuals.size
    common = int(np.bitwise_or.reduce(residuals)) if n else 0
    if common == 0:
        return (0, 0, 0), b""
    shift = (common & -common).bit_length() - 1
    if shift:
        residuals = residuals >> np.uint64(shift)
    width = (common >> shift).bit_length()
    patches = b""
    n_patches = 0
    if width > 4:
        lengths = np.searchsorted(_POW2, residuals, side="right")
        over = n - np.cumsum(np.bincount(lengths, minlength=65))
        width = int(np.argmin(_BIT_COST * n + over * _PATCH_BITS))
        if over[width]:
            where = np.flatnonzero(lengths > width)
            n_patches = where.size
            patches = where.astype(U32).tobytes() + residuals[where].astype(U64).tobytes()
    as_bits = np.unpackbits(
        residuals.astype(U64, copy=False).view(U8).reshape(n, 8), axis=1, bitorder="little"
    )
    packed = np.packbits(as_bits[:, :width], bitorder="little").tobytes()
    return (width, shift, n_patches), packed + patches


def unpack(
    body: bytes, pos: int, count: int, width: int, shift: int, n_patches: int
) -> NDArray[np.uint64]:
    """The column ``pack`` wrote at ``body[pos:]``."""
    if width == 0 and n_patches == 0:
        return np.zeros(count, dtype=U64)
    nbytes = (count * width + 7) // 8
    bits = np.unpackbits(
        np.frombuffer(body, dtype=U8, count=nbytes, offset=pos),
        count=count * width,
        bitorder="little",
    ).reshape(count, width)
    if width <= 16:
        out = bits @ _POW2[:width]  # fewer NumPy calls than re-packing
    else:
        full = np.zeros((count, 64), dtype=U8)
        full[:, :width] = bits
        out = np.packbits(full, axis=1, bitorder="little").view(U64).reshape(count)
    if n_patches:
        apply_patches(out, body, pos + nbytes, n_patches)
    if shift:
        out <<= np.uint64(shift)
    return out


def apply_patches(out: NDArray[np.uint64], body: bytes, pos: int, n_patches: int) -> None:
    where = np.frombuffer(body, dtype=U32, count=n_patches, offset=pos)
    if int(where.max()) >= out.size:
        raise ChunkError("chunk patch index out of range")
    out[where] = np.frombuffer(body, dtype=U64, count=n_patches, offset=pos + 4 * n_patches)
