"""The streaming OpenMetrics reader: block boundaries, line numbers, timestamps, # EOF."""

from __future__ import annotations

import io
import math

import pytest

from collectors.importers.batches import ImportStats
from collectors.importers.openmetrics import (
    OpenMetricsImportError,
    import_openmetrics,
    label_transform,
    read_openmetrics,
)
from store.samples import Sample
from store.series import SeriesIndex

# Block sizes from one character (every line its own block, lines split across
# reads) to larger than the document (one block).
BLOCK_SIZES = [1, 2, 7, 64, 1 << 20]

DOCUMENT = """\
# HELP http_requests Requests served.
# TYPE http_requests counter
# UNIT http_requests requests
http_requests_total{code="200",path="/a"} 10 1700000000
http_requests_total{code="200",path="/a"} 12.5 1700000015.250
http_requests_created{code="200",path="/a"} 1699999000 1700000000
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1 1700000000
latency_seconds_bucket{le="+Inf"} 3 1700000000 # {trace_id="abc"} 0.05 1699999999.5
latency_seconds_count 3 1700000000
latency_seconds_sum 0.42 1700000000
# TYPE escaped gauge
escaped{text="quote\\" backslash\\\\ newline\\n other\\t"} -Inf 1700000000
escaped{text=""} NaN 1700000000
# EOF
"""

EXPECTED: list[Sample] = [
    ((("__name__", "http_requests_total"), ("code", "200"), ("path", "/a")), 1700000000000, 10.0),
    ((("__name__", "http_requests_total"), ("code", "200"), ("path", "/a")), 1700000015250, 12.5),
    (
        (("__name__", "http_requests_created"), ("code", "200"), ("path", "/a")),
        1700000000000,
        1699999000.0,
    ),
    ((("__name__", "latency_seconds_bucket"), ("le", "0.1")), 1700000000000, 1.0),
    ((("__name__", "latency_seconds_bucket"), ("le", "+Inf")), 1700000000000, 3.0),
    ((("__name__", "latency_seconds_count"),), 1700000000000, 3.0),
    ((("__name__", "latency_seconds_sum"),), 1700000000000, 0.42),
    (
        (("__name__", "escaped"), ("text", 'quote" backslash\\ newline\n other\\t')),
        1700000000000,
        -math.inf,
    ),
    ((("__name__", "escaped"),), 1700000000000, math.nan),
]


def read_all(text: str, block_chars: int = 1 << 20) -> list[Sample]:
    return [
        sample
        for block in read_openmetrics(io.StringIO(text), block_chars=block_chars)
        for sample in block
    ]


def same(actual: list[Sample], expected: list[Sample]) -> bool:
    """Equal, with NaN equal to NaN."""
    return len(actual) == len(expected) and all(
        a[:2] == e[:2] and (a[2] == e[2] or (math.isnan(a[2]) and math.isnan(e[2])))
        for a, e in zip(actual, expected, strict=True)
    )


def error_of(text: str, block_chars: int = 1 << 20) -> OpenMetricsImportError:
    with pytest.raises(OpenMetricsImportError) as caught:
        read_all(text, block_chars)
    return caught.value


@pytest.mark.parametrize("block_chars", BLOCK_SIZES)
def test_it_reads_the_same_samples_whatever_the_block_size(block_chars: int) -> None:
    assert same(read_all(DOCUMENT, block_chars), EXPECTED)


def test_it_reads_a_document_without_a_final_newline() -> None:
    assert same(read_all(DOCUMENT.rstrip("\n")), EXPECTED)


def test_it_yields_samples_block_by_block_not_all_at_once() -> None:
    blocks = list(read_openmetrics(io.StringIO(DOCUMENT), block_chars=64))
    assert len(blocks) > 3
    assert max(len(block) for block in blocks) < len(EXPECTED)


def test_timestamps_are_seconds_truncated_to_milliseconds_as_prometheus_does() -> None:
    text = "a 1 1.5\na 1 -2.25\na 1 1e3\na 1 0.0019\n# EOF\n"
    assert [ts for _, ts, _ in read_all(text)] == [1500, -2250, 1_000_000, 1]


@pytest.mark.parametrize("block_chars", BLOCK_SIZES)
@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('a 1 1\nb{x="1" 2 2\n# EOF\n', 2, "expected a space and a value after the labels"),
        ("a 1 1\na 1 1\nb oops 1\n# EOF\n", 3, "invalid value 'oops'"),
        ("a 1 1\na 1 abc\n# EOF\n", 2, "invalid value 'abc'"),
        ("a 1 1\n\na 1 2\n# EOF\n", 2, "empty line"),
        ("a 1 1\n# a comment\n# EOF\n", 2, "invalid comment"),
        ("# TYPE a counter\n# TYPE b nonsense\n# EOF\n", 2, "invalid metric type"),
        ("a 1 1\na 1 2 3\n# EOF\n", 2, "after the timestamp"),
        ('a{b="1",b="2"} 1 1\n# EOF\n', 1, "duplicate label name 'b'"),
    ],
)
def test_a_malformed_line_is_reported_with_its_line_in_the_file(
    text: str, line: int, reason: str, block_chars: int
) -> None:
    error = error_of(text, block_chars)
    assert (error.line, reason in error.reason) == (line, True), error


