"""Label sets: the identity of a series everywhere in Vigil.

A label set is a tuple of (name, value) pairs sorted by name, so it is hashable,
cheap to compare and has one canonical form. ``__name__`` holds the metric name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

Labels = tuple[tuple[str, str], ...]
METRIC_NAME = "__name__"
_SEPARATOR = b"\xff"


def make_labels(pairs: Mapping[str, str] | Iterable[tuple[str, str]]) -> Labels:
    """Canonical label set; empty values are dropped, as Prometheus treats them as absent."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return tuple(sorted((name, value) for name, value in items if value != ""))


def metric_name(labels: Labels) -> str:
    for name, value in labels:
        if name == METRIC_NAME:
            return value
    return ""


def get_label(labels: Labels, name: str) -> str:
    for label, value in labels:
        if label == name:
            return value
    return ""


def without_name(labels: Labels) -> Labels:
    return tuple(pair for pair in labels if pair[0] != METRIC_NAME)


def fingerprint(labels: Labels) -> int:
    """A stable signed 64-bit hash of a label set, the same in every process."""
    digest = hashlib.blake2b(digest_size=8)
    for name, value in labels:
        digest.update(name.encode())
        digest.update(_SEPARATOR)
        digest.update(value.encode())
        digest.update(_SEPARATOR)
    return int.from_bytes(digest.digest(), "big", signed=True)


def format_labels(labels: Labels) -> str:
    """``name{a="1", b="2"}`` as Prometheus prints a series."""
    name = metric_name(labels)
    rest = ", ".join(
        f'{label}="{_escape(value)}"' for label, value in labels if label != METRIC_NAME
    )
    return f"{name}{{{rest}}}" if rest or not name else name


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
