"""schemathesis against ``/api/openapi.json``, in process over WSGI, logged in as an admin.

Every documented operation gets generated requests, valid and invalid; the
answer must never be a 5xx and must match the status codes and schemas the
document declares. The store holds ten minutes of the demo fleet, a silence
and a check, so the handlers have data to get wrong. A few examples per
operation in ``make test``; ``make fuzz`` (``HYPOTHESIS_PROFILE=fuzz``) runs
many more.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import Engine

from alerts.silences import create_silence
from console.api.openapi_spec import document
from console.sessions import COOKIE_NAME
from promql.matchers import Matcher, MatchType
from store.db import open_engine, upgrade, write_transaction
from tests.console_store import fill_demo_store
from tests.integration.console.accounts import log_in, make_token
from tests.integration.console.conftest import NOW, make_app

FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
EXAMPLES = 200 if FUZZING else 4
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_: Any, value: Any) -> bytes:
    """The push body as generated: text that should hold one JSON object per line."""
    return str(value).encode("utf-8", errors="surrogatepass")


def _seed(database: Engine) -> None:
    fill_demo_store(database, end=NOW, minutes=10)
    with write_transaction(database) as connection:
        create_silence(
            connection,
            matchers=[Matcher("service", MatchType.EQUAL, "search")],
            starts_at=NOW - 60,
            ends_at=NOW + 3600,
            created_by="admin",
            comment="maintenance",
            now=NOW - 60,
        )


@dataclass(frozen=True)
class Credentials:
    cookies: dict[str, str]
    """An admin's session cookie, as a browser sends it."""
    session: dict[str, str]
    """The session's CSRF token, as the console's scripts send it."""
    push: dict[str, str]
    """An admin's API token of every scope: only a token may push logs."""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Credentials]]:
    """The console over a seeded SQLite store, and how an admin calls it."""
    path: Path = tmp_path_factory.mktemp("openapi") / "vigil.db"
    database = open_engine(f"sqlite:///{path}")
    upgrade(database)
    _seed(database)
    app = make_app(database, anonymous_read=False)
    with app.test_client() as client:
        admin = log_in(client, database, "admin")
        cookie = client.get_cookie(COOKIE_NAME)
        assert cookie is not None
        cookies = {COOKIE_NAME: cookie.value}
        session = {"X-CSRF-Token": client.environ_base["HTTP_X_CSRF_TOKEN"]}
    token = make_token(database, admin, "read write push")
    browser = app.test_client()
    browser.set_cookie(COOKIE_NAME, cookie.value)
    admin_only = browser.get("/api/v1/audit", headers=session)
    assert admin_only.status_code == 200, "the session headers do not log in as an admin"
    try:
        yield app, Credentials(cookies, session, {"Authorization": f"Bearer {token}"})
    finally:
        database.dispose()


# The document as the app serves it (test_openapi_document checks they are the same); built
# from data alone, so one pytest item per operation is known at collection time.
schema = schemathesis.openapi.from_dict(document())
# Credentials are ours to send: generated ones would only ever be refused.
schema.config.generation.update(max_examples=EXAMPLES, with_security_parameters=False)


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not FUZZING,
)
def test_api_answers_as_documented(case: Any, seeded: tuple[Flask, Credentials]) -> None:
    app, credentials = seeded
    if case.path == "/api/v1/logs/tail":
        case.query = {**(case.query or {}), "seconds": "0"}
    pushing = (case.method, case.path) == ("POST", "/api/v1/logs")
    if pushing:
        response = case.call_and_validate(app=app, headers=credentials.push, checks=CHECKS)
    else:
        response = case.call_and_validate(
            app=app, headers=credentials.session, cookies=credentials.cookies, checks=CHECKS
        )
    assert response.status_code not in (401, 403), "an admin was refused: not logged in?"
