"""Prometheus staleness markers: a NaN with a special payload.

A scrape writes this value for a series that disappeared, so queries stop
returning it at once instead of for the 5-minute lookback. Ordinary NaNs
(``float("nan")``, ``0x7ff8000000000000``) are data; only these exact bits mean
"stale", so compare bits, never values.
"""

from __future__ import annotations

import struct

STALE_NAN_BITS = 0x7FF0000000000002
_STALE_BYTES = struct.pack("<Q", STALE_NAN_BITS)
_DOUBLE = struct.Struct("<d")

STALE_NAN: float = _DOUBLE.unpack(_STALE_BYTES)[0]


def is_stale_nan(value: float) -> bool:
    return value != value and _DOUBLE.pack(value) == _STALE_BYTES
