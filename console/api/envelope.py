"""Prometheus's API envelope: one success shape, one error shape, typed errors.

Every handler returns data or raises ``ApiError``; ``register`` installs the one
handler that renders both, as Prometheus's ``web/api/v1/api.go`` does. Under
``/api/v2`` (Alertmanager's API) errors take Alertmanager's shapes instead
(``alertmanager_errors``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from console.api import alertmanager_errors

# errorType → HTTP status, as Prometheus maps them.
ERROR_STATUS = {
    "bad_data": 400,
    "execution": 422,
    "canceled": 499,
    "timeout": 503,
    "not_found": 404,
    "unavailable": 503,
    "internal": 500,
}


class ApiError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def bad_data(message: str) -> ApiError:
    return ApiError("bad_data", message)


def success(data: Any, warnings: list[str] | None = None) -> Response:
    body: dict[str, Any] = {"status": "success", "data": data}
    if warnings:
        body["warnings"] = warnings
    return jsonify(body)


def success_json(data: bytes) -> Response:
    """``success`` for data already encoded as JSON: query results build their own text,
    which for a large matrix is several times faster than encoding nested lists."""
    return Response(b'{"status":"success","data":' + data + b"}\n", mimetype="application/json")


def error_response(error_type: str, message: str) -> Response:
    response = jsonify({"status": "error", "errorType": error_type, "error": message})
    response.status_code = ERROR_STATUS.get(error_type, 500)
    return response


def register(app: Flask, prefix: str = "/api/") -> None:
    """Render ApiError everywhere, and any HTTP error under the API prefix, as JSON."""
    from flask import request

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.error_type, error.message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | HTTPException:
        if not request.path.startswith(prefix):
            return error
        if request.path.startswith(alertmanager_errors.PREFIX):
            return alertmanager_errors.routing_error(error)
        kind = "not_found" if error.code == 404 else "bad_data"
        response = error_response(kind, error.description or str(error))
        response.status_code = error.code or 500
        return response


def unauthorized(path: str, message: str = "authentication required") -> Response:
    """401 for an API caller without valid credentials, in that API's shape."""
    if path.startswith(alertmanager_errors.PREFIX):
        return alertmanager_errors.unauthorized()
    response = error_response("bad_data", message)
    response.status_code = 401
    return response
