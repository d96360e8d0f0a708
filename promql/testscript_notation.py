"""The series notation of Prometheus test scripts: ``metric{a="b"} 0+10x100 _ stale``.

Parsed by hand rather than through the PromQL parser because it is a separate
little language (``x`` repetition, ``_`` gaps, ``stale``) and must stay
independent of the query grammar.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from promql.labels import METRIC_NAME, Labels, make_labels
from promql.staleness import STALE_NAN


class NotationError(ValueError):
    """A series description that does not follow the test-script notation."""


@dataclass(frozen=True)
class SequenceValue:
    """One position of a series sequence; ``omitted`` is a gap, ``histogram`` a native one."""

    value: float = 0.0
    omitted: bool = False
    histogram: bool = False


_NUMBER = r"(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_SIGNED = rf"[+-]?(?:{_NUMBER}|[iI][nN][fF]|[nN][aA][nN])"
_VALUE = re.compile(rf"^({_SIGNED}|stale)(?:({_SIGNED})?x([0-9]+))?$")
_BLANK = re.compile(r"^_(?:x([0-9]+))?$")
_IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "\\": "\\",
    '"': '"',
    "'": "'",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "0": "\0",
}


def parse_number(text: str) -> float:
    """A number as Prometheus's test notation spells it (``Inf``, ``-NaN``, ``1e3``, ``0x1F``)."""
    body = text.lstrip("+-")
    sign = -1.0 if text.startswith("-") else 1.0
    low = body.lower()
    if low == "inf":
        return sign * math.inf
    if low == "nan":
        return math.nan
    if low.startswith("0x"):
        return sign * float(int(body[2:].replace("_", ""), 16))
    return sign * float(body.replace("_", ""))


def _read_string(text: str, pos: int) -> tuple[str, int]:
    quote = text[pos]
    pos += 1
    out: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == quote:
            return "".join(out), pos + 1
        if char == "\\" and quote != "`":
            pos += 1
            esc = text[pos]
            if esc in "xuU":
                width = {"x": 2, "u": 4, "U": 8}[esc]
                out.append(chr(int(text[pos + 1 : pos + 1 + width], 16)))
                pos += width
            else:
                out.append(_ESCAPES.get(esc, esc))
        else:
            out.append(char)
        pos += 1
    raise NotationError(f"unterminated string in {text!r}")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def parse_metric(text: str) -> tuple[Labels, int]:
    """Parse ``name{labels}`` at the start of text; return the labels and where it ended."""
    pos = 0
    pairs: list[tuple[str, str]] = []
    ident = _IDENT.match(text, pos)
    if ident:
        pairs.append((METRIC_NAME, ident.group()))
        pos = ident.end()
    if pos < len(text) and text[pos] == "{":
        pos += 1
        while True:
            pos = _skip_space(text, pos)
            if pos >= len(text):
                raise NotationError(f"unterminated label set in {text!r}")
            if text[pos] == "}":
                pos += 1
                break
            if text[pos] in "\"'`":
                name, pos = _read_string(text, pos)
            else:
                match = _IDENT.match(text, pos)
                if not match:
                    raise NotationError(f"bad label name in {text!r}")
                name, pos = match.group(), match.end()
            pos = _skip_space(text, pos)
            if pos < len(text) and text[pos] == "=":
                pos = _skip_space(text, pos + 1)
                value, pos = _read_string(text, pos)
                pairs.append((name, value))
            else:  # a bare quoted string is the metric name: {"my.metric"}
                pairs.append((METRIC_NAME, name))
            pos = _skip_space(text, pos)
            if pos < len(text) and text[pos] == ",":
                pos += 1
    elif not ident:
        raise NotationError(f"expected a metric in {text!r}")
    return make_labels(pairs), pos


def _tokens(text: str) -> list[str]:
    """Split the value part on spaces, keeping ``{{ … }}`` histograms whole."""
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        pos = _skip_space(text, pos)
        if pos >= len(text):
            break
        start = pos
        while pos < len(text) and text[pos] not in " \t":
            if text.startswith("{{", pos):
                end = text.find("}}", pos)
                if end < 0:
                    raise NotationError(f"unterminated histogram in {text!r}")
                pos = end + 2
            else:
                pos += 1
        tokens.append(text[start:pos])
    return tokens


def expand_item(item: str) -> list[SequenceValue]:
    """Expand one item (``5``, ``1+2x3``, ``_x2``, ``stale``, ``{{…}}x2``) into positions."""
    blank = _BLANK.match(item)
    if blank:
        count = int(blank.group(1)) if blank.group(1) else 1
        return [SequenceValue(omitted=True)] * count
    if item.startswith("{{"):
        repeat = re.search(r"x([0-9]+)$", item)
        count = (
            int(repeat.group(1)) + 1
            if repeat and item.endswith(repeat.group()) and "}}x" in item
            else 1
        )
        return [SequenceValue(histogram=True)] * count
    match = _VALUE.match(item)
    if not match:
        raise NotationError(f"bad series value {item!r}")
    first, delta, times = match.groups()
    value = STALE_NAN if first == "stale" else parse_number(first)
    if times is None:
        return [SequenceValue(value)]
    step = parse_number(delta) if delta else 0.0
    out: list[SequenceValue] = []
    for _ in range(int(times) + 1):
        out.append(SequenceValue(value))
        value += step  # repeated addition, exactly as Prometheus accumulates
    return out


def parse_series(line: str) -> tuple[Labels, list[SequenceValue]]:
    """Parse a whole ``<series> <points>`` line."""
    labels, pos = parse_metric(line.strip())
    values: list[SequenceValue] = []
    for token in _tokens(line.strip()[pos:]):
        values.extend(expand_item(token))
    return labels, values
