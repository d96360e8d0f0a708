"""Prometheus's template functions (``template/template.go``), one registry entry each.

The humanize family reproduces Prometheus's output digit for digit (Go's
``%.4g``), ``query`` runs PromQL through the function the rule evaluator
injects, and the URL/time helpers see the evaluation time and external URL
through ``FunctionContext``. Go's builtins come from ``template_exec``.
"""

from __future__ import annotations

import ipaddress
import math
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from alerts.template_exec import BUILTINS, TemplateFunction, want
from alerts.template_values import (
    AnyMap,
    ExecError,
    GoDuration,
    GoTime,
    Sample,
    Value,
    format_go_float,
    go_g,
    to_float,
)
from promql.durations import DurationError, parse_duration

QueryFunc = Callable[[str, float], list[Sample]]
"""(PromQL expression, evaluation time in seconds) -> instant vector as samples."""


@dataclass(frozen=True)
class FunctionContext:
    """What ``query``, ``now``, ``externalURL`` and ``pathPrefix`` see."""

    query: QueryFunc | None = None
    timestamp: float = 0.0
    external_url: str = ""


def humanize(value: Value) -> str:
    """SI prefixes, four significant digits: ``1.235M``, ``120m``."""
    number = to_float(value)
    if number == 0 or math.isnan(number) or math.isinf(number):
        return go_g(number)
    prefix = ""
    if abs(number) >= 1:
        for candidate in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(number) < 1000:
                break
            prefix, number = candidate, number / 1000
        return go_g(number, suffix=prefix)
    for candidate in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(number) >= 1:
            break
        prefix, number = candidate, number * 1000
    return go_g(number, suffix=prefix)


def humanize1024(value: Value) -> str:
    """Binary prefixes: ``1Mi``, ``1.177Mi``."""
    number = to_float(value)
    if abs(number) <= 1 or math.isnan(number) or math.isinf(number):
        return go_g(number)
    prefix = ""
    for candidate in ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"):
        if abs(number) < 1024:
            break
        prefix, number = candidate, number / 1024
    return go_g(number, suffix=prefix)


