"""Declared roles: every view says who may call it, and one hook enforces it.

The role walk test fails if a route lacks a declaration. Until user accounts
exist, the viewer role is granted to anonymous requests only when
``auth.anonymous_read`` is on; editor and admin routes are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request

from console.api.envelope import error_response, unauthorized

F = TypeVar("F", bound=Callable[..., Any])
ROLE_ATTRIBUTE = "vigil_required_role"


class Role(IntEnum):
    """Ordered: a higher role may do everything a lower one may."""

    ANONYMOUS = 0
    VIEWER = 1
    EDITOR = 2
    ADMIN = 3


def requires(role: Role) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, ROLE_ATTRIBUTE, role)
        return view

    return mark


def public(view: F) -> F:
    """For probes and the login page: anyone, always."""
    return requires(Role.ANONYMOUS)(view)


def required_role(view: Callable[..., Any]) -> Role | None:
    return getattr(view, ROLE_ATTRIBUTE, None)


def caller_role(anonymous_read: bool) -> Role:
    return Role.VIEWER if anonymous_read else Role.ANONYMOUS


def install(app: Flask, anonymous_read: bool) -> None:
    @app.before_request
    def _enforce_role() -> Response | None:
        if request.endpoint is None:
            return None
        view = current_app.view_functions.get(request.endpoint)
        needed = required_role(view) if view is not None else None
        if needed is None:
            # Undeclared routes are refused rather than left open by mistake.
            return error_response("unavailable", "route has no declared role")
        if caller_role(anonymous_read) >= needed:
            return None
        if request.path.startswith("/api/"):
            return unauthorized(request.path)
        return Response("Authentication required\n", status=401, mimetype="text/plain")
