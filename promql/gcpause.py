"""Pause Python's cyclic garbage collector while a query builds many objects.

Evaluating a query and writing its result allocate tens of thousands of
containers (label tuples, row tuples, lists) and almost no reference cycles.
Each 700 allocations start a collection, and every so often a full one that
walks every object in the process: measured on the query benchmark, those
full collections cost 80-160 ms of a 0.3-1 s query. Pausing the collector for
the duration is safe (nothing cyclic is produced; what is, is collected after)
and is undone on exit. Only the thread that paused it resumes it, so nested or
concurrent pauses never leave the collector off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
