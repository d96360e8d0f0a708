"""The Prometheus-compatible HTTP API, so Grafana and other Prometheus tools can use Vigil."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response

from console.api.envelope import ApiError, bad_data, success, success_json
from console.api.params import (
    MAX_TIME,
    MIN_TIME,
    param,
    param_list,
    parse_duration_param,
    parse_time,
    resolution,
    time_param,
)
from console.auth import Role, requires
from console.context import current
from promql.durations import format_duration
from promql.engine import Engine as QueryEngine
from promql.engine import InvalidRangeQueryError, QueryTimeoutError
from promql.errors import ParseError, PromQLError
from promql.matchers import Matcher
from promql.parser import parse_expr, parse_metric_selector
from promql.values import Value
from store.status import store_stats
from store.targets import list_targets

VERSION = "0.1.0"

blueprint = Blueprint("prometheus_api", __name__, url_prefix="/api/v1")
QUERY_METHODS = ["GET", "POST"]


def _required(name: str) -> str:
    value = param(name)
    if not value:
        raise bad_data(f'invalid parameter "{name}": missing required parameter')
    return value


def _run(evaluate: Callable[[], Value]) -> Response:
    """Evaluate, mapping the engine's errors to Prometheus's error types and statuses."""
    try:
        result = evaluate()
    except ParseError as error:
        raise bad_data(f'invalid parameter "query": {error}') from None
    except QueryTimeoutError as error:
        raise ApiError("timeout", str(error)) from None
    except InvalidRangeQueryError as error:
        raise bad_data(str(error)) from None
    except PromQLError as error:
        raise ApiError("execution", str(error)) from None
    return success_json(result.to_json_bytes())


def _query_engine() -> QueryEngine:
    """The app's engine, or one with the shorter ``timeout`` a request asks for."""
    engine = current().query_engine
    text = param("timeout")
    if not text:
        return engine
    timeout = parse_duration_param(text, "timeout")
    if timeout >= engine.options.timeout:
        return engine
    return QueryEngine(replace(engine.options, timeout=timeout), engine.clock)


@blueprint.route("/query", methods=QUERY_METHODS)
@requires(Role.VIEWER)
def query() -> Response:
    context = current()
    expression = _required("query")
    at = time_param("time", context.clock())
    engine = _query_engine()
    return _run(lambda: engine.instant_query(context.querier, expression, at))


@blueprint.route("/query_range", methods=QUERY_METHODS)
@requires(Role.VIEWER)
def query_range() -> Response:
    context = current()
    expression = _required("query")
    start = parse_time(_required("start"), "start")
    end = parse_time(_required("end"), "end")
    if end < start:
        raise bad_data('invalid parameter "end": end timestamp must not be before start time')
    step = resolution(start, end, parse_duration_param(_required("step"), "step"))
    engine = _query_engine()
    return _run(lambda: engine.range_query(context.querier, expression, start, end, step))


def _match_params() -> list[list[Matcher]]:
    selectors = []
    for text in param_list("match[]"):
        try:
            selectors.append(parse_metric_selector(text))
        except ParseError as error:
            raise bad_data(f'invalid parameter "match[]": {error}') from None
    return selectors


def _window() -> tuple[int, int]:
    start = time_param("start", MIN_TIME)
    end = time_param("end", MAX_TIME)
    return math.floor(start * 1000), math.ceil(end * 1000)


@blueprint.route("/series", methods=QUERY_METHODS)
@requires(Role.VIEWER)
def series() -> Response:
    selectors = _match_params()
    if not selectors:
        raise bad_data("no match[] parameter provided")
    start_ms, end_ms = _window()
    seen: dict[Any, dict[str, str]] = {}
    for matchers in selectors:
        for data in current().querier.select(matchers, start_ms, end_ms):
            seen.setdefault(data.labels, dict(data.labels))
    return success([seen[key] for key in sorted(seen)])


