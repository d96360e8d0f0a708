"""The Flask application factory: one ``install`` line per subsystem, no work at import."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, Response
from sqlalchemy import Engine

from console import (
    audit,
    auth,
    ops,
    pages,
    pages_admin,
    pages_alerts,
    pages_analysis,
    pages_checks,
    pages_dashboards,
    pages_login,
    pages_logs,
    pages_silences,
    sessions,
    telemetry,
)
from console.api import (
    alertmanager,
    alertmanager_silences,
    analysis,
    checks,
    dashboards,
    envelope,
    figures,
    logs,
    metadata,
    notifications,
    nul,
    openapi,
    prometheus,
    rules,
)
from console.api import audit as audit_api
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
        datasources=build_datasources(config.datasources, LocalDatasource(query_engine, querier)),
        clock=clock,
    )
    envelope.register(app)
    sessions.install(
        app,
        sessions.key_loader(
            engine,
            secret_key=config.auth.secret_key,
            secret_key_file=config.auth.secret_key_file,
        ),
        secure=config.auth.secure_cookies,
        lifetime_seconds=config.auth.session_lifetime,
    )
    dashboards.install(app)
    auth.install(app, anonymous_read=config.auth.anonymous_read)
    nul.install(app)
    audit.install(app)
    telemetry.install(app)
    for blueprint in (
        ops.blueprint,
        pages.blueprint,
        prometheus.blueprint,
        metadata.blueprint,
        figures.blueprint,
        rules.blueprint,
        alertmanager.blueprint,
        alertmanager_silences.blueprint,
        notifications.blueprint,
        logs.blueprint,
        pages_alerts.blueprint,
        pages_silences.blueprint,
        pages_login.blueprint,
        pages_admin.blueprint,
        audit_api.blueprint,
        analysis.blueprint,
        pages_analysis.blueprint,
        pages_logs.blueprint,
        checks.blueprint,
        pages_checks.blueprint,
        dashboards.blueprint,
        pages_dashboards.blueprint,
        openapi.blueprint,
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
