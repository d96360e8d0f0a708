"""Parse the Prometheus text format (0.0.4) and OpenMetrics 1.0 text into samples.

This is the scrape hot path, so it works line by line with plain string
operations. The label set of each series is parsed once and kept in a cache
keyed by the series text (``name{...}`` exactly as exposed); a scrape loop
passes the same cache every time, as Prometheus's scrape cache does, so a
steady target costs a dict lookup and a ``float()`` per sample. Semantics follow
Prometheus's ``model/textparse`` (promparse.go, openmetricsparse.go):
``_created`` lines are kept as samples, empty label values are dropped, and
exemplars are checked for syntax and dropped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import islice

from collectors.exposition_series import (
    METRIC_NAME_RE,
    ExpositionError,
    metric_labels,
    parse_label_pairs,
    parse_series,
)
from promql.labels import Labels

__all__ = [
    "OPENMETRICS",
    "PROMETHEUS_TEXT",
    "Exposition",
    "ExpositionError",
    "LabelTransform",
    "MetricMetadata",
    "Sample",
    "SampleLimitExceeded",
    "SeriesCache",
    "format_of",
    "parse_exposition",
    "parse_openmetrics",
    "parse_prometheus_text",
]

Sample = tuple[Labels, int | None, float]
"""Labels, the exposed timestamp in milliseconds (None when there is none), value."""
LabelTransform = Callable[[Labels], Labels]
SeriesCache = dict[str, Labels]
"""Series text as exposed → its (transformed) label set."""

PROMETHEUS_TEXT = "text/plain"
OPENMETRICS = "application/openmetrics-text"

_PROM_TYPES = {
    "counter": "counter",
    "gauge": "gauge",
    "histogram": "histogram",
    "summary": "summary",
    "untyped": "unknown",
}
_OM_TYPES = frozenset(
    ("counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown")
)
_HELP_ESCAPES = {"\\\\": "\\", "\\n": "\n"}
_OM_HELP_ESCAPES = {"\\\\": "\\", "\\n": "\n", '\\"': '"'}
_EOF = "# EOF"
_INT64_DIGITS = 19
"""Prometheus parses timestamps as int64; longer digit strings would also hit int()'s limit."""


@dataclass(frozen=True, slots=True)
class MetricMetadata:
    """What ``# TYPE``, ``# HELP`` and ``# UNIT`` said about a metric family."""

    type: str = "unknown"
    help: str = ""
    unit: str = ""


@dataclass(slots=True)
class Exposition:
    samples: list[Sample]
    metadata: dict[str, MetricMetadata]
    """Keyed by family name as written in the metadata lines."""


def format_of(content_type: str) -> str:
    """The parser a response's Content-Type asks for; the text format by default."""
    media_type = content_type.partition(";")[0].strip().lower()
    return OPENMETRICS if media_type == OPENMETRICS else PROMETHEUS_TEXT


def parse_exposition(
    text: str,
    content_type: str = PROMETHEUS_TEXT,
    *,
    cache: SeriesCache | None = None,
    transform: LabelTransform | None = None,
    sample_limit: int = 0,
) -> Exposition:
    parse = parse_openmetrics if format_of(content_type) == OPENMETRICS else parse_prometheus_text
    return parse(text, cache=cache, transform=transform, sample_limit=sample_limit)


def parse_prometheus_text(
    text: str,
    *,
    cache: SeriesCache | None = None,
    transform: LabelTransform | None = None,
    sample_limit: int = 0,
) -> Exposition:
    """Parse text format 0.0.4; ``transform`` is applied once per new series.

    More than ``sample_limit`` samples left by ``transform`` (0: no limit) stop the
    parse with SampleLimitExceeded, before a hostile body's series fill memory.
    """
    samples: list[Sample] = []
    limit = _SampleLimit(sample_limit)
    check_at = limit.next_check
    append = samples.append
    metadata: dict[str, MetricMetadata] = {}
    series = {} if cache is None else cache
    lookup = series.get
    for number, line in enumerate(_lines(text), 1):
        if not line:
            continue
        if line[0] in " \t":
            line = line.lstrip(" \t")
            if not line:
                continue
        if line[0] == "#":
            _prometheus_comment(line, number, metadata)
            continue
        close = line.rfind("}")
        if close < 0:
            fields = line.split()
            if not fields:  # only whitespace other than " \t", such as "\r"
                raise ExpositionError(number, f"expected a metric name, got {line[:40]!r}")
            key = fields[0]
            del fields[0]
        else:
            key = line[: close + 1]
            fields = line[close + 1 :].split()
        labels = lookup(key)
        if labels is None:
            labels = series[key] = _new_series(key, number, False, transform)
        if len(fields) == 1:
            value_text = fields[0]
            timestamp = None
        elif len(fields) == 2:
            value_text, stamp = fields
            if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > _INT64_DIGITS:
                raise ExpositionError(number, f"invalid timestamp {stamp!r}")
            timestamp = int(stamp)
        else:
            raise _fields_error(number, fields)
        try:
            value = float(value_text)
        except ValueError:
            raise ExpositionError(number, f"invalid value {value_text!r}") from None
        if "_" in value_text:  # Python accepts 1_000, Prometheus does not
            raise ExpositionError(number, f"invalid value {value_text!r}")
        append((labels, timestamp, value))
        if len(samples) > check_at:
            check_at = limit.check(samples)
    return Exposition(samples, metadata)


