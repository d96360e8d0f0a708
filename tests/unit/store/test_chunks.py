"""The sample chunk codec: exact round trips, size on realistic data, corrupt input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from store.chunkcodec_format import HEADER, MODE_DECIMAL_OFFSET, seal
from store.chunks import ChunkError, decode_chunk, decode_chunks_bulk, encode_chunk

STALE_BITS = 0x7FF0000000000002
NAN_BITS = 0x7FF8000000000000
SPECIAL_BITS = [
    STALE_BITS,
    NAN_BITS,
    0xFFF8000000000001,
    0x8000000000000000,
    0x7FF0000000000000,
    0xFFF0000000000000,
    1,
    0x000FFFFFFFFFFFFF,
]


def bits_to_floats(bits: list[int]) -> NDArray[np.float64]:
    return np.array(bits, dtype=np.uint64).view(np.float64)


def assert_round_trip(timestamps: NDArray[np.int64], values: NDArray[np.float64]) -> bytes:
    data = encode_chunk(timestamps, values)
    for decoded_t, decoded_v in (decode_chunk(data), decode_chunks_bulk([data])[0]):
        assert decoded_t.dtype == np.int64 and decoded_v.dtype == np.float64
        np.testing.assert_array_equal(decoded_t, timestamps)
        np.testing.assert_array_equal(decoded_v.view(np.uint64), values.view(np.uint64))
    return data


increasing_timestamps = st.one_of(
    st.lists(st.integers(-(2**63), 2**63 - 1), max_size=150, unique=True).map(sorted),
    st.tuples(
        st.integers(-(2**50), 2**50),
        st.lists(st.one_of(st.integers(1, 30), st.integers(14_990, 15_010), st.integers(1, 2**40))),
    ).map(lambda start_gaps: [start_gaps[0] + g for g in np.cumsum([0, *start_gaps[1]]).tolist()]),
)


@st.composite
def chunks(
    draw: st.DrawFn, values: st.SearchStrategy[float]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    timestamps = draw(increasing_timestamps)
    drawn = draw(st.lists(values, min_size=len(timestamps), max_size=len(timestamps)))
    return np.array(timestamps, dtype=np.int64), np.array(drawn, dtype=np.float64)


any_bits = st.integers(0, 2**64 - 1).map(lambda b: float(bits_to_floats([b])[0]))
decimal_like = st.one_of(
    st.builds(lambda i, k: float(f"{i}e-{k}"), st.integers(-(10**12), 10**12), st.integers(0, 16)),
    st.sampled_from(SPECIAL_BITS).map(lambda b: float(bits_to_floats([b])[0])),
)


@settings(max_examples=150, deadline=None)
@given(chunks(any_bits))
def test_any_float64_bit_pattern_round_trips_exactly(
    chunk: tuple[NDArray[np.int64], NDArray[np.float64]],
) -> None:
    assert_round_trip(*chunk)


@settings(max_examples=150, deadline=None)
@given(chunks(decimal_like))
def test_short_decimals_and_special_values_round_trip_exactly(
    chunk: tuple[NDArray[np.int64], NDArray[np.float64]],
) -> None:
    assert_round_trip(*chunk)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(chunks(any_bits), chunks(decimal_like)), max_size=6))
def test_bulk_decoding_equals_decoding_each(
    batch: list[tuple[NDArray[np.int64], NDArray[np.float64]]],
) -> None:
    encoded = [encode_chunk(t, v) for t, v in batch]
    for (t, v), (bulk_t, bulk_v) in zip(batch, decode_chunks_bulk(encoded), strict=True):
        np.testing.assert_array_equal(bulk_t, t)
        np.testing.assert_array_equal(bulk_v.view(np.uint64), v.view(np.uint64))


def test_the_staleness_marker_stays_distinct_from_an_ordinary_nan() -> None:
    values = bits_to_floats([NAN_BITS, STALE_BITS, 0x3FF0000000000000, STALE_BITS])
    _, decoded = decode_chunk(encode_chunk(np.arange(4, dtype=np.int64), values))
    assert decoded.view(np.uint64).tolist() == [
        NAN_BITS,
        STALE_BITS,
        0x3FF0000000000000,
        STALE_BITS,
    ]


def test_a_staleness_marker_after_a_counter_keeps_the_compact_integer_form() -> None:
    values = np.arange(100, dtype=np.float64) * 3
    values[-1] = bits_to_floats([STALE_BITS])[0]
    data = assert_round_trip(np.arange(100, dtype=np.int64) * 15_000, values)
    assert len(data) < 60


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_chunks(n: int) -> None:
    assert_round_trip(np.arange(n, dtype=np.int64) - 5, np.full(n, -0.0))


def test_negative_zero_stays_negative_among_integers() -> None:
    assert_round_trip(np.arange(4, dtype=np.int64), np.array([1.0, -0.0, 0.0, 2.0]))


def test_a_constant_series_takes_a_few_bytes() -> None:
    timestamps = 1_700_000_000_000 + 15_000 * np.arange(240, dtype=np.int64)
    data = assert_round_trip(timestamps, np.ones(240))
    assert len(data) < 40


def test_missed_scrapes_and_counter_resets_round_trip() -> None:
    timestamps = 1_700_000_000_000 + 15_000 * np.arange(200, dtype=np.int64)
    timestamps[100:] += 15_000 * 50
    values = np.cumsum(np.full(200, 7.0))
    values[150:] -= values[149]
    assert_round_trip(timestamps, values)


def test_timestamps_at_the_ends_of_int64() -> None:
    timestamps = np.array([-(2**63), -1, 0, 2**63 - 1], dtype=np.int64)
    assert_round_trip(timestamps, np.array([1.5, 2.5, 3.5, 4.5]))


def realistic_dataset() -> list[tuple[NDArray[np.int64], NDArray[np.float64]]]:
    """120-sample chunks at a 15 s scrape interval with up to 3 ms of jitter."""
    rng = np.random.default_rng(42)
    out = []
    for kind in range(40):
        grid = 1_715_000_000_000 + 15_000 * np.arange(120, dtype=np.int64)
        timestamps = grid + rng.integers(-3, 4, 120)
        if kind % 4 == 0:  # counter
            values = 1e6 + np.cumsum(rng.poisson(rng.uniform(0.5, 40), 120)).astype(float)
        elif kind % 4 == 1:  # gauge with one or two decimals
            walk = 50 + np.cumsum(rng.normal(0, 0.5, 120))
            values = np.array([float(f"{x:.{1 + kind % 2}f}") for x in walk])
        elif kind % 4 == 2:  # histogram bucket
            values = np.cumsum(rng.poisson(rng.choice([0.0, 0.05, 0.5, 3.0]), 120)).astype(float)
        else:
            values = np.ones(120)
        out.append((timestamps, values))
    return out


def test_realistic_data_takes_at_most_two_bytes_per_sample() -> None:
    dataset = realistic_dataset()
    for kind in range(4):
        part = dataset[kind::4]
        size = sum(len(assert_round_trip(t, v)) for t, v in part)
        assert size / (120 * len(part)) <= 2.0, kind


@pytest.fixture(scope="module")
def valid_chunk() -> bytes:
    values = np.cumsum(np.arange(50, dtype=np.float64))
    values[[3, 30]] = bits_to_floats([STALE_BITS, NAN_BITS])
    timestamps = 1_700_000_000_000 + 1000 * np.arange(50, dtype=np.int64)
    timestamps[20:] += 10**9
    return encode_chunk(timestamps, values)


def test_truncated_data_raises_chunk_error(valid_chunk: bytes) -> None:
    for length in range(len(valid_chunk)):
        with pytest.raises(ChunkError):
            decode_chunk(valid_chunk[:length])


def test_every_single_bit_flip_raises_chunk_error(valid_chunk: bytes) -> None:
    for position in range(len(valid_chunk) * 8):
        corrupt = bytearray(valid_chunk)
        corrupt[position // 8] ^= 1 << (position % 8)
        with pytest.raises(ChunkError):
            decode_chunk(bytes(corrupt))
        with pytest.raises(ChunkError):
            decode_chunks_bulk([valid_chunk, bytes(corrupt)])


def test_trailing_bytes_and_garbage_raise_chunk_error(valid_chunk: bytes) -> None:
    for data in [valid_chunk + b"\0", b"", b"\x01", bytes(100), b"\x02" + valid_chunk[1:]]:
        with pytest.raises(ChunkError):
            decode_chunk(data)


def test_a_checksummed_but_inconsistent_body_raises_chunk_error() -> None:
    header = HEADER.pack(3, 0, 1, 0, 0, MODE_DECIMAL_OFFSET, 0, 1, 0, 0, 0, 0, 0, 0)
    bad_exception_index = header + (7).to_bytes(4, "little") + bytes(8)
    bad_mode = HEADER.pack(3, 0, 1, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0)
    for body in [bad_exception_index, bad_mode, header, b"\0" * 10]:
        with pytest.raises(ChunkError):
            decode_chunk(seal(body))
        with pytest.raises(ChunkError):
            decode_chunks_bulk([seal(body)])


def test_encoding_rejects_unordered_or_mismatched_input() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        encode_chunk(np.array([1, 1]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="same length"):
        encode_chunk(np.array([1, 2]), np.array([1.0]))


def test_flat_decoding_is_the_bulk_decoding_concatenated() -> None:
    from store.chunkcodec_bulk import decode_chunks_flat

    rng = np.random.default_rng(5)
    batch = []
    for n in [0, 1, 2, 120, 240, 3]:
        timestamps = np.cumsum(rng.integers(14_990, 15_010, n)).astype(np.int64)
        values = rng.choice([np.cumsum(rng.integers(0, 9, n)) * 1.0, rng.random(n)])
        batch.append(encode_chunk(timestamps, np.asarray(values, np.float64)))
    bulk = decode_chunks_bulk(batch * 300)  # several internal batches
    flat_t, flat_v, counts = decode_chunks_flat(batch * 300)
    assert counts.tolist() == [len(t) for t, _ in bulk]
    np.testing.assert_array_equal(flat_t, np.concatenate([t for t, _ in bulk]))
    np.testing.assert_array_equal(
        flat_v.view(np.uint64), np.concatenate([v for _, v in bulk]).view(np.uint64)
    )
