"""``GET /api/openapi.json``: the OpenAPI document of the REST API (``openapi_spec``).

Public, as API documentation usually is: it describes routes and shapes,
which the source tells anyone anyway, and holds no data; clients and
schemathesis read it before they have credentials.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from console.api.openapi_spec import document
from console.auth import public

blueprint = Blueprint("openapi", __name__, url_prefix="/api")


@blueprint.route("/openapi.json", methods=["GET"])
@public
def openapi_document() -> Response:
    return jsonify(document())
