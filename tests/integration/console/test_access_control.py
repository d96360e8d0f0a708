"""The role walk: every route declares a role, and each refuses whoever is below it.

Each role gets a real account and a real session (``POST /login``); the walk
requests every route of the URL map with every method, as each of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.auth import Role, required_role, required_scope
from tests.integration.console.accounts import log_in
from tests.integration.console.conftest import make_app

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
ROLES = {Role.VIEWER: "viewer", Role.EDITOR: "editor", Role.ADMIN: "admin"}


def concrete(rule: str) -> str:
    """A URL for a rule: ``<int:id>`` becomes 1, any other argument ``x``."""
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", rule)


def routes(app: Flask) -> Iterator[tuple[str, str, Role, str | None]]:
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        role = required_role(view)
        assert role is not None, f"{rule.rule} declares no role"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, concrete(rule.rule), role, required_scope(view)


@pytest.fixture
def app(database: Engine) -> Flask:
    return make_app(database, anonymous_read=False)


@pytest.fixture
def clients(app: Flask, database: Engine) -> Iterator[dict[Role, FlaskClient]]:
    signed_in = {Role.ANONYMOUS: app.test_client()}
    for role, name in ROLES.items():
        signed_in[role] = app.test_client()
        log_in(signed_in[role], database, name)
    yield signed_in


def test_every_route_declares_a_role(app: Flask) -> None:
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if required_role(app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def test_each_route_refuses_callers_below_its_role(
    app: Flask, clients: dict[Role, FlaskClient]
) -> None:
    checked = 0
    for method, url, needed, scope in routes(app):
        for role, client in clients.items():
            if role >= needed and scope is None and method != "GET":
                continue  # allowed, and it would change state (log out, delete…)
            response = client.open(url, method=method)
            response.close()  # file responses (plotly.js) stream
            where = f"{method} {url} as {role.name}: {response.status_code}"
            if scope is not None:
                assert response.status_code == 401, where  # tokens only
            elif role < needed and role == Role.ANONYMOUS:
                if url.startswith("/api/v2/"):  # Alertmanager's API: its own 401
                    assert response.status_code == 401, where
                    assert response.get_data(as_text=True).strip() == "Unauthorized", where
                elif url.startswith("/api/"):
                    assert response.status_code == 401, where
                    assert response.get_json()["status"] == "error"
                elif method == "GET":
                    assert response.status_code == 302, where
                    assert response.location.startswith("/login?next="), where
                else:
                    assert response.status_code == 401, where
                checked += 1
            elif role < needed:
                assert response.status_code == 403, where
                checked += 1
            else:
                assert response.status_code not in (401, 403), where
                assert response.status_code < 500, where
                assert not (response.location or "").startswith("/login"), where
    assert checked > 50


def test_the_account_and_admin_pages_render(clients: dict[Role, FlaskClient]) -> None:
    admin = clients[Role.ADMIN]
    for url in ("/account", "/admin/users", "/admin/tokens", "/admin/audit"):
        page = admin.get(url)
        assert page.status_code == 200, url
        assert 'name="csrf_token"' in page.get_data(as_text=True) or url == "/admin/audit"
    assert "viewer" in clients[Role.VIEWER].get("/account").get_data(as_text=True)


def test_editor_routes_include_every_state_change(app: Flask) -> None:
    """Nothing that changes state is open to viewers (the public forms excepted)."""
    open_changes = [
        (method, url)
        for method, url, needed, _ in routes(app)
        if method in UNSAFE
        and needed == Role.VIEWER
        and not url.startswith("/account")
        and not url.startswith("/api/v1/")
    ]
    assert open_changes == []


def test_anonymous_read_makes_anonymous_a_viewer_only(database: Engine) -> None:
    with make_app(database, anonymous_read=True).test_client() as anonymous:
        assert anonymous.get("/fleet").status_code == 200
        assert anonymous.get("/api/v1/query?query=1").status_code == 200
        assert anonymous.post("/api/v2/silences", json={}).status_code == 401
        assert anonymous.get("/admin/users").status_code == 302
    with make_app(database, anonymous_read=False).test_client() as closed:
        assert closed.get("/api/v1/query?query=1").status_code == 401
        assert closed.get("/-/healthy").status_code == 200
