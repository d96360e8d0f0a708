"""Benchmark of ``store.chunks``: bytes per sample per data kind, encode/decode speed.

Run from the repository root: ``.venv/bin/python bench/chunk_codec.py [--chunks N]``.
The Gorilla column is the exact size a Prometheus XOR chunk would have (2-byte
header + bit stream, computed here sample by sample), for comparison.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store.chunks import (
    decode_chunk,
    decode_chunks_bulk,
    encode_chunk,
    encode_chunks_bulk,
)

Chunk = tuple[NDArray[np.int64], NDArray[np.float64]]
SAMPLES = 120
START_MS = 1_715_000_000_000
STALE_NAN = np.array([0x7FF0000000000002], dtype=np.uint64).view(np.float64)[0]


def scrape_times(rng: np.random.Generator, interval_ms: int, jitter_ms: int) -> NDArray[np.int64]:
    offset = int(rng.integers(0, interval_ms))
    grid = START_MS + offset + interval_ms * np.arange(SAMPLES, dtype=np.int64)
    if jitter_ms:
        grid += rng.integers(-jitter_ms, jitter_ms + 1, SAMPLES)
    return grid


def counter(rng: np.random.Generator) -> NDArray[np.float64]:
    rate = rng.uniform(0.2, 40.0)
    start = float(rng.integers(0, 10**7))
    return start + np.cumsum(rng.poisson(rate, SAMPLES)).astype(np.float64)


def gauge(rng: np.random.Generator) -> NDArray[np.float64]:
    """A few significant digits: load average, temperature, percentages."""
    digits = int(rng.integers(1, 3))
    level = rng.uniform(0.5, 80.0)
    walk = level + np.cumsum(rng.normal(0, level * 0.01, SAMPLES))
    return np.array([float(f"{x:.{digits}f}") for x in walk])


def memory_gauge(rng: np.random.Generator) -> NDArray[np.float64]:
    """Bytes in use: an integer moving by multiples of 4 KiB pages."""
    pages = 10**5 + np.cumsum(rng.integers(-50, 60, SAMPLES))
    return (pages * 4096).astype(np.float64)


def histogram_bucket(rng: np.random.Generator) -> NDArray[np.float64]:
    """One bucket of a latency histogram: most scrapes add nothing or a little."""
    rate = rng.choice([0.0, 0.02, 0.3, 2.0, 8.0])
    start = float(rng.integers(0, 10**5))
    return start + np.cumsum(rng.poisson(rate, SAMPLES)).astype(np.float64)


def constant(rng: np.random.Generator) -> NDArray[np.float64]:
    return np.ones(SAMPLES)


def stale_counter(rng: np.random.Generator) -> NDArray[np.float64]:
    values = counter(rng)
    values[-3:] = STALE_NAN
    return values


def float_gauge(rng: np.random.Generator) -> NDArray[np.float64]:
    """Computed floats (rates, ratios): full mantissas, no short decimal form."""
    return np.cumsum(rng.normal(0, 1, SAMPLES)) / 3.0 + 100.0


KINDS: dict[str, tuple[Callable[[np.random.Generator], NDArray[np.float64]], int, int]] = {
    "counter 15s": (counter, 15_000, 3),
    "counter 1s": (counter, 1_000, 2),
    "gauge 15s (1-2 decimals)": (gauge, 15_000, 3),
    "memory gauge 15s (bytes)": (memory_gauge, 15_000, 3),
    "histogram bucket 15s": (histogram_bucket, 15_000, 3),
    "constant up=1 15s": (constant, 15_000, 3),
    "constant up=1 15s no jitter": (constant, 15_000, 0),
    "counter + staleness 15s": (stale_counter, 15_000, 3),
    "float gauge 15s (XOR path)": (float_gauge, 15_000, 3),
}
REALISTIC = ["counter 15s", "gauge 15s (1-2 decimals)", "histogram bucket 15s", "constant up=1 15s"]


def make_chunks(kind: str, count: int, seed: int = 1) -> list[Chunk]:
    make_values, interval, jitter = KINDS[kind]
    rng = np.random.default_rng(seed)
    return [(scrape_times(rng, interval, jitter), make_values(rng)) for _ in range(count)]


def gorilla_bytes(timestamps: NDArray[np.int64], values: NDArray[np.float64]) -> int:
    """Size of a Prometheus XOR chunk holding these samples (tsdb/chunkenc/xor.go)."""

    def varint_len(x: int, signed: bool) -> int:
        u = (x << 1) ^ (x >> 63) if signed else x
        return max(1, math.ceil(u.bit_length() / 7))

    bits_of = [struct.unpack("<Q", struct.pack("<d", v))[0] for v in values.tolist()]
    ts = timestamps.tolist()
    bits = 8 * varint_len(ts[0], True) + 64
    leading, trailing, prev_delta = 0xFF, 0, 0
    for i in range(1, len(ts)):
        delta = ts[i] - ts[i - 1]
        if i == 1:
            bits += 8 * varint_len(delta, False)
        else:
            dod = delta - prev_delta
            if dod == 0:
                bits += 1
            elif -(2**13 - 1) <= dod <= 2**13:
                bits += 16
            elif -(2**16 - 1) <= dod <= 2**16:
                bits += 20
            elif -(2**19 - 1) <= dod <= 2**19:
                bits += 24
            else:
                bits += 68
        prev_delta = delta
        xor = bits_of[i] ^ bits_of[i - 1]
        if xor == 0:
            bits += 1
            continue
        lead = min(64 - xor.bit_length(), 31)
        trail = (xor & -xor).bit_length() - 1
        if leading != 0xFF and lead >= leading and trail >= trailing:
            bits += 2 + 64 - leading - trailing
        else:
            leading, trailing = lead, trail
            bits += 2 + 5 + 6 + 64 - lead - trail
    return 2 + (bits + 7) // 8


def measure(chunks: list[Chunk], repeat: int = 3) -> tuple[float, float, float]:
    """Best-of-``repeat`` samples/s: encode, decode one by one, bulk decode."""
    samples = sum(len(t) for t, _ in chunks)
    best = [math.inf, math.inf, math.inf]
    for _ in range(repeat):
        start = time.perf_counter()
        encoded = encode_chunks_bulk(chunks)
        encoded_at = time.perf_counter()
        for data in encoded:
            decode_chunk(data)
        single_at = time.perf_counter()
        decode_chunks_bulk(encoded)
        bulk_at = time.perf_counter()
        times = [encoded_at - start, single_at - encoded_at, bulk_at - single_at]
        best = [min(b, t) for b, t in zip(best, times, strict=True)]
    encode, single, bulk = (samples / t for t in best)
    return encode, single, bulk


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=2000, help="chunks per speed run")
    args = parser.parse_args(argv)

    print(f"{'kind':34} {'B/sample':>9} {'Gorilla':>9}")
    realistic_bytes = realistic_samples = 0
    for kind in KINDS:
        chunks = make_chunks(kind, 200)
        encoded = [encode_chunk(t, v) for t, v in chunks]
        for (t, v), data in zip(chunks, encoded, strict=True):
            t2, v2 = decode_chunk(data)
            assert np.array_equal(t, t2) and np.array_equal(v.view(np.uint64), v2.view(np.uint64))
        samples = sum(len(t) for t, _ in chunks)
        size = sum(len(d) for d in encoded)
        gorilla = sum(gorilla_bytes(t, v) for t, v in chunks[:50]) / (50 * SAMPLES)
        if kind in REALISTIC:
            realistic_bytes += size
            realistic_samples += samples
        print(f"{kind:34} {size / samples:9.3f} {gorilla:9.3f}")
    print(f"{'realistic mix':34} {realistic_bytes / realistic_samples:9.3f}")

    mixed = [c for kind in KINDS for c in make_chunks(kind, args.chunks // len(KINDS), seed=2)]
    encode_rate, single_rate, bulk_rate = measure(mixed)
    print(f"\n{len(mixed)} chunks of {SAMPLES} samples, all kinds mixed, M samples/s:")
    print(
        f"encode {encode_rate / 1e6:.2f}, decode_chunk {single_rate / 1e6:.2f}, "
        f"decode_chunks_bulk {bulk_rate / 1e6:.2f}"
    )


if __name__ == "__main__":
    main()
