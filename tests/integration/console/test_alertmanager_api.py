"""Alertmanager's API v2: every endpoint's shape field by field, filters, silences, errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from alerts.matchers import parse_matchers
from alerts.payload import alert_fingerprint
from alerts.silences import create_silence
from promql.labels import make_labels
from store.db import write_transaction
from tests.integration.console.accounts import log_in
from tests.integration.console.alerting_setup import (
    NOW,
    Clock,
    build_app,
    firing,
    store_alerts,
)

DOWN = {"alertname": "Down", "dc": "eu1", "instance": "db-1", "severity": "page", "team": "db"}
SLOW = {"alertname": "Slow", "dc": "eu1", "instance": "web-1", "severity": "info"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(database: Engine, clock: Clock) -> Iterator[FlaskClient]:
    with build_app(database, clock).test_client() as test_client:
        yield test_client


@pytest.fixture
def editor(client: FlaskClient, database: Engine) -> None:
    log_in(client, database, "editor", name="alice")


@pytest.fixture
def alerts(database: Engine) -> None:
    store_alerts(
        database,
        firing("Down", instance="db-1", severity="page", team="db"),
        firing("Slow", instance="web-1", severity="info"),
    )


def get(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    return response.json


def get_json(response: TestResponse) -> Any:
    return response.json


def fingerprint(labels: dict[str, str]) -> str:
    return alert_fingerprint(make_labels(labels))


def test_status_reports_a_lone_alertmanager_with_secrets_redacted(client: FlaskClient) -> None:
    response = client.get("/api/v2/status")
    assert response.status_code == 200
    for secret in ("T0KEN", "s3cr3t", "pa55", "hooks.example"):
        assert secret not in response.text
    body: Any = response.json
    assert body["cluster"] == {"peers": [], "status": "disabled"}
    assert body["uptime"] == "2023-11-14T22:13:20.000Z"
    assert set(body["versionInfo"]) == {
        "branch",
        "buildDate",
        "buildUser",
        "goVersion",
        "revision",
        "version",
    }
    assert all(isinstance(value, str) for value in body["versionInfo"].values())
    config = yaml.safe_load(body["config"]["original"])
    ops, db = config["receivers"]
    assert ops == {
        "name": "ops",
        "webhook_configs": [
            {
                "url": "<secret>",
                "headers": {"Authorization": "<secret>"},
                "hmac_secret": "<secret>",
            }
        ],
    }
    assert db["webhook_configs"] == [{"url": "<secret>"}]
    assert config["route"]["receiver"] == "ops"
    assert config["route"]["routes"][0] == {
        "receiver": "db",
        "matchers": ["team=db"],
        "continue": True,
    }
    assert config["inhibit_rules"][0]["source_matchers"] == ["severity=page"]


def test_receivers_are_listed_by_name(client: FlaskClient) -> None:
    assert get(client, "/api/v2/receivers") == [{"name": "ops"}, {"name": "db"}]
    assert get(client, "/api/v2/receivers?receiver_matchers=owner%3Dme") == []


@pytest.mark.usefixtures("alerts")
def test_alerts_have_alertmanagers_fields(client: FlaskClient) -> None:
    down, slow = sorted(get(client, "/api/v2/alerts"), key=lambda a: a["labels"]["alertname"])
    assert get(client, "/api/v2/alerts") == sorted(
        [down, slow], key=lambda a: str(a["fingerprint"])
    )
    assert down == {
        "annotations": {"summary": "Down on db-1"},
        "endsAt": "2023-11-14T22:17:20.000Z",  # four evaluation intervals (at least 1m) ahead
        "fingerprint": fingerprint(DOWN),
        "receivers": [{"name": "db"}, {"name": "ops"}],
        "startsAt": "2023-11-14T22:03:20.000Z",
        "status": {"inhibitedBy": [], "mutedBy": [], "silencedBy": [], "state": "active"},
        "updatedAt": "2023-11-14T22:13:20.000Z",
        "labels": DOWN,
    }
    assert slow["labels"] == SLOW
    assert slow["receivers"] == [{"name": "ops"}]
    assert slow["status"] == {
        "inhibitedBy": [fingerprint(DOWN)],
        "mutedBy": [],
        "silencedBy": [],
        "state": "suppressed",
    }


@pytest.mark.usefixtures("alerts")
@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("filter=alertname%3DDown", ["Down"]),
        ('filter=instance%3D~"web-.*"', ["Slow"]),
        ("filter=team%3D", ["Slow"]),  # an empty value selects alerts without the label
        ("filter=team!%3D", ["Down"]),
        ("filter=alertname%3DDown&filter=team%3Dnone", []),
        ("receiver=db", ["Down"]),
        ("receiver=o.*", ["Down", "Slow"]),
        ("inhibited=false", ["Down"]),
        ("active=false", ["Slow"]),
        ("silenced=false&unprocessed=false", ["Down", "Slow"]),
        ("receiver_matchers=owner%3Dme", []),
    ],
)
def test_alert_filters(client: FlaskClient, query: str, names: list[str]) -> None:
    found = get(client, f"/api/v2/alerts?{query}")
    assert sorted(a["labels"]["alertname"] for a in found) == names


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("filter=%3Dx", "bad matcher format: =x"),
        ("receiver=(", "failed to parse receiver param: "),
    ],
)
def test_bad_alert_queries_are_400_with_a_string_body(
    client: FlaskClient, query: str, message: str
) -> None:
    body = get(client, f"/api/v2/alerts?{query}", 400)
    assert isinstance(body, str) and body.startswith(message)


def test_resolved_alerts_are_not_listed(client: FlaskClient, database: Engine) -> None:
    gone = firing("Gone", instance="x")
    store_alerts(database, replace(gone, state="inactive", resolved_at=NOW - 5))
    assert get(client, "/api/v2/alerts") == []
    assert get(client, "/api/v2/alerts/groups") == []


@pytest.mark.usefixtures("alerts")
def test_alert_groups_follow_routes_and_group_by(client: FlaskClient) -> None:
    groups = get(client, "/api/v2/alerts/groups")
    summary = [
        (
            g["labels"],
            g["receiver"],
            g["routeLabels"],
            [a["labels"]["alertname"] for a in g["alerts"]],
        )
        for g in groups
    ]
    assert summary == [
        ({"alertname": "Down"}, {"name": "db"}, {}, ["Down"]),
        ({"alertname": "Down"}, {"name": "ops"}, {}, ["Down"]),
        ({"alertname": "Slow"}, {"name": "ops"}, {}, ["Slow"]),
    ]
    down = groups[0]["alerts"][0]
    assert down["receivers"] == [{"name": "db"}, {"name": "ops"}]
    assert down["status"]["state"] == "active"
    assert groups[2]["alerts"][0]["status"]["state"] == "suppressed"
    only_ops = get(client, "/api/v2/alerts/groups?receiver=ops&inhibited=false")
    assert [(g["labels"], g["receiver"]["name"]) for g in only_ops] == [
        ({"alertname": "Down"}, "ops")
    ]


def names(group: dict[str, Any]) -> list[str]:
    return [alert["labels"]["alertname"] for alert in group["alerts"]]


def silence_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "matchers": [{"name": "alertname", "value": "Down", "isRegex": False, "isEqual": True}],
        "startsAt": "2023-11-14T22:13:20Z",
        "endsAt": "2023-11-15T00:13:20.5+00:00",
        "createdBy": "alice",
        "comment": "maintenance <b>window</b>",
    }
    return {**body, **overrides}


def down_status(client: FlaskClient) -> dict[str, Any]:
    (down,) = get(client, "/api/v2/alerts?filter=alertname%3DDown")
    status: dict[str, Any] = down["status"]
    return status


@pytest.mark.usefixtures("alerts", "editor")
def test_silence_lifecycle(client: FlaskClient, clock: Clock) -> None:
    created = client.post("/api/v2/silences", json=silence_body())
    assert created.status_code == 200, created.text
    silence_id: str = get_json(created)["silenceID"]
    assert len(silence_id) == 36
    silence = get(client, f"/api/v2/silence/{silence_id}")
    assert silence == {
        "id": silence_id,
        "status": {"state": "active"},
        "updatedAt": "2023-11-14T22:13:20.000Z",
        "comment": "maintenance <b>window</b>",
        "createdBy": "alice",
        "endsAt": "2023-11-15T00:13:20.500Z",
        "matchers": [{"name": "alertname", "value": "Down", "isRegex": False, "isEqual": True}],
        "startsAt": "2023-11-14T22:13:20.000Z",
    }
    assert get(client, "/api/v2/silences") == [silence]
    assert down_status(client) == {
        "inhibitedBy": [],
        "mutedBy": [],
        "silencedBy": [silence_id],
        "state": "suppressed",
    }
    assert [a["labels"]["alertname"] for a in get(client, "/api/v2/alerts?silenced=false")] == [
        "Slow"
    ]

    clock.now += 60
    longer = silence_body(id=silence_id, endsAt="2023-11-15T02:00:00Z", comment="longer")
    updated = client.post("/api/v2/silences", json=longer)
    assert updated.status_code == 200 and updated.json == {"silenceID": silence_id}
    silence = get(client, f"/api/v2/silence/{silence_id}")
    assert (silence["endsAt"], silence["comment"]) == ("2023-11-15T02:00:00.000Z", "longer")
    assert silence["updatedAt"] == "2023-11-14T22:14:20.000Z"

    other = [{"name": "alertname", "value": "Down|Slow", "isRegex": True}]
    replaced = client.post("/api/v2/silences", json=silence_body(id=silence_id, matchers=other))
    new_id: str = get_json(replaced)["silenceID"]
    assert new_id != silence_id
    clock.now += 1
    assert get(client, f"/api/v2/silence/{silence_id}")["status"] == {"state": "expired"}
    listed = get(client, "/api/v2/silences")
    assert [(s["id"], s["status"]["state"]) for s in listed] == [
        (new_id, "active"),
        (silence_id, "expired"),
    ]
    assert listed[0]["matchers"] == [
        {"name": "alertname", "value": "Down|Slow", "isRegex": True, "isEqual": True}
    ]

    deleted = client.delete(f"/api/v2/silence/{new_id}")
    assert deleted.status_code == 200 and deleted.data == b""
    clock.now += 1
    assert get(client, f"/api/v2/silence/{new_id}")["status"] == {"state": "expired"}
    assert down_status(client)["state"] == "active"
    assert client.delete(f"/api/v2/silence/{new_id}").status_code == 200  # idempotent


def test_silence_filters_and_order(client: FlaskClient, database: Engine) -> None:
    with write_transaction(database) as connection:
        for text, start, end in [
            ('{alertname="A"}', NOW - 10, NOW + 7200),
            ('{alertname="B", team=~"db|web"}', NOW - 10, NOW + 3600),
            ('{alertname="C"}', NOW + 600, NOW + 7200),
            ('{alertname="D"}', NOW - 900, NOW - 100),
        ]:
            create_silence(
                connection,
                matchers=parse_matchers(text),
                starts_at=start,
                ends_at=end,
                created_by="bob",
                now=NOW - 1000,
            )

    def names(query: str = "") -> list[str]:
        found = get(client, f"/api/v2/silences{query}")
        return [next(m["value"] for m in s["matchers"] if m["name"] == "alertname") for s in found]

    assert names() == ["B", "A", "C", "D"]
    assert names('?filter=team%3D~"db|web"') == ["B"]
    assert names("?filter=team%3Ddb") == []  # a filter selects silences with that very matcher
    assert names("?expired=false&pending=false") == ["B", "A"]
    assert names("?active=false") == ["C", "D"]
    assert get(client, "/api/v2/silences?filter=a%3D%22", 400).startswith("matcher value")


@pytest.mark.usefixtures("editor")
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"endsAt": "2023-11-14T22:13:20Z"},
            "Failed to create silence: start time must be before end time",
        ),
        (
            {"startsAt": "2023-11-14T20:00:00Z", "endsAt": "2023-11-14T21:00:00Z"},
            "Failed to create silence: end time can't be in the past",
        ),
        (
            {"matchers": [{"name": "a", "value": ".*", "isRegex": True}]},
            "invalid silence: matcher set 0: at least one matcher must not match the empty string",
        ),
        (
            {"matchers": [{"name": "a", "value": "(", "isRegex": True}]},
            "invalid silence: invalid label matcher 0 in set 0: ",
        ),
        ({"createdBy": ""}, "invalid silence: created_by is required"),
    ],
)
def test_invalid_silences_are_400_with_alertmanagers_message(
    client: FlaskClient, body: dict[str, Any], message: str
) -> None:
    response = client.post("/api/v2/silences", json=silence_body(**body))
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert isinstance(response.json, str) and response.json.startswith(message), response.json


@pytest.mark.usefixtures("editor")
@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"matchers": None}, 422, 602, "matchers in body is required"),
        ({"matchers": []}, 422, 612, "matchers in body should have at least 1 items"),
        (
            {"matchers": [{"name": "a", "value": "b"}]},
            422,
            602,
            "matchers.0.isRegex in body is required",
        ),
        ({"comment": None, "createdBy": None}, 422, 602, "comment in body is required"),
        ({"startsAt": None}, 422, 602, "startsAt in body is required"),
        ({"startsAt": "yesterday"}, 400, 400, 'parsing silence body from "" failed, because '),
        ({"comment": 5}, 400, 400, 'parsing silence body from "" failed, because json: cannot'),
    ],
)
def test_bodies_go_swagger_refuses_get_its_code_and_message(
    client: FlaskClient, body: dict[str, Any], status: int, code: int, message: str
) -> None:
    """Alertmanager validates the body before its handler: go-openapi's error shape."""
    response = client.post("/api/v2/silences", json=silence_body(**body))
    assert response.status_code == status, response.text
    assert response.mimetype == "application/json"
    assert response.json is not None and set(response.json) == {"code", "message"}
    assert response.json["code"] == code and response.json["message"].startswith(message)
    empty = client.post("/api/v2/silences", data="", content_type="application/json")
    assert (empty.status_code, empty.json) == (
        422,
        {"code": 602, "message": "silence in body is required"},
    )
    null = client.post("/api/v2/silences", data="null", content_type="application/json")
    assert (null.status_code, null.json) == (
        422,
        {"code": 602, "message": "silence in body is required"},
    )


