"""Refuse a NUL character in any API parameter before a handler sees it.

No parameter of the API means anything with one, and the databases choke on
it: SQLite's FTS5 reads a NUL as the end of the query ("unterminated string"),
PostgreSQL refuses NUL in text outright. Either was a 500; this is a 400
naming the parameter, in the envelope of the API asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, request

from console.api.alertmanager_errors import PREFIX as ALERTMANAGER_PREFIX
from console.api.alertmanager_errors import Rejected
from console.api.envelope import bad_data

NUL = "\x00"
API_PREFIX = "/api/"
FORM = "application/x-www-form-urlencoded"


def install(app: Flask) -> None:
    @app.before_request
    def _refuse_nul() -> None:
        if not request.path.startswith(API_PREFIX):
            return
        name = first_with_nul(_parameters())
        if name is None:
            return
        message = f'invalid parameter "{name}": contains a NUL character'
        if request.path.startswith(ALERTMANAGER_PREFIX):
            raise Rejected(message)
        raise bad_data(message)


def _parameters() -> Iterable[tuple[str, str]]:
    yield from request.args.items(multi=True)
    yield from ((name, str(value)) for name, value in (request.view_args or {}).items())
    if request.mimetype == FORM:
        yield from request.form.items(multi=True)


def first_with_nul(pairs: Iterable[tuple[str, str]]) -> str | None:
    for name, value in pairs:
        if NUL in name or NUL in value:
            return name.replace(NUL, "\\x00")
    return None
