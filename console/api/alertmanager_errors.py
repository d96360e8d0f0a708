"""Alertmanager's API v2 error responses, which come in two kinds, and a plain 401.

Its handlers (``api/v2/api.go``) answer 400, 404 and 500 with the error text
as a JSON string (``Rejected``). The go-swagger layer in front of them, which
routes requests and binds and validates parameters and bodies before any
handler runs, answers with go-openapi's ``{"code": .., "message": ..}``
(``Invalid``): 400 for a body that does not parse, 404 for an unknown path,
405 for a method the path does not take, and validation codes of 600 and
up, sent as 422. Alertmanager has no logins of its own; exporter-toolkit's
web config, which guards it, answers a plain-text ``Unauthorized``.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from flask import Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

PREFIX = "/api/v2/"
PARSE_FAILED, NOT_FOUND, METHOD_NOT_ALLOWED = 400, 404, 405
INVALID_TYPE, REQUIRED, TOO_FEW_ITEMS = 601, 602, 612
_FIRST_VALIDATION_CODE = 600
_UNPROCESSABLE = 422


class Rejected(Exception):
    """A request a handler refuses: its message becomes the JSON string body."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def response(self) -> Response:
        return Response(json.dumps(self.message) + "\n", self.status, mimetype="application/json")


class Invalid(Exception):
    """A request go-swagger refuses before the handler: go-openapi's ``errors.ServeError``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return self.code if self.code < _FIRST_VALIDATION_CODE else _UNPROCESSABLE

    def response(self) -> Response:
        body = json.dumps({"code": self.code, "message": self.message})
        return Response(body, self.status, mimetype="application/json")


def required(name: str, where: str = "body") -> Invalid:
    return Invalid(REQUIRED, f"{name} in {where} is required")


def invalid_type(name: str, where: str, type_name: str, value: str) -> Invalid:
    message = f"{name} in {where} must be of type {type_name}: {json.dumps(value)}"
    return Invalid(INVALID_TYPE, message)


def parse_failed(name: str, where: str, reason: str) -> Invalid:
    return Invalid(PARSE_FAILED, f'parsing {name} {where} from "" failed, because {reason}')


def routing_error(error: HTTPException) -> Response:
    """go-openapi's router: an unknown path, or a method the path does not take."""
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        allowed = sorted(set(error.valid_methods) - {"HEAD", "OPTIONS"})
        refused = Invalid(
            METHOD_NOT_ALLOWED,
            f"method {request.method} is not allowed, but [{','.join(allowed)}] are",
        )
        response = refused.response()
        response.headers["Allow"] = ",".join(allowed)
        return response
    if error.code == NOT_FOUND:
        path = quote(request.path, safe="/:@!$&'()*+,;=-._~")
        return Invalid(NOT_FOUND, f"path {path} was not found").response()
    return Invalid(error.code or 500, error.description or str(error)).response()


def unauthorized() -> Response:
    return Response("Unauthorized\n", 401, mimetype="text/plain")
