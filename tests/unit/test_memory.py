"""Giving freed heap memory back to the system (glibc's malloc_trim)."""

from __future__ import annotations

import platform

import pytest

from console.memory import release_free_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_heap_memory_is_given_back() -> None:
    blocks = [bytearray(2000) for _ in range(50_000)]  # below the mmap threshold: heap
    del blocks[:-1]  # the last one keeps the heap's top in place
    assert release_free_memory() is True
