"""Logging in and out: cookie flags, lockout, log out everywhere, first-run set-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from store.audit import recent
from store.db import write_transaction
from store.users import count_users, end_sessions
from tests.integration.console.accounts import PASSWORD, add_user, csrf_token, log_in

NOW = 1_700_000_000.0


@dataclass
class Clock:
    now: float = NOW

    def __call__(self) -> float:
        return self.now


def build(database: Engine, clock: Clock, **auth: Any) -> Flask:
    config = VigilConfig.model_validate({"auth": auth})
    app = create_app(LoadedConfig(config=config), database=database, clock=clock)
    app.testing = True
    return app


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database: Engine, clock: Clock) -> Flask:
    return build(database, clock)


def try_login(client: FlaskClient, name: str, password: str) -> Any:
    return client.post(
        "/login", data={"name": name, "password": password, "csrf_token": csrf_token(client)}
    )


def test_login_sets_a_hardened_cookie_and_logout_ends_the_session(
    app: Flask, database: Engine
) -> None:
    add_user(database, "ann", "viewer")
    with app.test_client() as client:
        assert client.get("/fleet").location == "/login?next=%2Ffleet"
        response = try_login(client, "ann", PASSWORD)
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http, nothing configured
        page = client.get("/fleet").get_data(as_text=True)
        assert "ann" in page and "Log out" in page
        client.post("/logout", headers={"X-CSRF-Token": csrf_token(client)})
        assert client.get("/fleet").status_code == 302


def test_cookies_are_secure_over_https_or_when_configured(database: Engine, clock: Clock) -> None:
    add_user(database, "ann", "viewer")
    for app, base in (
        (build(database, clock), "https://vigil.example"),
        (build(database, clock, secure_cookies=True), "http://localhost"),
    ):
        with app.test_client() as client:
            response = client.post(
                "/login",
                base_url=base,
                data={"name": "ann", "password": PASSWORD, "csrf_token": csrf_token(client, base)},
            )
            assert response.status_code == 302
            assert "Secure" in response.headers["Set-Cookie"]


def test_login_redirects_only_to_local_paths(app: Flask, database: Engine) -> None:
    add_user(database, "ann", "viewer")
    with app.test_client() as client:
        for target, expected in (("/alerts", "/alerts"), ("//evil.example/", "/fleet")):
            response = client.post(
                "/login",
                data={
                    "name": "ann",
                    "password": PASSWORD,
                    "next": target,
                    "csrf_token": csrf_token(client),
                },
            )
            assert response.location == expected


def test_repeated_failures_lock_the_login_until_the_lockout_ends(
    app: Flask, database: Engine, clock: Clock
) -> None:
    add_user(database, "ann", "viewer")
    with app.test_client() as client:
        for _ in range(5):
            assert try_login(client, "ann", "wrong password").status_code == 401
        locked = try_login(client, "ann", PASSWORD)
        assert locked.status_code == 429
        assert "Too many failed logins" in locked.get_data(as_text=True)
        clock.now += 14 * 60
        assert try_login(client, "ann", PASSWORD).status_code == 429
        clock.now += 2 * 60
        assert try_login(client, "ann", PASSWORD).status_code == 302
    with database.connect() as connection:
        actions = [entry.action for entry in recent(connection)]
    assert actions.count("login.failed") == 7 and actions[0] == "login"


def test_another_worker_sees_the_lockout(app: Flask, database: Engine, clock: Clock) -> None:
    add_user(database, "ann", "viewer")
    with app.test_client() as first:
        for _ in range(5):
            try_login(first, "ann", "wrong password")
    with build(database, clock).test_client() as second:
        assert try_login(second, "ann", PASSWORD).status_code == 429


def test_unknown_users_fail_like_wrong_passwords(app: Flask) -> None:
    with app.test_client() as client:
        client.get("/setup")
        response = try_login(client, "nobody", "whatever1")
        assert response.status_code == 401
        assert "Wrong user name or password." in response.get_data(as_text=True)


def test_a_session_is_valid_on_another_worker(database: Engine, clock: Clock) -> None:
    """Two apps on one store stand for two gunicorn workers: they share the signing key."""
    first, second = build(database, clock), build(database, clock)
    with first.test_client() as client:
        log_in(client, database, "viewer")
        cookie = client.get_cookie("vigil_session")
        assert cookie is not None
    with second.test_client() as other:
        other.set_cookie("vigil_session", cookie.value)
        assert other.get("/fleet").status_code == 200


def test_log_out_everywhere_ends_every_session(app: Flask, database: Engine) -> None:
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, database, "editor", name="ann")
    log_in(phone, database, "editor", name="ann")
    assert phone.get("/fleet").status_code == 200
    assert laptop.post("/account/logout-everywhere").status_code == 302
    assert laptop.get("/fleet").status_code == 200  # the one that asked starts afresh
    assert phone.get("/fleet").status_code == 302
    with write_transaction(database) as connection:
        end_sessions(connection, "ann")  # `vigil users logout ann`
    assert laptop.get("/fleet").status_code == 302


def test_setup_creates_the_first_admin_then_disappears(app: Flask, database: Engine) -> None:
    with app.test_client() as client:
        assert client.get("/fleet").location == "/login?next=%2Ffleet"
        assert client.get("/login").location == "/setup"
        form = {"name": "root", "password": "long enough", "confirm": "long enough"}
        refused = client.post("/setup", data=form)
        assert refused.status_code == 403  # no CSRF token
        created = client.post("/setup", data={**form, "csrf_token": csrf_token(client)})
        assert created.status_code == 302
        assert client.get("/admin/users").status_code == 200
    with app.test_client() as late:
        assert late.get("/setup").status_code == 404
        again = late.post(
            "/setup", data={**form, "name": "mallory", "csrf_token": csrf_token(late)}
        )
        assert again.status_code == 404
    with database.connect() as connection:
        assert count_users(connection) == 1
