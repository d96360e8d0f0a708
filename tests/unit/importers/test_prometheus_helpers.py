"""Slicing, time arguments and the raw-sample extraction, with a fake Prometheus client."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from collectors.importers.batches import ImportStats
from collectors.importers.prometheus import (
    PrometheusImportError,
    default_slice_ms,
    fetch_samples,
    import_prometheus,
    parse_time,
    time_slices,
)
from collectors.importers.summary import progress_line, summary_line
from store.series import SeriesIndex


def test_slices_cover_the_span_oldest_first() -> None:
    assert list(time_slices(0, 25, 10)) == [(0, 10), (10, 20), (20, 25)]
    assert list(time_slices(5, 5, 10)) == []
    with pytest.raises(ValueError):
        list(time_slices(0, 10, 0))


def test_the_default_slice_is_720_steps() -> None:
    assert default_slice_ms(15) == 3 * 3600 * 1000
    assert default_slice_ms(0.0001) == 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", 1_000_000.0),
        ("6h", 1_000_000.0 - 6 * 3600),
        ("1h30m", 1_000_000.0 - 5400),
        ("1700000000", 1_700_000_000.0),
        ("1700000000.5", 1_700_000_000.5),
        ("2023-11-14T22:13:20Z", 1_700_000_000.0),
        ("2023-11-14T23:13:20+01:00", 1_700_000_000.0),
    ],
)
def test_times_are_now_a_duration_ago_unix_seconds_or_rfc3339(text: str, expected: float) -> None:
    assert parse_time(text, now=1_000_000.0) == expected


@pytest.mark.parametrize("text", ["yesterday", "2023-11-14T22:13:20", "6x"])
def test_a_time_that_is_none_of_those_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text, now=0)


class FakePrometheus:
    """Answers ``selector[Nms]`` at ``time`` from fixed series, inclusive at both ends
    (Prometheus 2's range semantics, the one that could double-count)."""

    def __init__(self, series: list[dict[str, Any]]) -> None:
        self.series = series
        self.queries: list[tuple[str, str]] = []

    def custom_query(self, query: str, params: dict[str, Any] | None = None) -> Any:
        assert params is not None
        self.queries.append((query, params["time"]))
        selector, _, window = query.rpartition("[")
        end = round(float(params["time"]) * 1000)
        start = end - int(window.removesuffix("ms]"))
        result = []
        for item in self.series:
            if selector not in ("{}", item["metric"]["__name__"]):
                continue
            values = [[t / 1000, v] for t, v in item["values"] if start <= t <= end]
            if values or item.get("histograms"):
                result.append({**item, "values": values})
        return result


def series(name: str, points: list[tuple[int, str]], **labels: str) -> dict[str, Any]:
    return {"metric": {"__name__": name, **labels}, "values": points}


def test_every_raw_sample_is_taken_once_across_slices_and_selectors() -> None:
    client = FakePrometheus(
        [
            series("up", [(t, "1") for t in range(0, 100_001, 10_000)], job="a"),
            series("temp", [(5, "NaN"), (30_000, "+Inf"), (30_001, "-1.5")]),
        ]
    )
    stats = import_prometheus(
        client, ["up", "temp", "up"], 0, 100_000, None, SeriesIndex(), slice_ms=30_000
    )
    assert stats.samples == 11 + 3
    assert stats.series == 2
    assert (stats.min_time_ms, stats.max_time_ms) == (0, 100_000)
    first_slice = [("up[30000ms]", "30.000"), ("temp[30000ms]", "30.000")]
    assert client.queries[:3] == [*first_slice, ("up[30000ms]", "30.000")]


def test_samples_outside_the_requested_span_are_left_out() -> None:
    client = FakePrometheus([series("up", [(t, "1") for t in range(0, 100_001, 10_000)])])
    stats = import_prometheus(client, ["up"], 20_000, 55_000, None, SeriesIndex(), slice_ms=60_000)
    assert (stats.samples, stats.min_time_ms, stats.max_time_ms) == (4, 20_000, 50_000)


def test_samples_keep_exact_timestamps_and_special_values() -> None:
    client = FakePrometheus([series("temp", [(5, "NaN"), (30_000, "+Inf"), (30_001, "-1.5")])])
    samples = list(fetch_samples(client, ["temp"], 0, 60_000, 30_000, ImportStats()))
    assert [(labels, ts) for labels, ts, _ in samples] == [
        ((("__name__", "temp"),), 5),
        ((("__name__", "temp"),), 30_000),
        ((("__name__", "temp"),), 30_001),
    ]
    values = [value for _, _, value in samples]
    assert math.isnan(values[0])
    assert values[1:] == [math.inf, -1.5]


def test_native_histograms_are_counted_as_skipped() -> None:
    item = series("h", [])
    item["histograms"] = [[1, {"count": "1"}], [2, {"count": "2"}]]
    stats = import_prometheus(FakePrometheus([item]), ["h"], 0, 10, None, SeriesIndex())
    assert (stats.samples, stats.skipped) == (0, 2)
    assert "skipped 2 native histogram samples" in summary_line(stats, 1.0)


def test_a_bad_selector_fails_before_any_request() -> None:
    client = FakePrometheus([])
    with pytest.raises(ValueError):
        import_prometheus(client, ["rate(up[5m])"], 0, 10, None, SeriesIndex())
    assert client.queries == []


def test_a_client_failure_names_the_query() -> None:
    class Failing:
        def custom_query(self, query: str, params: dict[str, Any] | None = None) -> Any:
            raise ConnectionError("refused")

    with pytest.raises(PrometheusImportError, match=r"up\[10ms\]: refused"):
        import_prometheus(Failing(), ["up"], 0, 10, None, SeriesIndex())


def test_summary_and_progress_wording() -> None:
    start = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)
    stats = ImportStats(samples=1_000_000, batches=20, min_time_ms=start, max_time_ms=start + 1500)
    stats.series_seen.update({(("__name__", "a"),), (("__name__", "b"),)})
    assert summary_line(stats, 4.0) == (
        "imported 1,000,000 samples of 2 series in 20 batches, from "
        "2024-01-01T00:00:00.000+00:00 to 2024-01-01T00:00:01.500+00:00; "
        "4.0s, 250,000 samples/s"
    )
    assert summary_line(ImportStats(), 0.0, dry_run=True).startswith("validated 0 samples")
    assert progress_line(stats, 512, 2048) == (
        "[#######.......................]  25% 512B/2.0KiB  1,000,000 samples, 2 series"
    )
    assert progress_line(stats, 3_600_000, 4 * 3_600_000, "ms").split()[2] == "1h/4h"
    assert progress_line(stats, 3 * 1024**3, None) == "3.0GiB  1,000,000 samples, 2 series"
