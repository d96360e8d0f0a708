"""Hostile scrape bodies: both exposition parsers parse or raise ExpositionError at a line."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectors import exposition
from collectors.exposition import (
    ExpositionError,
    SampleLimitExceeded,
    parse_openmetrics,
    parse_prometheus_text,
)
from promql.labels import Labels, make_labels
from tests.fuzzing import within_budget

pytestmark = pytest.mark.fuzz

_PIECES = st.sampled_from(
    [
        "metric", "up", "a_b:c", "{", "}", '"', "\\", "\\n", '\\"', "=", ",", " ", "\t", "\n",
        "# TYPE ", "# HELP ", "# UNIT ", "# EOF", "# EOF\n", "counter", "gauge", "histogram",
        "_total", "_created", "le", "quantile", "1", "-2.5e3", "NaN", "+Inf", "-Inf", "0x1p3",
        "1_000",
        "9" * 5000, "123456789012345678901234567890", "#", " # {", "} 1 2", "\r", "\x00", "\u00e9",
    ]
)
_BODIES = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=60).map("".join)
_PARSERS = {"text": parse_prometheus_text, "openmetrics": parse_openmetrics}


@pytest.mark.parametrize("parser", sorted(_PARSERS))
@given(body=_BODIES)
def test_any_body_parses_or_names_its_line(parser: str, body: str) -> None:
    try:
        within_budget(lambda: _PARSERS[parser](body))
    except ExpositionError as error:
        assert 1 <= error.line <= body.count("\n") + 2, error
        assert str(error).startswith(f"line {error.line}: ")


_NAMES = st.from_regex(r"[a-zA-Z_:][a-zA-Z0-9_:]{0,12}", fullmatch=True)
_LABEL_NAMES = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,8}", fullmatch=True)
_VALUES = st.floats(allow_nan=True, allow_infinity=True)
@pytest.mark.parametrize("body", ["\r", "up 1\n\x0b\n", "\u2028"])
def test_a_line_of_odd_whitespace_is_an_error_at_its_line(body: str) -> None:
    with pytest.raises(ExpositionError, match="expected a metric name"):
        parse_prometheus_text(body)


_Series = tuple[str, dict[str, str], float, int | None]
# Prometheus's text lexer takes timestamps as digits only: no sign.
_SERIES = st.tuples(
    _NAMES,
    st.dictionaries(_LABEL_NAMES, st.text(min_size=1, max_size=20), max_size=4),
    _VALUES,
    st.one_of(st.none(), st.integers(0, 2**53)),
)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _line(name: str, labels: dict[str, str], value: float, stamp: int | None) -> str:
    pairs = ",".join(f'{key}="{_escape(text)}"' for key, text in sorted(labels.items()))
    shown = "NaN" if math.isnan(value) else repr(value).replace("inf", "Inf")
    return f"{name}{{{pairs}}} {shown}" + ("" if stamp is None else f" {stamp}")


@given(st.lists(_SERIES, max_size=20, unique_by=lambda s: (s[0], tuple(sorted(s[1].items())))))
def test_written_samples_read_back_the_same(series: list[_Series]) -> None:
    body = "".join(_line(*one) + "\n" for one in series)
    samples = within_budget(lambda: parse_prometheus_text(body)).samples
    assert len(samples) == len(series)
    for (labels, stamp, value), (name, pairs, expected, expected_stamp) in zip(
        samples, series, strict=True
    ):
        assert labels == make_labels({"__name__": name, **pairs})
        assert stamp == expected_stamp
        assert (math.isnan(value) and math.isnan(expected)) or value == expected


@given(st.text(alphabet="ab\n", max_size=60), st.integers(1, 8))
def test_lines_in_blocks_are_the_lines_of_the_text(text: str, block: int) -> None:
    lines = text.split("\n")
    original = exposition._BLOCK
    exposition._BLOCK = block
    try:
        assert list(exposition._lines(text)) == lines
    finally:
        exposition._BLOCK = original


@pytest.mark.parametrize("parser", sorted(_PARSERS))
def test_sample_limit_stops_the_parse_early(parser: str) -> None:
    body = "".join(f'm{{i="{i}"}} 1\n' for i in range(1000)) + "# EOF\n"
    with pytest.raises(SampleLimitExceeded) as raised:
        _PARSERS[parser](body, sample_limit=10)
    assert raised.value.read == 11
    assert len(_PARSERS[parser](body, sample_limit=1000).samples) == 1000


def test_samples_dropped_by_relabelling_do_not_count_toward_the_limit() -> None:
    body = "".join(f"drop_{i} 1\nkeep_{i} 1\n" for i in range(100))

    def drop(labels: Labels) -> Labels:
        return () if labels[0][1].startswith("drop") else labels

    assert len(parse_prometheus_text(body, transform=drop, sample_limit=100).samples) == 200
    with pytest.raises(SampleLimitExceeded):
        parse_prometheus_text(body, transform=drop, sample_limit=99)


def test_a_timestamp_of_thousands_of_digits_is_invalid() -> None:
    with pytest.raises(ExpositionError, match="invalid timestamp"):
        parse_prometheus_text("m 1 " + "9" * 5000 + "\n")
