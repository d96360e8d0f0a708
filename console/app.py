"""The Flask application factory: one ``install`` line per subsystem, no work at import."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from flask import Flask, Response
from sqlalchemy import Engine

from console import auth, ops, pages, pages_alerts, pages_dashboards, pages_silences, telemetry
from console.api import (
    alertmanager,
    alertmanager_silences,
    dashboards,
    envelope,
    figures,
    notifications,
    prometheus,
    rules,
)
from console.config import LoadedConfig
from console.context import EXTENSION_KEY, ConsoleContext
from promql.engine import Engine as QueryEngine
from store.datasources import LocalDatasource, build_datasources
from store.db import database_url, open_engine
from store.querier import StoreQuerier

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def create_app(
    loaded: LoadedConfig,
    *,
    database: Engine | None = None,
    clock: Callable[[], float] = time.time,
) -> Flask:
    """Build the console for a loaded configuration; the database is opened, not migrated."""
    config = loaded.config
    app = Flask(__name__)
    app.config["SECRET_KEY"] = config.auth.secret_key or secrets.token_hex(32)
    app.config["JSON_SORT_KEYS"] = False
    engine = database or open_engine(
        database_url(config.storage), busy_timeout_seconds=config.storage.busy_timeout
    )
    querier = StoreQuerier(engine)
    query_engine = QueryEngine(config.query.engine_options())
    app.extensions[EXTENSION_KEY] = ConsoleContext(
        loaded=loaded,
        database=engine,
        querier=querier,
        query_engine=query_engine,
        datasources=build_datasources(
            config.datasources, LocalDatasource(query_engine, querier)
        ),
        clock=clock,
    )
    envelope.register(app)
    dashboards.install(app)
    auth.install(app, anonymous_read=config.auth.anonymous_read)
    telemetry.install(app)
    for blueprint in (
        ops.blueprint,
        pages.blueprint,
        prometheus.blueprint,
        figures.blueprint,
        rules.blueprint,
        alertmanager.blueprint,
        alertmanager_silences.blueprint,
        notifications.blueprint,
        pages_alerts.blueprint,
        pages_silences.blueprint,
        dashboards.blueprint,
        pages_dashboards.blueprint,
    ):
        app.register_blueprint(blueprint)
    app.view_functions["static"] = auth.public(app.view_functions["static"])
    app.after_request(_security_headers)
    return app


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
