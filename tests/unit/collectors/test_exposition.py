"""The text-format parsers: spec examples, every error form, and prometheus_client as oracle."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pytest
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Enum,
    Gauge,
    Histogram,
    Info,
    Summary,
    generate_latest,
)
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as client_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as client_text

from collectors.exposition import (
    OPENMETRICS,
    PROMETHEUS_TEXT,
    ExpositionError,
    MetricMetadata,
    format_of,
    parse_exposition,
    parse_openmetrics,
    parse_prometheus_text,
)
from promql.labels import Labels, make_labels

Flat = tuple[str, Labels, str, int | None]


def lbl(name: str, **labels: str) -> Labels:
    return make_labels({"__name__": name, **labels})


# --- Prometheus text format 0.0.4 ------------------------------------------------

MSDOS_LINE = (
    r'msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",'
    r'error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9'
)
SPEC_TEXT = (
    r"""# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
"""
    + MSDOS_LINE
    + r"""

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
"""
)


def test_text_format_spec_example_minus_the_negative_timestamp() -> None:
    text = SPEC_TEXT.replace("+Inf -3982045", "+Inf")
    result = parse_prometheus_text(text)
    assert result.samples[:3] == [
        (lbl("http_requests_total", method="post", code="200"), 1395066363000, 1027.0),
        (lbl("http_requests_total", method="post", code="400"), 1395066363000, 3.0),
        (
            lbl(
                "msdos_file_access_time_seconds",
                path="C:\\DIR\\FILE.TXT",
                error='Cannot find file:\n"FILE.TXT"',
            ),
            None,
            1.458255915e9,
        ),
    ]
    assert result.samples[4] == (lbl("something_weird", problem="division by zero"), None, math.inf)
    assert len(result.samples) == 9
    assert result.metadata == {
        "http_requests_total": MetricMetadata("counter", "The total number of HTTP requests."),
        "http_request_duration_seconds": MetricMetadata(
            "histogram", "A histogram of the request duration."
        ),
    }


def test_negative_timestamps_are_rejected_as_prometheus_does() -> None:
    with pytest.raises(ExpositionError, match=r"^line 13: invalid timestamp '-3982045'"):
        parse_prometheus_text(SPEC_TEXT)


def test_special_values_and_blanks() -> None:
    text = 'a NaN\nb -Inf\n\t c{x = "1" , y="2",} 2e3 \n   \nd{} 1\n'
    samples = parse_prometheus_text(text).samples
    assert math.isnan(samples[0][2])
    assert samples[1] == (lbl("b"), None, -math.inf)
    assert samples[2] == (lbl("c", x="1", y="2"), None, 2000.0)
    assert samples[3] == (lbl("d"), None, 1.0)


def test_label_values_keep_unknown_escapes_and_braces_and_empty_labels_are_dropped() -> None:
    text = 'a{x="\\t}{\\\\n",e=""} 1\n'
    assert parse_prometheus_text(text).samples == [(lbl("a", x="\\t}{\\n"), None, 1.0)]


def test_help_escapes_and_untyped_is_unknown() -> None:
    text = "# HELP a first\\nsecond \\\\ \\x\n# TYPE a untyped\n# a plain comment\n#TYPE b x\na 1\n"
    result = parse_prometheus_text(text)
    assert result.metadata == {"a": MetricMetadata("unknown", "first\nsecond \\ \\x")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a 1\n7x 1\n", r"^line 2: invalid metric name '7x'"),
        ('a{x="1} 1\n', r"^line 1: unterminated label value for 'x'"),
        ("a{x=1} 1\n", r"^line 1: expected label value in quotes for 'x'"),
        ('a{x"1"} 1\n', r"^line 1: expected '=' after label name 'x'"),
        ('a{1x="1"} 1\n', r"^line 1: expected label name, got '1x=\"1\"}'"),
        ('a{x="1" y="2"} 1\n', r"^line 1: expected ',' or '}' after the value of 'x'"),
        ('a{x="1",x="2"} 1\n', r"^line 1: duplicate label name 'x'"),
        ('a{__name__="b"} 1\n', r"^line 1: duplicate label name '__name__'"),
        ("a\n", r"^line 1: expected a value after the series"),
        ("a{} \n", r"^line 1: expected a value after the series"),
        ("a one\n", r"^line 1: invalid value 'one'"),
        ("a 1_000\n", r"^line 1: invalid value '1_000'"),
        ("a 1 2 3\n", r"^line 1: unexpected '3' after the timestamp"),
        ("a 1 1.5\n", r"^line 1: invalid timestamp '1.5'"),
        ('a{x="1"} junk} 1\n', r"^line 1: unexpected 'junk}' after the series"),
        ("# TYPE a gauge_ish\n", r"^line 1: invalid metric type 'gauge_ish'"),
        ("# TYPE 1a gauge\n", r"^line 1: invalid metric name '1a' in # TYPE"),
        ("# HELP a-b help\n", r"^line 1: invalid metric name 'a-b' in # HELP"),
    ],
)
def test_text_format_errors_name_the_line_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(ExpositionError, match=message):
        parse_prometheus_text(text)


# --- OpenMetrics 1.0 -------------------------------------------------------------

SPEC_OPENMETRICS = """# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
# TYPE foo counter
foo_total 17.0 1520879607.789 # {id="counter-test"} 5
foo_created 1520872607.123 1520879607.789
# TYPE bar histogram
bar_bucket{le="+Inf"} 3 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
bar_sum 12.5
bar_count 3
# TYPE baz info
baz_info{version="1.2 # {x}"} 1
# EOF
"""


def test_openmetrics_spec_example() -> None:
    result = parse_openmetrics(SPEC_OPENMETRICS)
    names = [dict(labels)["__name__"] for labels, _, _ in result.samples]
    assert names == [
        "acme_http_router_request_seconds_sum",
        "acme_http_router_request_seconds_count",
        "acme_http_router_request_seconds_created",
        "foo_total",
        "foo_created",
        "bar_bucket",
        "bar_sum",
        "bar_count",
        "baz_info",
    ]
    assert result.samples[3] == (lbl("foo_total"), 1520879607789, 17.0)
    assert result.samples[4] == (lbl("foo_created"), 1520879607789, 1520872607.123)
    assert result.samples[5] == (lbl("bar_bucket", le="+Inf"), None, 3.0)
    assert result.samples[8] == (lbl("baz_info", version="1.2 # {x}"), None, 1.0)
    assert result.metadata["acme_http_router_request_seconds"] == MetricMetadata(
        "summary", "Latency though all of ACME's HTTP request router.", "seconds"
    )
    assert result.metadata["foo"] == MetricMetadata("counter")


def test_openmetrics_eof_may_lack_the_final_newline() -> None:
    assert parse_openmetrics("a 1\n# EOF").samples == [(lbl("a"), None, 1.0)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a 1\n", r"^line 1: the exposition does not end with # EOF"),
        ("", r"^line 1: the exposition does not end with # EOF"),
        ("a 1\n# EOF\nb 1\n", r"^line 3: unexpected data after # EOF"),
        ("a 1\n\n# EOF\n", r"^line 2: empty line"),
        ("# hello\n# EOF\n", r"^line 1: invalid comment"),
        ("a  1\n# EOF\n", r"^line 1: invalid value ''"),
        ('a{x="1", y="2"} 1\n# EOF\n', r"^line 1: expected label name, got ' y=\"2\"}'$"),
        ('a{x="1"}1\n# EOF\n', r"^line 1: expected a space and a value after the labels"),
        ("a 1 NaN\n# EOF\n", r"^line 1: invalid timestamp 'NaN'"),
        ("# TYPE a untyped\n# EOF\n", r"^line 1: invalid metric type 'untyped'"),
        ("# UNIT a_bytes seconds\n# EOF\n", r"^line 1: unit 'seconds' is not a suffix"),
        ('a 1 # {x="1"}\n# EOF\n', r"^line 1: expected a value \(and timestamp\)"),
        ('a{} 1 # x="1"} 2\n# EOF\n', r"^line 1: expected '\{' to start the exemplar"),
        ('a{x="1"} 1 # {x="1"} two\n# EOF\n', r"^line 1: invalid value 'two'"),
    ],
)
def test_openmetrics_errors(text: str, message: str) -> None:
    with pytest.raises(ExpositionError, match=message):
        parse_openmetrics(text)


def test_format_is_chosen_by_content_type() -> None:
    assert format_of("application/openmetrics-text; version=1.0.0; charset=utf-8") == OPENMETRICS
    assert format_of("text/plain; version=0.0.4") == PROMETHEUS_TEXT
    assert format_of("") == PROMETHEUS_TEXT
    with pytest.raises(ExpositionError, match="EOF"):
        parse_exposition("a 1\n", "application/openmetrics-text; version=1.0.0")


# --- The series cache and the label transform ------------------------------------


def test_cache_keeps_transformed_labels_and_transform_runs_once_per_series() -> None:
    calls: list[Labels] = []

    def transform(labels: Labels) -> Labels:
        calls.append(labels)
        return (*labels, ("job", "x"))

    cache: dict[str, Labels] = {}
    text = 'a{b="1"} 1\na{b="1"} 2\nc 3\n'
    first = parse_prometheus_text(text, cache=cache, transform=transform)
    second = parse_prometheus_text(text, cache=cache, transform=transform)
    assert first.samples == second.samples
    assert first.samples[0][0] == (("__name__", "a"), ("b", "1"), ("job", "x"))
    assert len(calls) == 2
    assert set(cache) == {'a{b="1"}', "c"}


# --- prometheus_client as the oracle ---------------------------------------------


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    requests = Counter("http_requests", "Requests.", ["method", "path"], registry=registry)
    requests.labels("GET", '/a"quoted"\\path\nnewline').inc(3)
    requests.labels("POST", "/").inc(0.5)
    Gauge("temperature_celsius", "Temp.", registry=registry).set(-12.25)
    Gauge("nan_gauge", "Not a number.", registry=registry).set(math.nan)
    Gauge("inf_gauge", "Infinite.", registry=registry).set(math.inf)
    latency = Histogram("latency_seconds", "Latency.", ["route"], registry=registry)
    for value in (0.001, 0.2, 3.0, 11.0):
        latency.labels("/x").observe(value)
    Summary("payload_bytes", "Payload.", registry=registry).observe(512)
    Info("build", "Build info.", registry=registry).info({"version": "1.2.3", "rev": "abc"})
    Enum("state", "State.", states=["up", "down"], registry=registry).state("down")
    return registry


NODE_EXPORTER_SNIPPET = """# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 2.37405e+06
node_cpu_seconds_total{cpu="0",mode="iowait"} 1042.16
# HELP node_filesystem_avail_bytes Filesystem space available.
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 4.2e+10
# HELP go_gc_duration_seconds A summary of the pause duration.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.3e-05
go_gc_duration_seconds{quantile="1"} 0.001
go_gc_duration_seconds_sum 0.5
go_gc_duration_seconds_count 110
process_start_time_seconds 1.7e+09 1700000000000
"""


def _flat(samples: Iterable[tuple[Labels, int | None, float]]) -> list[Flat]:
    out = []
    for labels, timestamp, value in samples:
        rest = tuple(pair for pair in labels if pair[0] != "__name__")
        out.append((dict(labels)["__name__"], rest, repr(value), timestamp))
    return out


def _flat_client(families: Iterable[object], openmetrics: bool) -> list[Flat]:
    out = []
    for family in families:
        for sample in family.samples:  # type: ignore[attr-defined]
            stamp = sample.timestamp
            if stamp is not None:
                seconds = stamp.sec + stamp.nsec / 1e9 if openmetrics else stamp
                stamp = int(seconds * 1000) if openmetrics else round(seconds * 1000)
            labels = make_labels({k: v for k, v in sample.labels.items()})
            out.append((sample.name, labels, repr(float(sample.value)), stamp))
    return out


@pytest.mark.parametrize(
    "text",
    [
        generate_latest(_registry()).decode(),
        NODE_EXPORTER_SNIPPET,
        SPEC_TEXT.replace("+Inf -3982045", "+Inf 3982045"),
    ],
    ids=["client_library", "node_exporter", "spec"],
)
def test_text_format_matches_prometheus_client(text: str) -> None:
    assert _flat(parse_prometheus_text(text).samples) == _flat_client(client_text(text), False)


@pytest.mark.parametrize(
    "text",
    [generate_openmetrics(_registry()).decode(), SPEC_OPENMETRICS],  # type: ignore[no-untyped-call]
    ids=["client_library", "spec"],
)
def test_openmetrics_matches_prometheus_client(text: str) -> None:
    ours = _flat(parse_openmetrics(text).samples)
    assert ours == _flat_client(client_openmetrics(text), True)  # type: ignore[no-untyped-call]
    assert any(name.endswith("_created") for name, *_ in ours)


def test_openmetrics_metadata_from_the_client_library() -> None:
    text = generate_openmetrics(_registry()).decode()  # type: ignore[no-untyped-call]
    metadata = parse_openmetrics(text).metadata
    assert metadata["http_requests"] == MetricMetadata("counter", "Requests.")
    assert metadata["build"].type == "info"
    assert metadata["state"].type == "stateset"
    assert metadata["latency_seconds"].type == "histogram"
