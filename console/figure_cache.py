"""Panel figures kept for one step, so twenty viewers of a dashboard cost one query each.

Relative ranges are aligned to their step (``dashboards.timerange``), so every
request within a step for the same panel, variables and range is the same query;
its figure is kept, already encoded as JSON, until the step has passed (never
longer than ``MAX_TTL_SECONDS``). Errors are not kept.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 512
MAX_TTL_SECONDS = 60.0


class FigureCache:
    def __init__(
        self, *, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()

    def figure_json(
        self, key: Hashable, ttl_seconds: float, build: Callable[[], dict[str, Any]]
    ) -> bytes:
        """The figure for ``key`` as JSON, built (outside the lock) when absent or expired."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(key)
                return entry[1]
        encoded = json.dumps(build(), separators=(",", ":"), allow_nan=False).encode()
        with self._lock:
            self._entries[key] = (now + min(ttl_seconds, MAX_TTL_SECONDS), encoded)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return encoded
