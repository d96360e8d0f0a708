"""Giving freed memory back to the system, for the long-running agent.

glibc's allocator returns free memory from the middle of its heaps only when
asked (``malloc_trim``); the agent asks periodically from its otherwise idle
main thread (about 20 ms for a 200 MB heap). After start-up, when the agent
creates every series at once and its writer queue is at its longest, this
gives back roughly 10-20 MiB at 100,000 series (``python -m bench.agent_memory``,
docs/performance.md). Capping glibc's arenas (``MALLOC_ARENA_MAX=2``) was
measured too and gave nothing measurable, so the agent leaves them alone.

On a C library without ``malloc_trim`` (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

TRIM_INTERVAL_SECONDS = 30.0


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not hasattr(libc, "malloc_trim"):
        return None
    return libc


def release_free_memory() -> bool:
    """Give free heap pages back to the system (``malloc_trim(0)``); True if any were."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