def test_routing_and_authentication_errors_are_alertmanagers(
    client: FlaskClient, database: Engine, clock: Clock
) -> None:
    missing = client.get("/api/v2/nothing")
    assert (missing.status_code, missing.json) == (
        404,
        {"code": 404, "message": "path /api/v2/nothing was not found"},
    )
    wrong = client.put("/api/v2/silences")
    assert (wrong.status_code, wrong.json) == (
        405,
        {"code": 405, "message": "method PUT is not allowed, but [GET,POST] are"},
    )
    assert wrong.headers["Allow"] == "GET,POST"
    not_uuid = client.get("/api/v2/silence/abc")
    assert (not_uuid.status_code, not_uuid.json) == (
        422,
        {"code": 601, "message": 'silenceID in path must be of type strfmt.UUID: "abc"'},
    )
    with build_app(database, clock, auth={"anonymous_read": False}).test_client() as anonymous:
        refused = anonymous.get("/api/v2/alerts")
        assert (refused.status_code, refused.mimetype, refused.text) == (
            401,
            "text/plain",
            "Unauthorized\n",
        )
        prometheus = anonymous.get("/api/v1/query?query=1")
        assert prometheus.status_code == 401 and prometheus.json["errorType"] == "bad_data"


@pytest.mark.usefixtures("alerts")
def test_a_boolean_parameter_that_is_not_true_is_false(client: FlaskClient) -> None:
    """swag.ConvertBool refuses nothing: Alertmanager reads active=maybe as false."""
    assert len(get(client, "/api/v2/alerts?active=yes")) == 2
    assert len(get(client, "/api/v2/alerts?active=")) == 2
    not_active = get(client, "/api/v2/alerts?active=maybe")
    assert [alert["labels"]["alertname"] for alert in not_active] == ["Slow"]  # inhibited


