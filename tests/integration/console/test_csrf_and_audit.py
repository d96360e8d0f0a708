"""CSRF on every state-changing route, the audit log, and secrets never shown back."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from tests.integration.console.accounts import add_user, csrf_token, log_in, make_token
from tests.integration.console.alerting_setup import ALERTING
from tests.integration.console.conftest import NOW, make_app
from tests.integration.console.test_access_control import UNSAFE, routes

SECRETS = ("T0KEN-in-path", "s3cr3t-header", "s3cr3t-hmac", "pa55", "ds-s3cr3t", "sk-s3cr3t")


@pytest.fixture
def admin(database: Engine) -> FlaskClient:
    client = make_app(database, anonymous_read=False).test_client()
    log_in(client, database, "admin")
    return client


def test_every_state_changing_route_refuses_a_session_without_the_token(
    admin: FlaskClient,
) -> None:
    app = admin.application
    del admin.environ_base["HTTP_X_CSRF_TOKEN"]
    refused = []
    for method, url, _, scope in routes(app):
        if method in UNSAFE and scope is None:
            response = admin.open(url, method=method, data={"csrf_token": "forged"})
            assert response.status_code == 403, f"{method} {url}: {response.status_code}"
            assert "CSRF token" in response.get_data(as_text=True)
            refused.append(url)
    assert {"/silences", "/-/reload", "/api/v2/silences", "/admin/users", "/login"} <= set(refused)
    assert admin.get("/admin/users").status_code == 200  # still logged in


def test_the_token_is_taken_from_the_form_or_the_header(
    admin: FlaskClient, database: Engine
) -> None:
    token = admin.environ_base.pop("HTTP_X_CSRF_TOKEN")
    form = {"name": "bob", "role": "viewer", "password": "long enough"}
    assert admin.post("/admin/users", data={**form, "csrf_token": token}).status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert f'name="csrf_token" value="{token}"' in page
    assert f'<meta name="csrf-token" content="{token}">' in page
    response = admin.post("/admin/users/bob/logout", headers={"X-CSRF-Token": token})
    assert response.status_code == 302


def test_bearer_tokens_need_no_csrf_token(database: Engine) -> None:
    token = make_token(database, add_user(database, "ann", "editor"), "write")
    with make_app(database, anonymous_read=False).test_client() as client:
        response = client.post(
            "/silences/nope/expire", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 404  # past auth and CSRF, to the view


def test_the_audit_log_says_who_changed_what(admin: FlaskClient, database: Engine) -> None:
    admin.post("/admin/users", data={"name": "bob", "role": "viewer", "password": "long enough"})
    admin.post("/admin/users/bob/role", data={"role": "editor"})
    admin.post("/account/tokens", data={"name": "ci", "scopes": ["read"]})
    admin.post("/silences/nope/expire")  # refused (404): not audited
    entries = admin.get("/api/v1/audit?limit=10").get_json()["data"]
    assert [(e["actor"], e["action"], e["target"]) for e in entries[:3]] == [
        ("admin", "token.create", entries[0]["target"]),
        ("admin", "user.set_role", "bob"),
        ("admin", "user.create", "bob"),
    ]
    assert entries[0]["target"].endswith(" ci") and entries[1]["detail"] == "role editor"
    assert entries[0]["time"] == NOW and entries[0]["source"] == "127.0.0.1"
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "user.set_role" in page
    with make_app(database, anonymous_read=False).test_client() as viewer:
        log_in(viewer, database, "viewer")
        assert viewer.get("/api/v1/audit").status_code == 403
        assert viewer.get("/admin/audit").status_code == 403


def test_audit_entries_are_escaped(admin: FlaskClient) -> None:
    admin.post("/admin/users", data={"name": "<b>x</b>", "role": "viewer", "password": "x" * 8})
    login = admin.application.test_client()
    login.post(
        "/login",
        data={"name": "<script>", "password": "nope", "csrf_token": csrf_token(login)},
    )
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "<script>" not in page and "&lt;script&gt;" in page


def secret_config() -> dict[str, Any]:
    return {
        "auth": {"anonymous_read": False, "secret_key": "sk-s3cr3t"},
        "logs": {"tail_seconds": 1},  # every GET is read to its end, the live tail too
        "alerting": ALERTING,
        "datasources": [
            {
                "name": "mimir",
                "url": "http://127.0.0.1:1/prometheus",
                "headers": {"Authorization": "Bearer ds-s3cr3t"},
            }
        ],
    }


def test_no_configured_secret_is_shown_in_any_page_or_api_answer(database: Engine) -> None:
    app: Flask = create_app(
        LoadedConfig(config=VigilConfig.model_validate(secret_config())),
        database=database,
        clock=lambda: NOW,
    )
    app.testing = True
    with app.test_client() as client:
        log_in(client, database, "admin")
        make_token(database, add_user(database, "admin", "admin"), "read")
        seen = 0
        for method, url, _, _ in routes(app):
            if method != "GET":
                continue
            response = client.get(url)
            body = response.get_data(as_text=True)
            response.close()
            leaked = [secret for secret in SECRETS if secret in body]
            assert leaked == [], f"{url} shows {leaked}"
            seen += 1
        assert seen > 20
        status = client.get("/api/v2/status").get_data(as_text=True)
        assert "<secret>" in status  # the config is shown, redacted
