"""Operational endpoints, as Prometheus has them: /-/healthy, /-/ready, /-/reload, /metrics."""

from __future__ import annotations

import time

from flask import Blueprint, Response
from sqlalchemy import text

from alerts.rule_status import reload_status, request_reload
from console.auth import Role, public, requires
from console.context import current
from console.telemetry import exposition

RELOAD_WAIT_SECONDS = 5.0
"""How long ``POST /-/reload`` waits for the agent to report the reload it asked for."""

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


@blueprint.route("/-/reload", methods=["POST", "PUT"])
@requires(Role.EDITOR)
def reload() -> Response:
    """Ask the agent (another process) to reload, through the store, and wait for its answer.

    200 once the agent reloaded, 500 with its error if the new configuration
    was refused (the old one keeps running), 202 if the agent did not answer
    within ``RELOAD_WAIT_SECONDS`` (it is not running, or busy).
    """
    database = current().database
    before = reload_status(database)
    request_reload(database, current().clock())
    deadline = time.monotonic() + RELOAD_WAIT_SECONDS
    while time.monotonic() < deadline:
        status = reload_status(database)
        if status is not None and status != before:
            if status.successful:
                return Response("", mimetype="text/plain")
            return Response(
                f"failed to reload config: {status.error}\n", status=500, mimetype="text/plain"
            )
        time.sleep(0.1)
    return Response("reload requested; the agent has not answered yet\n", status=202)


@blueprint.route("/metrics", methods=["GET"])
@public
def metrics() -> Response:
    return exposition()
