"""Real accounts for console tests: a user in the store, logged in through ``POST /login``.

After ``log_in`` the test client sends the session's CSRF token as
``X-CSRF-Token`` on every request, as ``vigil.js`` does for ``fetch()``.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Engine

from store.db import write_transaction
from store.passwords import ScryptCost
from store.tokens import create_token, parse_scopes
from store.users import UserRecord, create_user, find_user

PASSWORD = "correct horse battery"
TEST_COST = ScryptCost(n=2**10, r=8, p=1)
"""Real scrypt at a small work factor: login verifies against the stored parameters, so
the whole path runs, at a millisecond instead of a third of a second per hash."""


def add_user(database: Engine, name: str, role: str, *, now: float = 0.0) -> UserRecord:
    with write_transaction(database) as connection:
        found = find_user(connection, name)
        return found or create_user(
            connection, name, role, PASSWORD, now=now, cost=TEST_COST
        )


def csrf_token(client: FlaskClient, base_url: str = "http://localhost") -> str:
    """The session's token, as the page's ``csrf-token`` meta tag shows it."""
    page = client.get("/login", base_url=base_url, follow_redirects=True).get_data(as_text=True)
    marker = '<meta name="csrf-token" content="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def log_in(
    client: FlaskClient, database: Engine, role: str, *, name: str | None = None
) -> UserRecord:
    user = add_user(database, name or role, role)
    response = client.post(
        "/login",
        data={"name": user.name, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    send_csrf_token(client)
    return user


def send_csrf_token(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        token = session["csrf"]
    client.environ_base["HTTP_X_CSRF_TOKEN"] = token


def make_token(
    database: Engine, user: UserRecord, scopes: str, *, expires_at: float | None = None
) -> str:
    with write_transaction(database) as connection:
        token, _ = create_token(
            connection,
            user.id,
            f"{scopes} token",
            parse_scopes(scopes),
            now=0.0,
            expires_at=expires_at,
        )
    return token