@blueprint.route("/labels", methods=QUERY_METHODS)
@requires(Role.VIEWER)
def labels() -> Response:
    selectors = _match_params()
    start_ms, end_ms = _window()
    querier = current().querier
    if not selectors:
        return success(querier.label_names((), start_ms, end_ms))
    names: set[str] = set()
    for matchers in selectors:
        names.update(querier.label_names(matchers, start_ms, end_ms))
    return success(sorted(names))


@blueprint.route("/label/<name>/values", methods=["GET"])
@requires(Role.VIEWER)
def label_values(name: str) -> Response:
    selectors = _match_params()
    start_ms, end_ms = _window()
    querier = current().querier
    if not selectors:
        return success(querier.label_values(name, (), start_ms, end_ms))
    values: set[str] = set()
    for matchers in selectors:
        values.update(querier.label_values(name, matchers, start_ms, end_ms))
    return success(sorted(values))


@blueprint.route("/query_exemplars", methods=QUERY_METHODS)
@requires(Role.VIEWER)
def query_exemplars() -> Response:
    """Exemplars are parsed and dropped at scrape time, so there are none to return."""
    _required("query")
    return success([])


@blueprint.route("/format_query", methods=QUERY_METHODS)
@requires(Role.VIEWER)
def format_query() -> Response:
    expression = _required("query")
    try:
        return success(str(parse_expr(expression)))
    except ParseError as error:
        raise bad_data(f'invalid parameter "query": {error}') from None


@blueprint.route("/status/buildinfo", methods=["GET"])
@requires(Role.VIEWER)
def buildinfo() -> Response:
    return success(
        {
            "version": VERSION,
            "revision": "",
            "branch": "",
            "buildUser": "",
            "buildDate": "",
            "goVersion": "",
        }
    )


@blueprint.route("/status/tsdb", methods=["GET"])
@requires(Role.VIEWER)
def tsdb_status() -> Response:
    """Prometheus's TSDB status, plus Vigil's own storage figures under "vigil"."""
    stats = store_stats(current().database)

    def pairs(items: list[tuple[str, int]]) -> list[dict[str, object]]:
        return [{"name": name, "value": value} for name, value in items]

    return success(
        {
            "headStats": {
                "numSeries": stats.series,
                "numLabelPairs": stats.label_pairs,
                "chunkCount": stats.chunks,
                "minTime": stats.min_time if stats.min_time is not None else 0,
                "maxTime": stats.max_time if stats.max_time is not None else 0,
            },
            "seriesCountByMetricName": pairs(stats.series_by_metric),
            "labelValueCountByLabelName": pairs(stats.values_by_label),
            "memoryInBytesByLabelName": [],
            "seriesCountByLabelValuePair": pairs(stats.series_by_pair),
            "vigil": {
                "samples": stats.samples,
                "headSamples": stats.head_samples,
                "chunkSamples": stats.chunk_samples,
                "bytesOnDisk": stats.bytes_on_disk,
            },
        }
    )


def _rfc3339(epoch: float | None) -> str:
    if epoch is None:
        return "0001-01-01T00:00:00Z"
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


@blueprint.route("/targets", methods=["GET"])
@requires(Role.VIEWER)
def targets() -> Response:
    active = []
    for target in list_targets(current().database):
        labels = dict(target.labels)
        active.append(
            {
                "discoveredLabels": {"__address__": labels.get("instance", ""), "job": target.job},
                "labels": labels,
                "scrapePool": target.job,
                "scrapeUrl": target.url,
                "globalUrl": target.url,
                "lastError": target.last_error,
                "lastScrape": _rfc3339(target.last_scrape),
                "lastScrapeDuration": target.last_duration_seconds or 0.0,
                "health": target.health,
                "scrapeInterval": format_duration(target.scrape_interval_seconds),
                "scrapeTimeout": format_duration(target.scrape_timeout_seconds),
            }
        )
    return success({"activeTargets": active, "droppedTargets": []})
