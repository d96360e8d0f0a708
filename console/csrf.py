"""CSRF protection: a per-session token required on every state-changing request.

A small hook rather than Flask-WTF's CSRFProtect: requests that carry an API
token must be exempt per request (not per view), and the check has to run
after the caller is resolved, inside the one auth hook. Forms send the token
as ``csrf_token`` (``_csrf.html``); ``fetch()`` calls send ``X-CSRF-Token``,
read from the ``csrf-token`` meta tag in ``base.html``.
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """This session's token, created on first use (the template global ``csrf_token()``)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def renew_csrf_token() -> None:
    """At login and logout: a token seen before authentication is not reused after."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)


def is_valid(presented: str | None) -> bool:
    expected = session.get(SESSION_KEY)
    if not isinstance(expected, str) or not presented:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


def carries_csrf_token() -> bool:
    """Whether a state-changing request carries this session's token (header or form)."""
    return is_valid(request.headers.get(HEADER) or request.form.get(FORM_FIELD))
