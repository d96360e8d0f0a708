"""The OpenAPI 3.0 description of every ``/api/`` route, as plain data.

One ``Operation`` per route and method; ``document()`` turns them into the
document ``/api/openapi.json`` serves. The Prometheus-style operations share
the envelope and error responses, Alertmanager's share theirs, so each entry
says only what is its own: parameters and the shape of its data.
``tests/unit/console/test_openapi_complete.py`` fails if a route is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from console.api import openapi_schemas as s
from console.api.openapi_schemas import Schema

VERSION = "0.1.0"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class Param:
    name: str
    schema: Schema = field(default_factory=lambda: dict(s.STRING))
    where: str = "query"
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    summary: str
    data: Schema | None = None
    """The ``data`` of a Prometheus-style answer, or the whole body of another kind."""
    params: tuple[Param, ...] = ()
    kind: str = "prometheus"
    """``prometheus`` (envelope), ``alertmanager`` (bare JSON) or ``raw`` (``media``)."""
    media: str = JSON
    body: dict[str, Any] | None = None
    role: str = "viewer"
    errors: tuple[int, ...] = (400,)


def time_param(name: str, description: str = "", required: bool = False) -> Param:
    return Param(name, description=description or "Unix seconds or RFC 3339", required=required)


QUERY = Param("query", required=True, description="A PromQL expression")
TIMEOUT = Param("timeout", description="A duration, shorter than the server's limit")
MATCH = Param("match[]", s.array(s.STRING), description="Series selectors")
START, END = time_param("start"), time_param("end")
LIMIT = Param("limit", {"type": "integer"}, description="-1 or absent: no limit")
RANGE = (
    Param("from", description="now-1h, RFC 3339 or Unix seconds"),
    Param("to", description="now, RFC 3339 or Unix seconds"),
    START,
    END,
    Param("step", description="Seconds or a duration"),
)
FIGURE_PARAMS = (
    Param("query", required=True, description="A PromQL expression"),
    Param("datasource"),
    Param("unit"),
    *RANGE,
)
ALERT_FILTERS = (
    Param("filter", s.array(s.STRING), description="Label matchers"),
    Param("receiver", description="A regular expression for receiver names"),
    Param("receiver_matchers", s.array(s.STRING)),
    *(Param(name, s.BOOLEAN) for name in ("active", "silenced", "inhibited", "unprocessed")),
)
SILENCE_ID = Param("silence_id", {"type": "string", "format": "uuid"}, where="path", required=True)
LOGS_QUERY = Param("query", description="A log query (Vigil's log query language)")


def _query_pair(
    path: str,
    summary: str,
    data: Schema,
    params: tuple[Param, ...],
    errors: tuple[int, ...] = (400,),
) -> list[Operation]:
    """Prometheus's query endpoints take GET parameters or the same as a form POST."""
    form = {"type": "object", "properties": {p.name: p.schema for p in params}}
    required = [p.name for p in params if p.required]
    if required:
        form["required"] = required
    return [
        Operation(path, "get", summary, data, params, errors=errors),
        Operation(path, "post", summary, data, body={FORM: form}, errors=errors),
    ]


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "/api/openapi.json",
        "get",
        "This document",
        s.ANY_OBJECT,
        kind="raw",
        role="public",
        errors=(),
    ),
    *_query_pair(
        "/api/v1/query",
        "Evaluate an instant query",
        s.QUERY_DATA,
        (QUERY, time_param("time"), TIMEOUT),
        errors=(400, 422, 503),
    ),
    *_query_pair(
        "/api/v1/query_range",
        "Evaluate a range query",
        s.QUERY_DATA,
        (
            QUERY,
            time_param("start", required=True),
            time_param("end", required=True),
            Param("step", required=True, description="Seconds or a duration"),
            TIMEOUT,
        ),
        errors=(400, 422, 503),
    ),
    *_query_pair(
        "/api/v1/series",
        "Series matching selectors",
        s.array(s.LABELS),
        (Param("match[]", s.array(s.STRING), required=True), START, END),
    ),
    *_query_pair("/api/v1/labels", "Label names", s.array(s.STRING), (MATCH, START, END)),
    Operation(
        "/api/v1/label/{name}/values",
        "get",
        "Values of one label",
        s.array(s.STRING),
        (Param("name", where="path", required=True), MATCH, START, END),
    ),
    *_query_pair(
        "/api/v1/query_exemplars",
        "Exemplars (Vigil keeps none)",
        s.array(s.ANY_OBJECT),
        (QUERY, START, END),
    ),
    *_query_pair("/api/v1/format_query", "Format a PromQL expression", s.STRING, (QUERY,)),
    Operation(
        "/api/v1/metadata",
        "get",
        "Metric metadata per family",
        {"type": "object", "additionalProperties": s.array(s.FAMILY)},
        (LIMIT, Param("limit_per_metric", {"type": "integer"}), Param("metric")),
    ),
    Operation(
        "/api/v1/targets/metadata",
        "get",
        "Metric metadata per target",
        s.array(s.TARGET_METADATA),
        (LIMIT, Param("match_target", description="A series selector"), Param("metric")),
    ),
    Operation("/api/v1/status/buildinfo", "get", "Build information", s.BUILD_INFO),
    Operation("/api/v1/status/tsdb", "get", "Storage statistics", s.TSDB),
    Operation("/api/v1/status/reload", "get", "How the agent's last reload went", s.RELOAD),
    Operation(
        "/api/v1/targets",
        "get",
        "Scrape targets",
        s.obj({"activeTargets": s.array(s.TARGET), "droppedTargets": s.array(s.ANY_OBJECT)}),
    ),
    Operation(
        "/api/v1/rules",
        "get",
        "Rule groups with their rules and alerts",
        s.obj({"groups": s.array(s.RULE_GROUP)}),
        (
            Param("type", {"type": "string", "enum": ["alert", "record"]}),
            Param("exclude_alerts", s.BOOLEAN),
            Param("rule_name[]", s.array(s.STRING)),
            Param("rule_group[]", s.array(s.STRING)),
            Param("file[]", s.array(s.STRING)),
        ),
    ),
    Operation("/api/v1/alerts", "get", "Active alerts", s.obj({"alerts": s.array(s.RULE_ALERT)})),
    Operation(
        "/api/v1/figure",
        "get",
        "A query's range as a plotly figure",
        s.FIGURE,
        (*FIGURE_PARAMS, Param("title"), Param("legend")),
        errors=(400, 422),
    ),
    Operation(
        "/api/v1/sparklines",
        "get",
        "One small figure per value of a label",
        {"type": "object", "additionalProperties": s.FIGURE},
        (*FIGURE_PARAMS, Param("by", description="The label (default: service)")),
        errors=(400, 422),
    ),
    Operation("/api/v1/dashboards", "get", "Dashboards", s.array(s.DASHBOARD_SUMMARY)),
    Operation(
        "/api/v1/dashboards/{uid}",
        "get",
        "One dashboard",
        s.DASHBOARD,
        (Param("uid", where="path", required=True),),
        errors=(404,),
    ),
    Operation(
        "/api/v1/dashboards/{uid}/export",
        "get",
        "One dashboard as YAML",
        s.STRING,
        (Param("uid", where="path", required=True),),
        kind="raw",
        media="application/yaml",
        errors=(404, 422),
    ),
    Operation(
        "/api/v1/dashboards/{uid}/panels/{panel_id}",
        "get",
        "One panel's figure (variables as var-NAME)",
        s.FIGURE,
        (
            Param("uid", where="path", required=True),
            Param("panel_id", where="path", required=True),
            *RANGE,
        ),
        errors=(400, 404, 422),
    ),
    Operation("/api/v1/checks", "get", "Health checks", s.array(s.CHECK)),
    Operation(
        "/api/v1/checks/{name}",
        "get",
        "One health check with its history",
        s.CHECK,
        (Param("name", where="path", required=True),),
        errors=(404,),
    ),
    Operation(
        "/api/v1/checks/{name}/response_times",
        "get",
        "A check's probe durations",
        s.RESPONSE_TIMES,
        (Param("name", where="path", required=True), START, END, Param("step")),
        errors=(400, 422),
    ),
    Operation(
        "/api/v1/status_pages/{group}",
        "get",
        "The public status of a group of checks",
        s.STATUS_PAGE,
        (Param("group", where="path", required=True),),
        role="public",
        errors=(404,),
    ),
    Operation(
        "/api/v1/logs",
        "get",
        "Search log lines, newest first",
        s.LOG_PAGE,
        (
            LOGS_QUERY,
            START,
            END,
            Param("limit", {"type": "integer", "minimum": 1, "maximum": 5000}),
            Param("cursor", description="next_cursor of the previous page"),
        ),
    ),
    Operation(
        "/api/v1/logs",
        "post",
        "Push log lines as NDJSON (an API token with the push scope)",
        s.obj({"accepted": s.INTEGER}),
        body={"application/x-ndjson": {"type": "string"}},
        role="push",
        errors=(400, 413),
    ),
    Operation(
        "/api/v1/logs/tail",
        "get",
        "New log lines as server-sent events",
        s.SSE_EVENT,
        (
            LOGS_QUERY,
            Param("seconds", {"type": "number"}),
            Param("after", description="A position from a previous event's id"),
        ),
        kind="raw",
        media="text/event-stream",
    ),
    Operation(
        "/api/v1/logs/volume",
        "get",
        "Log lines per time bucket as a plotly figure",
        s.FIGURE,
        (LOGS_QUERY, START, END, Param("title")),
    ),
    Operation(
        "/api/v1/notifications",
        "get",
        "The notification outbox with delivery attempts",
        s.obj({"notifications": s.array(s.NOTIFICATION)}),
        (
            Param(
                "status", {"type": "string", "enum": ["pending", "sending", "delivered", "dead"]}
            ),
            Param("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
        ),
    ),
    Operation(
        "/api/v1/notifications/{notification_id}/retry",
        "post",
        "Retry a dead or pending notification",
        s.RETRIED,
        (Param("notification_id", {"type": "integer", "minimum": 0}, "path", True),),
        role="editor",
        errors=(400, 404),
    ),
    Operation(
        "/api/v1/audit",
        "get",
        "The audit log, newest first",
        s.array(s.AUDIT_ENTRY),
        (
            Param("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
            Param("before", {"type": "integer"}, description="An entry id"),
        ),
        role="admin",
    ),
    Operation(
        "/api/v1/analysis/bottlenecks",
        "get",
        "Ranked bottleneck suspects and the call graph",
        s.BOTTLENECKS,
        (
            START,
            END,
            time_param("baseline_start"),
            time_param("baseline_end"),
            Param("datasource"),
        ),
        errors=(400, 422),
    ),
    Operation("/api/v2/status", "get", "Alertmanager status", s.AM_STATUS, kind="alertmanager"),
    Operation(
        "/api/v2/receivers",
        "get",
        "Receivers",
        s.array(s.RECEIVER),
        (Param("receiver_matchers", s.array(s.STRING)),),
        kind="alertmanager",
    ),
    Operation(
        "/api/v2/alerts",
        "get",
        "Alerts",
        s.array(s.GETTABLE_ALERT),
        ALERT_FILTERS,
        kind="alertmanager",
    ),
    Operation(
        "/api/v2/alerts/groups",
        "get",
        "Alerts grouped as the routes group them",
        s.array(s.ALERT_GROUP),
        (*ALERT_FILTERS, Param("muted", s.BOOLEAN)),
        kind="alertmanager",
    ),
    Operation(
        "/api/v2/silences",
        "get",
        "Silences",
        s.array(s.GETTABLE_SILENCE),
        (
            Param("filter", s.array(s.STRING)),
            *(Param(name, s.BOOLEAN) for name in ("active", "expired", "pending")),
        ),
        kind="alertmanager",
    ),
    Operation(
        "/api/v2/silences",
        "post",
        "Create or update a silence",
        s.SILENCE_ID,
        body={JSON: s.POSTABLE_SILENCE},
        kind="alertmanager",
        role="editor",
        errors=(400, 404, 422),
    ),
    Operation(
        "/api/v2/silence/{silence_id}",
        "get",
        "One silence",
        s.GETTABLE_SILENCE,
        (SILENCE_ID,),
        kind="alertmanager",
        errors=(404, 422),
    ),
    Operation(
        "/api/v2/silence/{silence_id}",
        "delete",
        "Expire a silence",
        None,
        (SILENCE_ID,),
        kind="alertmanager",
        role="editor",
        errors=(404, 422),
    ),
)

_REASONS = {
    400: "Bad request",
    401: "No valid credentials",
    403: "Too small a role, or a token without the scope",
    404: "Not found",
    413: "Body too large",
    422: "Cannot be executed",
    503: "Timed out",
}


def _error_response(operation: Operation, code: int) -> dict[str, Any]:
    if operation.kind != "alertmanager":
        return {"description": _REASONS[code], "content": {JSON: {"schema": s.PROMETHEUS_ERROR}}}
    if code == 401:
        return {"description": _REASONS[code], "content": {"text/plain": {"schema": s.STRING}}}
    if code == 404 and operation.method in ("get", "delete") and "{" in operation.path:
        return {"description": _REASONS[code]}  # a missing silence: no body at all
    schema = {"oneOf": [s.ALERTMANAGER_REJECTED, s.ALERTMANAGER_INVALID]}
    return {"description": _REASONS[code], "content": {JSON: {"schema": schema}}}


def _success_response(operation: Operation) -> dict[str, Any]:
    if operation.data is None:
        return {"description": "Done"}
    schema = s.success(operation.data) if operation.kind == "prometheus" else operation.data
    return {"description": "Success", "content": {operation.media: {"schema": schema}}}


def _operation(operation: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": _success_response(operation)}
    codes = set(operation.errors)
    if operation.role != "public":
        codes |= {401, 403}
    for code in sorted(codes):
        responses[str(code)] = _error_response(operation, code)
    out: dict[str, Any] = {
        "summary": operation.summary,
        "operationId": f"{operation.method}{operation.path}",
        "x-vigil-role": operation.role,
        "responses": responses,
    }
    if operation.role == "public":
        out["security"] = []
    if operation.params:
        out["parameters"] = [_parameter(p) for p in operation.params]
    if operation.body is not None:
        content = {media: {"schema": schema} for media, schema in operation.body.items()}
        out["requestBody"] = {"required": True, "content": content}
    return out


def _parameter(param: Param) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": param.name,
        "in": param.where,
        "required": param.required or param.where == "path",
        "schema": param.schema,
    }
    if param.description:
        out["description"] = param.description
    if param.schema.get("type") == "array":
        out["explode"] = True
    return out


def document(operations: tuple[Operation, ...] = OPERATIONS) -> dict[str, Any]:
    """The OpenAPI document: one path item per route, one operation per method."""
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method] = _operation(operation)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Vigil REST API",
            "version": VERSION,
            "description": "Prometheus's HTTP API (/api/v1), Alertmanager's API v2 (/api/v2) "
            "and Vigil's own endpoints under /api/v1, in the Prometheus envelope.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "vigil_session"},
            }
        },
        "security": [{"token": []}, {"session": []}],
        "paths": paths,
    }
