"""Arrival-rate shape and request identifiers for the simulated user traffic."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from demo.state import FloatArray, IntArray

DAY = 86_400.0
#: Mean gateway requests per second over a day; the wave keeps it within ~20-50.
BASE_RATE = 35.0

_MIX = np.uint64(0x9E3779B97F4A7C15)


def arrival_rate(t: float, base: float = BASE_RATE) -> float:
    """Deterministic diurnal wave plus a 15-minute ripple, in requests/s.

    Noise is added by the caller (Poisson arrivals, per-step jitter), so the
    shape alone is a pure function of wall time.
    """
    day = math.sin(2 * math.pi * ((t % DAY) / DAY - 0.25))
    ripple = math.sin(2 * math.pi * t / 900.0)
    return base * (1.0 + 0.25 * day + 0.05 * ripple)


def spread_starts(t: float, dt: float, n: int) -> FloatArray:
    """Request start times evenly spread through a step (no RNG: cheap, stable)."""
    return t + (np.arange(n, dtype=np.float64) + 0.5) * (dt / max(n, 1))


def _splitmix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """SplitMix64 finaliser over uint64 arrays (wrapping arithmetic is intended)."""
    z = x + _MIX
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def trace_ids(step: int, stream: int, n: int) -> IntArray:
    """Unique, random-looking 63-bit trace ids derived from (step, stream, index).

    Deriving ids instead of drawing them keeps the simulation's RNG stream
    identical whether or not logs are collected.
    """
    seq = (np.uint64(step) << np.uint64(24)) | (np.uint64(stream) << np.uint64(18))
    mixed = _splitmix(seq + np.arange(n, dtype=np.uint64))
    return (mixed & np.uint64(0x7FFF_FFFF_FFFF_FFFF)).astype(np.int64)


def format_trace_id(value: int) -> str:
    """W3C-style 32-hex-digit trace id (the same in every service's logs)."""
    low = int(_splitmix(np.array([value], dtype=np.uint64))[0])
    return f"{value:016x}{low:016x}"
