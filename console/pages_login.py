"""Log in, log out, and the first-run page that creates the first admin.

``/setup`` exists only while the store has no users; creating the first admin
takes the users table's lock on PostgreSQL (SQLite's write transaction already
serialises), so two set-ups at once cannot both succeed.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import text
from werkzeug.wrappers import Response as BaseResponse

from console import audit
from console.auth import public, safe_next
from console.context import current
from console.login import attempt_login
from console.sessions import end_session, start_session
from store.db import write_transaction
from store.users import UserError, count_users, create_user

blueprint = Blueprint("login_pages", __name__)


def _has_users() -> bool:
    with current().database.connect() as connection:
        return count_users(connection) > 0


@blueprint.route("/login", methods=["GET"])
@public
def login() -> BaseResponse | str:
    if not _has_users():
        return redirect(url_for("login_pages.setup"))
    return render_template("login.html", error="", name="", next=request.args.get("next", ""))


@blueprint.route("/login", methods=["POST"])
@public
def login_submit() -> BaseResponse | tuple[str, int]:
    context = current()
    auth = context.loaded.config.auth
    name = request.form.get("name", "").strip()
    next_path = request.form.get("next", "")
    outcome = attempt_login(
        context.database,
        name,
        request.form.get("password", ""),
        address=request.remote_addr or "",
        now=context.clock(),
        max_failures=auth.login_max_failures,
        lockout_seconds=auth.login_lockout,
    )
    if outcome.user is None:
        if outcome.locked_until is not None:
            minutes = max(1, round((outcome.locked_until - context.clock()) / 60))
            error, status = f"Too many failed logins; try again in {minutes} min.", 429
        else:
            error, status = "Wrong user name or password.", 401
        audit.note("login.failed", target=name, detail=error, always=True, actor=name)
        page = render_template("login.html", error=error, name=name, next=next_path)
        return page, status
    start_session(outcome.user)
    audit.note("login", target=name, actor=name)
    return redirect(safe_next(next_path, url_for("pages.fleet")))


@blueprint.route("/logout", methods=["POST"])
@public
def logout() -> BaseResponse:
    end_session()
    return redirect(url_for("login_pages.login"))


@blueprint.route("/setup", methods=["GET"])
@public
def setup() -> BaseResponse | tuple[str, int] | str:
    if _has_users():
        return "Not found: set-up is done\n", 404
    return render_template("setup.html", error="", name="")


@blueprint.route("/setup", methods=["POST"])
@public
def setup_submit() -> BaseResponse | tuple[str, int]:
    context = current()
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        return render_template("setup.html", error="The passwords differ.", name=name), 400
    try:
        with write_transaction(context.database) as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
            if count_users(connection) > 0:
                return "Not found: set-up is done\n", 404
            user = create_user(connection, name, "admin", password, now=context.clock())
    except UserError as error:
        return render_template("setup.html", error=str(error), name=name), 400
    start_session(user)
    audit.note("user.create", target=name, detail="first admin, from the set-up page", actor=name)
    return redirect(url_for("pages.fleet"))
