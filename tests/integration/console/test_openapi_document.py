"""``/api/openapi.json`` describes every ``/api/`` route and method, and nothing else."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from console.api.openapi_spec import OPERATIONS
from console.api.openapi_spec import document as openapi_document
from console.auth import Role, required_role, required_scope

_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_IGNORED_METHODS = {"HEAD", "OPTIONS"}
_ROLES = {
    "public": Role.ANONYMOUS,
    "viewer": Role.VIEWER,
    "editor": Role.EDITOR,
    "admin": Role.ADMIN,
}


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``<int:id>`` becomes ``{id}``."""
    return _VARIABLE.sub(r"{\1}", rule)


def routed_operations(app: Flask) -> dict[tuple[str, str], str]:
    """(path, method) of every API route, with its view's endpoint name."""
    return {
        (openapi_path(rule.rule), method.lower()): rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - _IGNORED_METHODS
    }


def test_it_describes_every_api_route_and_nothing_more(app: Flask) -> None:
    routed = set(routed_operations(app))
    described = {(operation.path, operation.method) for operation in OPERATIONS}
    assert sorted(routed - described) == [], "routes missing from the OpenAPI document"
    assert sorted(described - routed) == [], "documented operations that are not routed"
    assert len(described) == len(OPERATIONS), "an operation is described twice"


def test_it_states_the_role_each_route_declares(app: Flask) -> None:
    endpoints = routed_operations(app)
    for operation in OPERATIONS:
        view = app.view_functions[endpoints[(operation.path, operation.method)]]
        if operation.role == "push":
            assert required_scope(view) == "push", operation.path
        else:
            assert required_role(view) == _ROLES[operation.role], operation.path


def test_it_serves_the_document_without_login(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document == openapi_document()
    assert document["openapi"].startswith("3.0")
    assert "/api/v1/query_range" in document["paths"]
    assert {"get", "post"} <= set(document["paths"]["/api/v1/query"])
    assert document["paths"]["/api/v1/label/{name}/values"]["get"]["parameters"][0]["in"] == "path"
