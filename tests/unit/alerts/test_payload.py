"""The webhook message matches Alertmanager's version 4 format field by field."""

from __future__ import annotations

import json

from alerts.payload import (
    Alert,
    alert_fingerprint,
    build_message,
    encode_message,
    generator_url,
    group_key,
    rfc3339,
    sort_alerts,
)
from promql.labels import make_labels

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z


def alert(instance: str, *, ends_at: float | None = None, **labels: str) -> Alert:
    return Alert(
        make_labels({"alertname": "Down", "job": "node", "instance": instance, **labels}),
        (("summary", f"{instance} is down"), ("team", "db")),
        starts_at=T0,
        ends_at=ends_at,
        generator_url="http://vigil/graph?g0.expr=up",
    )


def test_message_fields_in_alertmanager_order() -> None:
    message = build_message(
        receiver="ops.team",
        group_key='{}:{alertname="Down"}',
        group_labels={"alertname": "Down"},
        alerts=[alert("a"), alert("b", ends_at=T0 + 90.5)],
        external_url="http://vigil:8080",
    )
    assert list(message) == [
        "receiver",
        "status",
        "alerts",
        "groupLabels",
        "commonLabels",
        "commonAnnotations",
        "externalURL",
        "version",
        "groupKey",
        "truncatedAlerts",
    ]
    assert message["receiver"] == "ops\\.team"  # Go's regexp.QuoteMeta
    assert message["status"] == "firing"
    assert message["version"] == "4"
    assert message["truncatedAlerts"] == 0
    assert message["groupLabels"] == {"alertname": "Down"}
    assert message["commonLabels"] == {"alertname": "Down", "job": "node"}
    assert message["commonAnnotations"] == {"team": "db"}
    first, second = message["alerts"]
    assert list(first) == [
        "status",
        "labels",
        "annotations",
        "startsAt",
        "endsAt",
        "generatorURL",
        "fingerprint",
    ]
    assert first["status"] == "firing"
    assert first["startsAt"] == "2023-11-14T22:13:20Z"
    assert first["endsAt"] == "0001-01-01T00:00:00Z"
    assert second["status"] == "resolved"
    assert second["endsAt"] == "2023-11-14T22:14:50.5Z"
    assert first["fingerprint"] != second["fingerprint"]
    assert len(first["fingerprint"]) == 16 and int(first["fingerprint"], 16) >= 0


def test_all_resolved_and_truncation() -> None:
    alerts = [alert(name, ends_at=T0 + 1) for name in "abc"] + [alert("d")]
    message = build_message(
        receiver="r",
        group_key="{}:{}",
        group_labels={},
        alerts=alerts,
        external_url="",
        max_alerts=3,
    )
    assert message["truncatedAlerts"] == 1
    assert len(message["alerts"]) == 3
    assert message["status"] == "resolved"  # computed on what is sent, as Alertmanager does


def test_fingerprint_is_alertmanagers_fnv1a() -> None:
    assert alert_fingerprint(()) == "cbf29ce484222325"  # the FNV-1a 64 offset basis
    labels = make_labels({"b": "2", "a": "1"})
    assert alert_fingerprint(labels) == alert_fingerprint(tuple(reversed(labels)))
    assert alert_fingerprint(make_labels({"a": "1"})) != alert_fingerprint(make_labels({"a": "2"}))


def test_times_group_keys_and_urls() -> None:
    assert rfc3339(None) == "0001-01-01T00:00:00Z"
    assert rfc3339(0.0) == "1970-01-01T00:00:00Z"
    assert rfc3339(T0 + 0.123) == "2023-11-14T22:13:20.123Z"
    assert group_key("{}", {"b": 'x"y', "a": "1"}) == '{}:{a="1", b="x\\"y"}'
    assert group_key("{}", {}) == "{}:{}"
    assert generator_url("http://v/", 'up{job="a"} == 0') == (
        "http://v/graph?g0.expr=up%7Bjob%3D%22a%22%7D+%3D%3D+0&g0.tab=1"
    )


def test_alerts_sort_by_job_then_instance() -> None:
    alerts = [alert("b"), alert("a"), alert("c", job="api")]
    assert [dict(a.labels)["instance"] for a in sort_alerts(alerts)] == ["c", "a", "b"]


def test_encoding_is_gos() -> None:
    text = encode_message({"a": "<b> & c", "n": 1})
    assert text == '{"a":"\\u003cb\\u003e \\u0026 c","n":1}\n'
    assert json.loads(text) == {"a": "<b> & c", "n": 1}
