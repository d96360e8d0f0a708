"""Login sessions in Flask's signed cookie, signed with a key every worker shares.

The key is ``auth.secret_key`` (typically ``${VIGIL_SECRET_KEY}``), else the
file ``auth.secret_key_file``, else one generated once and kept in the store:
a key made per process would make a session from one gunicorn worker invalid
on the next. The cookie is HttpOnly, SameSite=Lax, and Secure when the request
came over HTTPS or ``auth.secure_cookies`` says so. It holds the user id and
the user's session generation, which "log out everywhere" bumps.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Engine

from console.callers import SESSION_GENERATION, SESSION_USER
from console.csrf import renew_csrf_token
from store.console_settings import shared_value
from store.users import UserRecord

SECRET_SETTING = "session_secret"
COOKIE_NAME = "vigil_session"


class SharedKeySessionInterface(SecureCookieSessionInterface):
    """Loads the signing key on first use (the store may not be reachable at app build)."""

    def __init__(self, load_key: Callable[[], str], secure: bool | None) -> None:
        self.load_key = load_key
        self.secure = secure

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            app.secret_key = self.load_key()
        return super().get_signing_serializer(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure if self.secure is None else self.secure


def key_loader(
    engine: Engine, *, secret_key: str | None, secret_key_file: str | None
) -> Callable[[], str]:
    def load() -> str:
        if secret_key:
            return secret_key
        if secret_key_file:
            return Path(secret_key_file).read_text(encoding="utf-8").strip()
        return shared_value(engine, SECRET_SETTING, lambda: secrets.token_hex(32))

    return load


def install(
    app: Flask, load_key: Callable[[], str], *, secure: bool | None, lifetime_seconds: float
) -> None:
    app.session_interface = SharedKeySessionInterface(load_key, secure)
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=lifetime_seconds),
        # The lifetime counts from login, not from the last request: a stolen
        # cookie dies on time, and responses do not re-sign the cookie each time.
        SESSION_REFRESH_EACH_REQUEST=False,
    )


def start_session(user: UserRecord) -> None:
    """A fresh session for ``user``: nothing from before the login is carried over."""
    session.clear()
    session.permanent = True
    session[SESSION_USER] = user.id
    session[SESSION_GENERATION] = user.session_generation
    renew_csrf_token()


def end_session() -> None:
    session.clear()
    renew_csrf_token()