@pytest.mark.parametrize("block_chars", BLOCK_SIZES)
def test_a_sample_without_a_timestamp_is_an_error_at_its_line(block_chars: int) -> None:
    text = "# TYPE a gauge\na 1 1\n# HELP a help\na 2\na 3 3\n# EOF\n"
    error = error_of(text, block_chars)
    assert error.line == 4
    assert error.reason == "expected a timestamp for the sample, got none"


@pytest.mark.parametrize("block_chars", BLOCK_SIZES)
@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("a 1 1\n", 1, "data does not end with # EOF"),
        ("a 1 1\na 1 2", 2, "data does not end with # EOF"),
        ("", 1, "data does not end with # EOF"),
        ("a 1 1\n# EOF\na 1 2\n", 3, "unexpected data after # EOF"),
        ("# EOF\n# EOF\n", 2, "unexpected data after # EOF"),
        ("a 1 1\n# EOF\n\n", 3, "unexpected data after # EOF"),
        ("a 1 1\n# EOF \n", 2, "invalid comment"),
    ],
)
def test_eof_must_be_the_last_line(text: str, line: int, reason: str, block_chars: int) -> None:
    error = error_of(text, block_chars)
    assert (error.line, error.reason) == (line, reason) or (
        error.line == line and reason in error.reason
    ), error


def test_an_empty_document_is_just_eof() -> None:
    assert read_all("# EOF\n") == []
    assert read_all("# EOF") == []


def test_extra_labels_are_added_and_replace_existing_ones() -> None:
    transform = label_transform({"cluster": "eu", "job": "backfill"})
    samples = [
        sample
        for block in read_openmetrics(
            io.StringIO('a{job="api",x="1"} 1 1\n# EOF\n'), transform=transform
        )
        for sample in block
    ]
    assert samples == [
        ((("__name__", "a"), ("cluster", "eu"), ("job", "backfill"), ("x", "1")), 1000, 1.0)
    ]
    assert label_transform({}) is None


def lines(count: int) -> str:
    return "".join(f'm{{i="{i % 3}"}} {i} {i}\n' for i in range(count)) + "# EOF\n"


def test_a_dry_run_counts_batches_series_and_time_range() -> None:
    progress: list[int] = []
    stats = import_openmetrics(
        io.StringIO(lines(10)),
        None,
        SeriesIndex(),
        lambda s: progress.append(s.samples),
        batch_size=4,
        dry_run=True,
    )
    assert (stats.samples, stats.series, stats.batches) == (10, 3, 3)
    assert (stats.min_time_ms, stats.max_time_ms) == (0, 9000)
    assert progress == [4, 8, 10]


def test_an_error_reports_what_was_committed_before_it() -> None:
    text = lines(9).replace("# EOF\n", "broken\n# EOF\n")
    with pytest.raises(OpenMetricsImportError) as caught:
        import_openmetrics(io.StringIO(text), None, SeriesIndex(), batch_size=4)
    error = caught.value
    assert (error.line, str(error)) == (10, "line 10: expected a value after the series")
    assert (error.stats.samples, error.stats.batches) == (8, 2)
    assert isinstance(error.stats, ImportStats)


@pytest.mark.parametrize("block_chars", BLOCK_SIZES)
def test_the_first_error_in_the_file_is_the_one_reported(block_chars: int) -> None:
    error = error_of("a 1 1\na 2\nb{ 1 1\n# EOF\n", block_chars)
    assert (error.line, error.reason) == (2, "expected a timestamp for the sample, got none")
    error = error_of("a 1 1\nb{ 1 1\na 2\n# EOF\n", block_chars)
    assert (error.line, error.reason) == (2, "expected a space and a value after the labels")


@pytest.mark.parametrize("block_chars", BLOCK_SIZES)
def test_every_whole_batch_before_an_error_is_handed_over(block_chars: int) -> None:
    bad_lines = {10: lines(9).replace("# EOF\n", "x 1\n# EOF\n"), 11: lines(9) + "x 1 1\n"}
    for line, text in bad_lines.items():
        with pytest.raises(OpenMetricsImportError) as caught:
            import_openmetrics(io.StringIO(text), None, SeriesIndex(), batch_size=2, dry_run=True)
        assert (caught.value.line, caught.value.stats.samples) == (line, 8)
