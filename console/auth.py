"""Declared roles: every view says who may call it, and one hook enforces it.

The hook resolves the caller (an API token, a session, or anonymous — a
viewer only when ``auth.anonymous_read`` is on), checks the view's declared
role or token scope, then CSRF for state-changing requests that did not come
with a token. No credentials, or bad ones: 401 (pages redirect to the login
page); too small a role: 403. The role walk test fails if a route lacks a
declaration; an undeclared route is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from console.api.envelope import error_response, unauthorized
from console.callers import ANONYMOUS_NAME, Caller, Role, resolve_caller
from console.csrf import carries_csrf_token, csrf_token

__all__ = ["Caller", "Role", "current_caller", "public", "requires", "requires_scope"]

F = TypeVar("F", bound=Callable[..., Any])
ROLE_ATTRIBUTE = "vigil_required_role"
SCOPE_ATTRIBUTE = "vigil_required_scope"
API_PREFIX = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def requires(role: Role) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, ROLE_ATTRIBUTE, role)
        return view

    return mark


def public(view: F) -> F:
    """For probes and the login page: anyone, always."""
    return requires(Role.ANONYMOUS)(view)


def requires_scope(scope: str) -> Callable[[F], F]:
    """Only API tokens carrying ``scope`` may call the view (the log push endpoint: ``push``).

    Sessions and anonymous callers are refused; the token's owner must hold the
    scope's role (``callers.SCOPE_ROLES``), and the scope alone decides (``push``
    grants no role). Such routes are not audited per request. Usage::

        @blueprint.route("/api/v1/logs", methods=["POST"])
        @requires_scope("push")
        def push_logs() -> Response: ...
    """

    def mark(view: F) -> F:
        setattr(view, SCOPE_ATTRIBUTE, scope)
        return requires(Role.VIEWER)(view)  # a declaration for the role walk; not checked

    return mark


def required_role(view: Callable[..., Any]) -> Role | None:
    return getattr(view, ROLE_ATTRIBUTE, None)


def required_scope(view: Callable[..., Any]) -> str | None:
    return getattr(view, SCOPE_ATTRIBUTE, None)


def current_caller() -> Caller:
    """Who is making this request (set by the hook before any view runs)."""
    caller: Caller | None = g.get("caller")
    return caller if caller is not None else Caller.anonymous(Role.ANONYMOUS)


def install(app: Flask, anonymous_read: bool) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"caller": current_caller()})

    @app.before_request
    def _enforce_role() -> BaseResponse | None:
        if request.endpoint is None:
            return None
        caller = resolve_caller(anonymous_read)
        g.caller = caller
        if caller is None:
            g.caller = Caller.anonymous(Role.ANONYMOUS)
            return unauthenticated("invalid credentials")
        view = current_app.view_functions.get(request.endpoint)
        needed = required_role(view) if view is not None else None
        if view is None or needed is None:
            # Undeclared routes are refused rather than left open by mistake.
            return error_response("unavailable", "route has no declared role")
        scope = required_scope(view)
        refusal = _scope_refusal(caller, scope)
        if scope is None and caller.role < needed:
            refusal = (
                unauthenticated("authentication required")
                if caller.is_anonymous
                else forbidden(f"needs the {needed.name.lower()} role")
            )
        if refusal is None and _needs_csrf_token(caller, needed) and not carries_csrf_token():
            refusal = forbidden("missing or invalid CSRF token; reload the page and try again")
        return refusal


def _needs_csrf_token(caller: Caller, needed: Role) -> bool:
    """Unsafe methods riding on a session cookie, and the public forms (login CSRF).

    A token cannot be forged by another site, and an anonymous caller has no
    ambient credentials to abuse (Prometheus clients POST queries that way).
    """
    if request.method in SAFE_METHODS:
        return False
    return caller.kind == "session" or needed == Role.ANONYMOUS


def _scope_refusal(caller: Caller, scope: str | None) -> BaseResponse | None:
    if scope is None:
        return None
    if caller.kind != "token":
        return unauthenticated(f"needs an API token with the {scope} scope")
    if not caller.may_use_scope(scope):
        return forbidden(f"the token lacks the {scope} scope")
    return None


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def unauthenticated(message: str) -> BaseResponse:
    if is_api_request():
        response = unauthorized(request.path, message)
        response.headers["WWW-Authenticate"] = 'Bearer realm="vigil"'
        return response
    if request.method in SAFE_METHODS:
        return redirect(login_url(request.full_path if request.query_string else request.path))
    return Response(f"Authentication required: {message}\n", status=401, mimetype="text/plain")


def forbidden(message: str) -> BaseResponse:
    if is_api_request():
        response = error_response("bad_data", message)
        response.status_code = 403
        return response
    return Response(f"Forbidden: {message}\n", status=403, mimetype="text/plain")


def login_url(next_path: str) -> str:
    return url_for("login_pages.login") + "?" + urlencode({"next": next_path})


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site, never ``//host`` or a scheme: no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def actor_name() -> str:
    caller = current_caller()
    return caller.name if not caller.is_anonymous else ANONYMOUS_NAME