def humanize_duration(value: Value) -> str:
    """Seconds as ``1d 1h 0m 0s``, ``1.234s``, ``123.5ms``."""
    number = to_float(value)
    if math.isnan(number) or math.isinf(number):
        return go_g(number)
    if number == 0:
        return go_g(number, suffix="s")
    if abs(number) >= 1:
        sign = "-" if number < 0 else ""
        number = abs(number)
        whole = int(number)
        seconds, minutes = whole % 60, (whole // 60) % 60
        hours, days = (whole // 3600) % 24, whole // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return sign + go_g(number, suffix="s")
    prefix = ""
    for candidate in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(number) >= 1:
            break
        prefix, number = candidate, number * 1000
    return go_g(number, suffix=prefix + "s")


def humanize_percentage(value: Value) -> str:
    return go_g(to_float(value) * 100, suffix="%")


def to_time(value: Value) -> GoTime:
    """Seconds since the epoch as a time (milliseconds kept, as ``model.Time`` does)."""
    number = to_float(value)
    if math.isnan(number) or math.isinf(number):
        raise ExecError("value is NaN or Inf")
    nanoseconds = number * 1e9
    if not -(2.0**63) <= nanoseconds < 2.0**63:
        raise ExecError(
            f"{format_go_float(number)} cannot be represented as a nanoseconds timestamp "
            "since it overflows int64"
        )
    whole = int(nanoseconds)
    millis = abs(whole) // 1_000_000
    return GoTime(-millis if whole < 0 else millis)


def humanize_timestamp(value: Value) -> str:
    number = to_float(value)
    if math.isnan(number) or math.isinf(number):
        return go_g(number)
    return to_time(number).String()


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """Go's ``net.SplitHostPort``, None where Go returns an error."""
    colon = hostport.rfind(":")
    if colon < 0:
        return None
    if hostport.startswith("["):
        close = hostport.find("]")
        if close < 0 or close + 1 != colon:
            return None
        host = hostport[1:close]
    else:
        host = hostport[:colon]
        if ":" in host:
            return None
    if "[" in hostport[1:] or "]" in hostport[colon:]:
        return None
    return host, hostport[colon + 1 :]


def strip_port(hostport: str) -> str:
    split = _split_host_port(want(str, "string", hostport))
    return hostport if split is None else split[0]


def strip_domain(hostport: str) -> str:
    split = _split_host_port(want(str, "string", hostport))
    host, port = split if split is not None else (hostport, "")
    try:
        ipaddress.ip_address(host)
        return hostport
    except ValueError:
        pass
    host = host.split(".")[0]
    if not port:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _go_regexp(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(want(str, "string", pattern))
    except re.error as error:
        raise ExecError(f"regexp: Compile({pattern!r}): error parsing regexp: {error}") from None


_GO_EXPAND = re.compile(r"\$(\$|\{(\w+)\}|(\w+))")


def re_replace_all(pattern: str, replacement: str, text: str) -> str:
    """Go's ``ReplaceAllString``: ``$1``, ``${1}``, ``$name``; unknown groups expand to ''."""
    regex = _go_regexp(pattern)
    want(str, "string", replacement)

    def expand(match: re.Match[str]) -> str:
        def group(ref: re.Match[str]) -> str:
            if ref.group(1) == "$":
                return "$"
            name = ref.group(2) or ref.group(3)
            try:
                return match.group(int(name) if name.isdigit() else name) or ""
            except IndexError:
                return ""

        return _GO_EXPAND.sub(group, replacement)

    return regex.sub(expand, want(str, "string", text))


def title(text: str) -> str:
    """``cases.Title`` with ``NoLower``: capitalise each word's first letter only."""
    return re.sub(r"(?<![\w'])\w", lambda m: m.group(0).upper(), want(str, "string", text))


def _query(context: FunctionContext, expression: str) -> list[Sample]:
    if context.query is None:
        raise ExecError("query is not available when rendering this template")
    try:
        return context.query(want(str, "string", expression), context.timestamp)
    except ExecError:
        raise
    except Exception as error:  # the engine's errors become the template's
        raise ExecError(str(error)) from None


def _first(result: Value) -> Sample:
    if not want(list, "template.queryResult", result):
        raise ExecError("first() called on vector with no elements")
    first: Sample = result[0]
    return first


def _sample(value: Value) -> Sample:
    if value is None:
        raise ExecError("runtime error: invalid memory address or nil pointer dereference")
    return want(Sample, "*template.sample", value)  # type: ignore[no-any-return]


def _sort_by_label(label: str, result: list[Sample]) -> list[Sample]:
    want(list, "template.queryResult", result)
    result.sort(key=lambda sample: sample.Labels.get(label, ""))
    return result


def _link(tab: int) -> Callable[[str], str]:
    def link(expression: str) -> str:
        escaped = urllib.parse.quote_plus(want(str, "string", expression))
        return f"/graph?g0.expr={escaped}&g0.tab={tab}"

    return link


def _parse_duration(text: str) -> float:
    negative = want(str, "string", text).startswith("-")
    try:
        seconds = parse_duration(text[1:] if negative else text)
    except DurationError as error:
        raise ExecError(error.detail) from None
    return -seconds if negative else seconds


def _to_duration(value: Value) -> GoDuration:
    return GoDuration(int(to_float(value) * 1e9))


def _string_function(operation: Callable[[str], str]) -> TemplateFunction:
    return TemplateFunction(lambda text: operation(want(str, "string", text)), 1, 1)


PROMETHEUS_FUNCTIONS: dict[str, TemplateFunction] = {
    "query": TemplateFunction(_query, 1, 1, uses_context=True),
    "first": TemplateFunction(_first, 1, 1),
    "label": TemplateFunction(lambda name, s: _sample(s).Labels.get(name, ""), 2, 2),
    "value": TemplateFunction(lambda s: _sample(s).Value, 1, 1),
    "strvalue": TemplateFunction(lambda s: _sample(s).Labels.get("__value__", ""), 1, 1),
    "args": TemplateFunction(
        lambda *args: AnyMap({f"arg{i}": a for i, a in enumerate(args)}), 0, None
    ),
    "reReplaceAll": TemplateFunction(re_replace_all, 3, 3),
    "safeHtml": _string_function(lambda text: text),
    "match": TemplateFunction(
        lambda pattern, text: _go_regexp(pattern).search(want(str, "string", text)) is not None,
        2,
        2,
    ),
    "title": _string_function(title),
    "toUpper": _string_function(str.upper),
    "toLower": _string_function(str.lower),
    "graphLink": TemplateFunction(_link(0), 1, 1),
    "tableLink": TemplateFunction(_link(1), 1, 1),
    "sortByLabel": TemplateFunction(_sort_by_label, 2, 2),
    "stripPort": TemplateFunction(strip_port, 1, 1),
    "stripDomain": TemplateFunction(strip_domain, 1, 1),
    "humanize": TemplateFunction(humanize, 1, 1),
    "humanize1024": TemplateFunction(humanize1024, 1, 1),
    "humanizeDuration": TemplateFunction(humanize_duration, 1, 1),
    "humanizePercentage": TemplateFunction(humanize_percentage, 1, 1),
    "humanizeTimestamp": TemplateFunction(humanize_timestamp, 1, 1),
    "toTime": TemplateFunction(to_time, 1, 1),
    "toDuration": TemplateFunction(_to_duration, 1, 1),
    "now": TemplateFunction(lambda context: context.timestamp, 0, 0, uses_context=True),
    "pathPrefix": TemplateFunction(
        lambda context: urllib.parse.urlsplit(context.external_url).path, 0, 0, uses_context=True
    ),
    "externalURL": TemplateFunction(lambda context: context.external_url, 0, 0, uses_context=True),
    "parseDuration": TemplateFunction(_parse_duration, 1, 1),
    "urlQueryEscape": _string_function(lambda text: urllib.parse.quote_plus(text)),
}

FUNCTIONS: dict[str, TemplateFunction] = {**BUILTINS, **PROMETHEUS_FUNCTIONS}
"""Every function a template may call: Go's builtins and Prometheus's. Add new ones here."""