@pytest.mark.usefixtures("editor")
def test_unknown_silences_are_404(client: FlaskClient) -> None:
    unknown = "4a8ad4e5-0b2b-4c4f-9a44-3c6ae1d7d2b9"
    response = client.get(f"/api/v2/silence/{unknown}")
    assert response.status_code == 404 and response.data == b""
    assert "Content-Type" not in response.headers
    assert client.delete(f"/api/v2/silence/{unknown}").status_code == 404
    update = client.post("/api/v2/silences", json=silence_body(id=unknown))
    assert (update.status_code, update.json) == (404, "silence not found")
    garbage = client.post("/api/v2/silences", data="{", content_type="application/json")
    assert garbage.status_code == 400 and garbage.json["code"] == 400


def test_writes_need_the_editor_role_and_reads_the_viewer_role(
    database: Engine, clock: Clock
) -> None:
    with build_app(database, clock).test_client() as viewer:
        assert viewer.post("/api/v2/silences", json=silence_body()).status_code == 401
        assert viewer.delete("/api/v2/silence/x").status_code == 401
        assert viewer.delete("/api/v2/silence/x").text == "Unauthorized\n"
        assert viewer.get("/api/v2/silences").status_code == 200
    with build_app(database, clock, auth={"anonymous_read": False}).test_client() as anonymous:
        for url in ("/api/v2/status", "/api/v2/alerts", "/api/v2/silences", "/api/v2/receivers"):
            assert anonymous.get(url).status_code == 401
