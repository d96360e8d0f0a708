"""The words an import shows: its progress line and its closing summary.

Pure formatting, so the CLI decides where (and whether) to write, and tests
check the wording without a terminal.
"""

from __future__ import annotations

from datetime import UTC, datetime

from collectors.importers.batches import ImportStats
from promql.durations import format_duration

_BAR_WIDTH = 30


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f}{unit}" if unit == "B" else f"{count:.1f}{unit}"
        count /= 1024
    raise AssertionError("unreachable")


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def _amount(value: float, unit: str) -> str:
    if unit == "bytes":
        return _size(value)
    if unit == "ms":
        return format_duration(value / 1000)
    return f"{value:,.0f} {unit}"


def progress_line(stats: ImportStats, done: float, total: float | None, unit: str = "bytes") -> str:
    """``[#####.....]  42% 1.2GiB/2.9GiB  3,100,000 samples``; no bar when total is unknown.

    ``unit`` is ``bytes`` (a file), ``ms`` (a time span) or any word for a plain count.
    """
    counted = f"{stats.samples:,} samples, {stats.series:,} series"
    if not total:
        return f"{_amount(done, unit)}  {counted}"
    fraction = min(max(done / total, 0.0), 1.0)
    filled = int(fraction * _BAR_WIDTH)
    bar = "#" * filled + "." * (_BAR_WIDTH - filled)
    return f"[{bar}] {fraction:4.0%} {_amount(done, unit)}/{_amount(total, unit)}  {counted}"


def summary_line(stats: ImportStats, elapsed_seconds: float, *, dry_run: bool = False) -> str:
    """The closing report: counts, time range, elapsed and throughput."""
    verb = "validated" if dry_run else "imported"
    rate = stats.samples / elapsed_seconds if elapsed_seconds > 0 else 0.0
    span = (
        f"from {_time(stats.min_time_ms)} to {_time(stats.max_time_ms)}"
        if stats.min_time_ms is not None and stats.max_time_ms is not None
        else "no samples"
    )
    text = (
        f"{verb} {stats.samples:,} samples of {stats.series:,} series in "
        f"{stats.batches:,} batches, {span}; {elapsed_seconds:.1f}s, {rate:,.0f} samples/s"
    )
    if stats.skipped:
        text += f"; skipped {stats.skipped:,} native histogram samples"
    return text
