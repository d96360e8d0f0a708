"""Operational endpoints, as Prometheus has them: /-/healthy, /-/ready, /metrics."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import text

from console.auth import public
from console.context import current
from console.telemetry import exposition

blueprint = Blueprint("ops", __name__)


@blueprint.route("/-/healthy", methods=["GET", "HEAD"])
@public
def healthy() -> Response:
    return Response("Vigil is Healthy.\n", mimetype="text/plain")


@blueprint.route("/-/ready", methods=["GET", "HEAD"])
@public
def ready() -> Response:
    """Ready once the store answers; a load balancer should not send traffic before."""
    try:
        with current().database.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return Response(f"Vigil is not ready: {error}\n", status=503, mimetype="text/plain")
    return Response("Vigil is Ready.\n", mimetype="text/plain")


@blueprint.route("/metrics", methods=["GET"])
@public
def metrics() -> Response:
    return exposition()