def parse_openmetrics(
    text: str,
    *,
    cache: SeriesCache | None = None,
    transform: LabelTransform | None = None,
    sample_limit: int = 0,
) -> Exposition:
    """Parse OpenMetrics 1.0 text, which must end with ``# EOF``; limits as the text format."""
    lines = text.split("\n")
    _strip_eof(lines)
    samples: list[Sample] = []
    limit = _SampleLimit(sample_limit)
    check_at = limit.next_check
    append = samples.append
    metadata: dict[str, MetricMetadata] = {}
    series = {} if cache is None else cache
    lookup = series.get
    for number, line in enumerate(lines, 1):
        if not line:
            raise ExpositionError(number, "empty line (OpenMetrics allows none)")
        if line[0] == "#":
            _openmetrics_comment(line, number, metadata)
            continue
        if "{" not in line:
            fields = line.split(" ")
            key = fields.pop(0)
        elif " # " in line:  # maybe an exemplar: take the careful path
            key, fields = _split_exemplar_line(line, number)
        else:
            close = line.rfind("}")
            key = line[: close + 1]
            rest = line[close + 1 :]
            if rest[:1] != " ":
                raise ExpositionError(number, "expected a space and a value after the labels")
            fields = rest[1:].split(" ")
        labels = lookup(key)
        if labels is None:
            labels = series[key] = _new_series(key, number, True, transform)
        if len(fields) == 1:
            value_text = fields[0]
            timestamp = None
        elif len(fields) == 2:
            value_text, stamp = fields
            timestamp = _openmetrics_timestamp(stamp, number)
        else:
            raise _fields_error(number, fields)
        try:
            value = float(value_text)
        except ValueError:
            raise ExpositionError(number, f"invalid value {value_text!r}") from None
        if "_" in value_text:
            raise ExpositionError(number, f"invalid value {value_text!r}")
        append((labels, timestamp, value))
        if len(samples) > check_at:
            check_at = limit.check(samples)
    return Exposition(samples, metadata)


_BLOCK = 1 << 20


def _lines(text: str) -> Iterator[str]:
    """``text.split("\\n")`` a megabyte at a time, so a body of a million lines that
    fails its sample limit early never has them all in memory at once."""
    start = 0
    while True:
        end = text.find("\n", start + _BLOCK)
        if end < 0:
            yield from text[start:].split("\n")
            return
        yield from text[start:end].split("\n")
        start = end + 1


class SampleLimitExceeded(Exception):
    """More samples than the scrape's ``sample_limit``; ``read`` says how many were parsed."""

    def __init__(self, read: int) -> None:
        self.read = read
        super().__init__(f"sample limit exceeded after {read} samples")


