"""JSON Schemas of what the REST API answers, for ``openapi_spec``.

The Prometheus-style API (``/api/v1``) wraps data in ``{status, data}`` and
errors in ``{status, errorType, error}`` (``envelope``); Alertmanager's
(``/api/v2``) answers bare JSON and its own two error shapes
(``alertmanager_errors``). Objects allow more properties than listed: the
document promises what a client may rely on, not everything a body holds.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
NUMBER: Schema = {"type": "number"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
ANY_OBJECT: Schema = {"type": "object"}
LABELS: Schema = {"type": "object", "additionalProperties": STRING}
NULLABLE_STRING: Schema = {"type": "string", "nullable": True}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """An object with these properties, all required unless ``required`` names fewer."""
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


def success(data: Schema) -> Schema:
    return obj(
        {
            "status": {"type": "string", "enum": ["success"]},
            "data": data,
            "warnings": array(STRING),
        },
        required=["status", "data"],
    )


PROMETHEUS_ERROR: Schema = obj(
    {
        "status": {"type": "string", "enum": ["error"]},
        "errorType": {
            "type": "string",
            "enum": ["bad_data", "execution", "canceled", "timeout", "not_found", "unavailable"],
        },
        "error": STRING,
    }
)
ALERTMANAGER_REJECTED: Schema = STRING
ALERTMANAGER_INVALID: Schema = obj({"code": INTEGER, "message": STRING})

QUERY_DATA = obj(
    {
        "resultType": {"type": "string", "enum": ["matrix", "vector", "scalar", "string"]},
        "result": {"type": "array"},
    }
)
FAMILY = obj({"type": STRING, "help": STRING, "unit": STRING})
TARGET_METADATA = obj(
    {"target": LABELS, "metric": STRING, "type": STRING, "help": STRING, "unit": STRING},
    required=["target", "type", "help", "unit"],
)
BUILD_INFO = obj(
    {
        name: STRING
        for name in ("version", "revision", "branch", "buildUser", "buildDate", "goVersion")
    }
)
NAME_VALUE = obj({"name": STRING, "value": INTEGER})
TSDB = obj(
    {
        "headStats": obj(
            {
                "numSeries": INTEGER,
                "numLabelPairs": INTEGER,
                "chunkCount": INTEGER,
                "minTime": INTEGER,
                "maxTime": INTEGER,
            }
        ),
        "seriesCountByMetricName": array(NAME_VALUE),
        "labelValueCountByLabelName": array(NAME_VALUE),
        "memoryInBytesByLabelName": array(NAME_VALUE),
        "seriesCountByLabelValuePair": array(NAME_VALUE),
    }
)
TARGET = obj(
    {
        "discoveredLabels": LABELS,
        "labels": LABELS,
        "scrapePool": STRING,
        "scrapeUrl": STRING,
        "globalUrl": STRING,
        "lastError": NULLABLE_STRING,
        "lastScrape": STRING,
        "lastScrapeDuration": NUMBER,
        "health": {"type": "string", "enum": ["up", "down", "unknown"]},
        "scrapeInterval": STRING,
        "scrapeTimeout": STRING,
    }
)
RULE_ALERT = obj(
    {
        "labels": LABELS,
        "annotations": LABELS,
        "state": {"type": "string", "enum": ["pending", "firing"]},
        "activeAt": STRING,
        "value": STRING,
        "keepFiringSince": STRING,
    },
    required=["labels", "annotations", "state", "activeAt", "value"],
)
RULE = obj(
    {
        "type": {"type": "string", "enum": ["alerting", "recording"]},
        "name": STRING,
        "query": STRING,
        "labels": LABELS,
        "health": STRING,
        "lastError": STRING,
        "evaluationTime": NUMBER,
        "lastEvaluation": STRING,
        "alerts": {**array(RULE_ALERT), "nullable": True},
    },
    required=["type", "name", "query", "labels", "health", "evaluationTime", "lastEvaluation"],
)
RULE_GROUP = obj(
    {
        "name": STRING,
        "file": STRING,
        "rules": array(RULE),
        "interval": NUMBER,
        "limit": INTEGER,
        "evaluationTime": NUMBER,
        "lastEvaluation": STRING,
    }
)
RELOAD = obj(
    {
        "lastReloadSuccessful": {"type": "boolean", "nullable": True},
        "lastReloadTime": NULLABLE_STRING,
        "lastError": STRING,
    }
)
FIGURE = obj({"data": {"type": "array"}, "layout": ANY_OBJECT}, required=["data"])
DASHBOARD_SUMMARY = obj(
    {
        "uid": STRING,
        "title": STRING,
        "tags": array(STRING),
        "builtin": BOOLEAN,
        "file": STRING,
        "error": NULLABLE_STRING,
    }
)
DASHBOARD = {
    **DASHBOARD_SUMMARY,
    "required": [*DASHBOARD_SUMMARY["required"], "problems", "dashboard", "panels"],
    "properties": {
        **DASHBOARD_SUMMARY["properties"],
        "problems": array(STRING),
        "dashboard": {"type": "object", "nullable": True},
        "panels": array(STRING),
    },
}
CHECK = obj({"name": STRING, "type": STRING}, required=["name"])
RESPONSE_TIMES = obj({"query": STRING, "values": array(array(NUMBER))})
STATUS_PAGE = obj({"group": STRING, "checks": array(ANY_OBJECT)})
LOG_LINE = obj(
    {
        "id": STRING,
        "timestamp": STRING,
        "timestamp_ms": INTEGER,
        "service": STRING,
        "level": STRING,
        "trace_id": STRING,
        "source": STRING,
        "message": STRING,
        "fields": ANY_OBJECT,
    },
    required=["id", "timestamp", "timestamp_ms", "message", "fields"],
)
SSE_EVENT = obj(
    {"id": STRING, "event": STRING, "data": STRING, "retry": INTEGER},
    required=[],
)
"""One server-sent event of the live tail; ``data`` is a log line (``LOG_LINE``) as JSON."""
LOG_PAGE = obj({"lines": array(LOG_LINE), "next_cursor": NULLABLE_STRING})
NOTIFICATION = obj(
    {
        "id": INTEGER,
        "receiver": STRING,
        "integration": STRING,
        "integrationIndex": INTEGER,
        "endpoint": STRING,
        "groupKey": STRING,
        "status": STRING,
        "attempts": INTEGER,
        "createdAt": STRING,
        "nextAttemptAt": NULLABLE_STRING,
        "deliveredAt": NULLABLE_STRING,
        "lastError": STRING,
        "attemptLog": array(ANY_OBJECT),
    }
)
RETRIED = obj({"id": INTEGER, "status": STRING, "previousStatus": STRING})
AUDIT_ENTRY = obj(
    {
        "id": INTEGER,
        "time": NUMBER,
        "actor": STRING,
        "action": STRING,
        "target": STRING,
        "detail": STRING,
        "source": STRING,
    }
)
BOTTLENECKS = ANY_OBJECT

# Alertmanager's API v2 models (api/v2/openapi.yaml), as Vigil fills them.
MATCHER = obj(
    {"name": STRING, "value": STRING, "isRegex": BOOLEAN, "isEqual": BOOLEAN},
    required=["name", "value", "isRegex"],
)
AM_STATUS = obj(
    {
        "cluster": obj({"peers": array(ANY_OBJECT), "status": STRING}),
        "config": obj({"original": STRING}),
        "uptime": STRING,
        "versionInfo": obj(
            {
                name: STRING
                for name in ("branch", "buildDate", "buildUser", "goVersion", "revision", "version")
            }
        ),
    }
)
RECEIVER = obj({"name": STRING})
GETTABLE_ALERT = obj(
    {
        "annotations": LABELS,
        "endsAt": STRING,
        "fingerprint": STRING,
        "receivers": array(RECEIVER),
        "startsAt": STRING,
        "status": obj(
            {
                "inhibitedBy": array(STRING),
                "mutedBy": array(STRING),
                "silencedBy": array(STRING),
                "state": {"type": "string", "enum": ["unprocessed", "active", "suppressed"]},
            }
        ),
        "updatedAt": STRING,
        "generatorURL": STRING,
        "labels": LABELS,
    },
    required=[
        "annotations",
        "endsAt",
        "fingerprint",
        "receivers",
        "startsAt",
        "status",
        "updatedAt",
        "labels",
    ],
)
ALERT_GROUP = obj(
    {"alerts": array(GETTABLE_ALERT), "labels": LABELS, "receiver": RECEIVER},
)
GETTABLE_SILENCE = obj(
    {
        "id": STRING,
        "status": obj(
            {"state": {"type": "string", "enum": ["expired", "active", "pending"]}},
        ),
        "updatedAt": STRING,
        "comment": STRING,
        "createdBy": STRING,
        "endsAt": STRING,
        "matchers": array(MATCHER),
        "startsAt": STRING,
    }
)
POSTABLE_SILENCE = obj(
    {
        "id": STRING,
        "comment": STRING,
        "createdBy": STRING,
        "startsAt": {"type": "string", "format": "date-time"},
        "endsAt": {"type": "string", "format": "date-time"},
        "matchers": {**array(MATCHER), "minItems": 1},
    },
    required=["comment", "createdBy", "startsAt", "endsAt", "matchers"],
)
SILENCE_ID = obj({"silenceID": STRING})
