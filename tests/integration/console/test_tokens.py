"""API tokens: bearer and basic auth, scopes, expiry, revocation, last use, push routes."""

from __future__ import annotations

import base64

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.auth import current_caller, requires_scope
from store.db import write_transaction
from store.tokens import get_token, list_tokens, revoke_token
from store.users import set_role
from tests.integration.console.accounts import add_user, log_in, make_token
from tests.integration.console.conftest import NOW, make_app

SILENCE = {
    "matchers": [{"name": "alertname", "value": "Down", "isRegex": False}],
    "startsAt": "2023-11-14T22:13:20Z",
    "endsAt": "2023-11-15T22:13:20Z",
    "createdBy": "someone",
    "comment": "maintenance",
}


def pushed() -> Response:
    return Response(f"pushed by {current_caller().name}\n")


@pytest.fixture
def app(database: Engine) -> Flask:
    app = make_app(database, anonymous_read=False)
    # The log push endpoint lives elsewhere; this stands in for it.
    app.add_url_rule(
        "/api/v1/test-push", "test_push", requires_scope("push")(pushed), methods=["POST"]
    )
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(token: str, user: str = "grafana") -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def test_a_read_token_reads_by_bearer_or_basic_auth_and_cannot_write(
    client: FlaskClient, database: Engine
) -> None:
    token = make_token(database, add_user(database, "ann", "admin"), "read")
    for headers in (bearer(token), basic(token)):
        assert client.get("/api/v1/query?query=1", headers=headers).status_code == 200
    refused = client.post("/api/v2/silences", json=SILENCE, headers=bearer(token))
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "needs the editor role"
    assert client.get("/api/v1/audit", headers=bearer(token)).status_code == 403


def test_a_write_token_writes_without_csrf_and_is_audited(
    client: FlaskClient, database: Engine
) -> None:
    token = make_token(database, add_user(database, "ann", "editor"), "write")
    created = client.post("/api/v2/silences", json=SILENCE, headers=bearer(token))
    assert created.status_code == 200, created.text
    log_in(client, database, "admin")
    entry = client.get("/api/v1/audit").get_json()["data"][1]  # [0] is the admin's login
    assert entry["actor"] == "ann"
    assert entry["action"] == "silence.create"
    assert created.get_json()["silenceID"] in entry["target"]


def test_a_token_never_exceeds_its_owners_role(client: FlaskClient, database: Engine) -> None:
    token = make_token(database, add_user(database, "ann", "editor"), "write")
    with write_transaction(database) as connection:
        set_role(connection, "ann", "viewer")
    assert client.post("/api/v2/silences", json=SILENCE, headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/query?query=1", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        bearer("vigil_not-a-token"),
        {"Authorization": "Bearer"},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Token abc"},
    ],
)
def test_bad_credentials_are_401_even_with_anonymous_read(
    database: Engine, headers: dict[str, str]
) -> None:
    with make_app(database, anonymous_read=True).test_client() as client:
        assert client.get("/api/v1/query?query=1").status_code == 200
        response = client.get("/api/v1/query?query=1", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="vigil"'


def test_expired_and_revoked_tokens_stop_working(client: FlaskClient, database: Engine) -> None:
    user = add_user(database, "ann", "viewer")
    expired = make_token(database, user, "read", expires_at=NOW)
    assert client.get("/api/v1/labels", headers=bearer(expired)).status_code == 401
    revoked = make_token(database, user, "read")
    assert client.get("/api/v1/labels", headers=bearer(revoked)).status_code == 200
    with write_transaction(database) as connection:
        token_id = list_tokens(connection)[-1].id
        revoke_token(connection, token_id, now=NOW)
    assert client.get("/api/v1/labels", headers=bearer(revoked)).status_code == 401


def test_last_use_is_recorded(client: FlaskClient, database: Engine) -> None:
    token = make_token(database, add_user(database, "ann", "viewer"), "read")
    with database.connect() as connection:
        (record,) = list_tokens(connection)
    assert record.last_used_at is None
    client.get("/api/v1/labels", headers=bearer(token))
    with database.connect() as connection:
        used = get_token(connection, record.id)
    assert used is not None and used.last_used_at == NOW


def test_push_routes_take_only_push_tokens_of_editors(
    client: FlaskClient, database: Engine
) -> None:
    editor = add_user(database, "agent", "editor")
    push = make_token(database, editor, "push")
    answer = client.post("/api/v1/test-push", headers=bearer(push))
    assert (answer.status_code, answer.text) == (200, "pushed by agent\n")
    assert client.get("/api/v1/query?query=1", headers=bearer(push)).status_code == 403
    read = make_token(database, editor, "read write")
    assert client.post("/api/v1/test-push", headers=bearer(read)).status_code == 403
    viewer_push = make_token(database, add_user(database, "ann", "viewer"), "push")
    assert client.post("/api/v1/test-push", headers=bearer(viewer_push)).status_code == 403
    assert client.post("/api/v1/test-push").status_code == 401
    log_in(client, database, "admin")
    assert client.post("/api/v1/test-push").status_code == 401  # a session is not a token


def test_tokens_made_in_the_console_are_shown_once(client: FlaskClient, database: Engine) -> None:
    log_in(client, database, "viewer", name="ann")
    made = client.post(
        "/account/tokens", data={"name": "grafana", "scopes": ["read"], "expires": "30d"}
    )
    assert made.status_code == 201
    page = made.get_data(as_text=True)
    start = page.index("vigil_")
    token = page[start : page.index("<", start)]
    assert client.get("/api/v1/labels", headers=bearer(token)).status_code == 200
    assert token not in client.get("/account").get_data(as_text=True)
    with database.connect() as connection:
        (record,) = list_tokens(connection)
    assert record.expires_at == NOW + 30 * 86400
    revoked = client.post(f"/account/tokens/{record.id}/revoke")
    assert revoked.status_code == 302
    assert client.get("/api/v1/labels", headers=bearer(token)).status_code == 401