class _SampleLimit:
    """Counts kept samples (non-empty labels) incrementally, only when the limit could be hit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = self.checked = 0
        self.next_check = limit if limit else sys.maxsize

    def check(self, samples: list[Sample]) -> int:
        """The length past which to check again; raises once more than ``limit`` are kept."""
        self.kept += sum(1 for sample in islice(samples, self.checked, None) if sample[0])
        self.checked = len(samples)
        if self.kept > self.limit:
            raise SampleLimitExceeded(len(samples))
        return len(samples) + self.limit - self.kept


def _new_series(key: str, number: int, strict: bool, transform: LabelTransform | None) -> Labels:
    if "{" in key or " " in key or "\t" in key:
        labels, end = parse_series(key, number, strict=strict)
        rest = key[end:] if strict else key[end:].rstrip(" \t")
        if rest:
            raise ExpositionError(number, f"unexpected {rest.lstrip()[:40]!r} after the series")
    else:
        labels = metric_labels(key, number)
    return transform(labels) if transform is not None else labels


def _value(text: str, number: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ExpositionError(number, f"invalid value {text!r}") from None
    if "_" in text:  # Python accepts 1_000, Prometheus does not
        raise ExpositionError(number, f"invalid value {text!r}")
    return value


def _openmetrics_timestamp(text: str, number: int) -> int:
    seconds = _value(text, number) if text else float("nan")
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise ExpositionError(number, f"invalid timestamp {text!r}")
    return int(seconds * 1000)


def _fields_error(number: int, fields: list[str]) -> ExpositionError:
    if not fields:
        return ExpositionError(number, "expected a value after the series")
    return ExpositionError(number, f"unexpected {' '.join(fields[2:])[:40]!r} after the timestamp")


def _split_exemplar_line(line: str, number: int) -> tuple[str, list[str]]:
    """Series key and value fields of an OpenMetrics line that may carry an exemplar."""
    _, end = parse_series(line, number, strict=True)
    head, marker, exemplar = line[end:].partition(" # ")
    if head[:1] != " ":
        raise ExpositionError(number, "expected a space and a value after the labels")
    if marker:
        _check_exemplar(exemplar, number)
    return line[:end], head[1:].split(" ")


def _check_exemplar(text: str, number: int) -> None:
    if text[:1] != "{":
        raise ExpositionError(number, "expected '{' to start the exemplar labels")
    _, end = parse_label_pairs(text, 1, number, strict=True)
    fields = text[end:].split(" ")
    if fields[0] != "" or len(fields) not in (2, 3):
        raise ExpositionError(number, "expected a value (and timestamp) after the exemplar labels")
    _value(fields[1], number)
    if len(fields) == 3:
        _openmetrics_timestamp(fields[2], number)


def _strip_eof(lines: list[str]) -> None:
    if lines and lines[-1] == "":
        lines.pop()
    if lines and lines[-1] == _EOF:
        lines.pop()
        return
    if _EOF in lines:
        raise ExpositionError(lines.index(_EOF) + 2, "unexpected data after # EOF")
    raise ExpositionError(max(len(lines), 1), "the exposition does not end with # EOF")


def _prometheus_comment(line: str, number: int, metadata: dict[str, MetricMetadata]) -> None:
    """``# HELP`` and ``# TYPE`` are metadata; any other comment is ignored."""
    body = line[1:]
    if body[:1] not in (" ", "\t"):
        return
    body = body.lstrip(" \t")
    keyword = body[:4]
    if keyword not in ("HELP", "TYPE") or body[4:5] not in (" ", "\t"):
        return
    name, text = _metadata_name(body[5:].lstrip(" \t"), keyword, number)
    if keyword == "HELP":
        _set(metadata, name, help=_unescape(text, _HELP_ESCAPES))
        return
    kind = _PROM_TYPES.get(text.rstrip(" \t"))
    if kind is None:
        raise ExpositionError(number, f"invalid metric type {text!r}")
    _set(metadata, name, type=kind)


def _openmetrics_comment(line: str, number: int, metadata: dict[str, MetricMetadata]) -> None:
    keyword = line[2:6]
    if line[1:2] != " " or keyword not in ("HELP", "TYPE", "UNIT") or line[6:7] != " ":
        raise ExpositionError(
            number, "invalid comment: OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF"
        )
    name, text = _metadata_name(line[7:], keyword, number)
    if keyword == "HELP":
        _set(metadata, name, help=_unescape(text, _OM_HELP_ESCAPES))
    elif keyword == "TYPE":
        if text not in _OM_TYPES:
            raise ExpositionError(number, f"invalid metric type {text!r}")
        _set(metadata, name, type=text)
    else:
        if text and not name.endswith("_" + text):
            raise ExpositionError(number, f"unit {text!r} is not a suffix of metric {name!r}")
        _set(metadata, name, unit=text)


def _metadata_name(rest: str, keyword: str, number: int) -> tuple[str, str]:
    """Split ``name text``; the text is what follows the one blank after the name."""
    match = METRIC_NAME_RE.match(rest)
    end = match.end() if match else 0
    if match is None or (end < len(rest) and rest[end] not in " \t"):
        shown = (rest.split(None, 1) or [""])[0][:40]
        raise ExpositionError(number, f"invalid metric name {shown!r} in # {keyword}")
    return match.group(), rest[end + 1 :]


def _unescape(text: str, escapes: dict[str, str]) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        pair = text[index : index + 2]
        if pair in escapes:
            out.append(escapes[pair])
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _set(metadata: dict[str, MetricMetadata], name: str, **changes: str) -> None:
    metadata[name] = replace(metadata.get(name, MetricMetadata()), **changes)
