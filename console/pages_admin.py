"""Account and admin pages: users, API tokens, the audit log.

Everyone logged in has an account page (their tokens, log out everywhere);
admins manage every user and token. A new token is shown once, in the page
that answers the POST creating it, and never again: only its hash is kept.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from console import audit
from console.auth import Role, current_caller, requires
from console.context import current
from console.sessions import start_session
from store import audit as audit_log
from store.db import write_transaction
from store.roles import ROLES
from store.tokens import (
    DEFAULT_TOKEN_LIFETIME,
    SCOPES,
    TokenRecord,
    create_token,
    get_token,
    list_tokens,
    parse_scopes,
    token_expiry,
)
from store.tokens import revoke_token as store_revoke
from store.users import (
    UserError,
    create_user,
    delete_user,
    end_sessions,
    find_user,
    get_user,
    list_users,
    set_role,
)

blueprint = Blueprint("admin_pages", __name__)


def _issue_token(user_id: int, user_name: str) -> tuple[str, TokenRecord]:
    context = current()
    now = context.clock()
    form = request.form
    scopes = parse_scopes(" ".join(form.getlist("scopes")))
    expires_at = token_expiry(form.get("expires", ""), now)
    with write_transaction(context.database) as connection:
        token, token_id = create_token(
            connection, user_id, form.get("name", ""), scopes, now=now, expires_at=expires_at
        )
        record = get_token(connection, token_id)
    assert record is not None
    audit.note(
        "token.create",
        target=f"{record.id} {record.name}",
        detail=f"for {user_name}, scopes {' '.join(scopes)}",
    )
    return token, record


def _tokens_page(template: str, status: int = 200, **extra: Any) -> tuple[str, int]:
    context = current()
    caller = current_caller()
    owner = None if template == "admin_tokens.html" else caller.user_id
    with context.database.connect() as connection:
        tokens = list_tokens(connection, owner)
        users = list_users(connection) if owner is None else []
    page = render_template(
        template,
        tokens=tokens,
        users=users,
        scopes=SCOPES,
        now=context.clock(),
        default_lifetime=DEFAULT_TOKEN_LIFETIME,
        **{"new_token": "", "error": "", **extra},
    )
    return page, status


@blueprint.route("/account")
@requires(Role.VIEWER)
def account() -> BaseResponse | tuple[str, int]:
    if current_caller().user_id is None:
        return redirect(url_for("login_pages.login"))
    return _tokens_page("account.html")


@blueprint.route("/account/tokens", methods=["POST"])
@requires(Role.VIEWER)
def create_own_token() -> tuple[str, int]:
    caller = current_caller()
    if caller.user_id is None:
        return "Forbidden: only accounts have tokens\n", 403
    try:
        token, record = _issue_token(caller.user_id, caller.name)
    except UserError as error:
        return _tokens_page("account.html", 400, error=str(error))
    return _tokens_page("account.html", 201, new_token=token, new_record=record)


def _revoke(token_id: int, *, own_only: bool) -> UserError | None:
    context = current()
    caller = current_caller()
    with write_transaction(context.database) as connection:
        record = get_token(connection, token_id)
        if record is None or (own_only and record.user_id != caller.user_id):
            return UserError(f"no token {token_id} of yours")
        try:
            store_revoke(connection, token_id, now=context.clock())
        except UserError as error:
            return error
    audit.note("token.revoke", target=f"{record.id} {record.name}", detail=f"of {record.user_name}")
    return None


@blueprint.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Role.VIEWER)
def revoke_own_token(token_id: int) -> BaseResponse | tuple[str, int]:
    failed = _revoke(token_id, own_only=True)
    if failed is not None:
        return _tokens_page("account.html", 404, error=str(failed))
    return redirect(url_for("admin_pages.account"))


@blueprint.route("/account/logout-everywhere", methods=["POST"])
@requires(Role.VIEWER)
def logout_everywhere() -> BaseResponse | tuple[str, int]:
    """Ends every session of this user, then starts a new one here."""
    caller = current_caller()
    if caller.user_id is None:
        return "Forbidden: only accounts have sessions\n", 403
    context = current()
    with write_transaction(context.database) as connection:
        end_sessions(connection, caller.name)
        user = get_user(connection, caller.user_id)
    assert user is not None
    audit.note("user.logout_everywhere", target=caller.name)
    start_session(user)
    return redirect(url_for("admin_pages.account"))


def _users_page(status: int = 200, error: str = "", notice: str = "") -> tuple[str, int]:
    with current().database.connect() as connection:
        users = list_users(connection)
    page = render_template("admin_users.html", users=users, roles=ROLES, error=error, notice=notice)
    return page, status


@blueprint.route("/admin/users")
@requires(Role.ADMIN)
def users() -> tuple[str, int]:
    return _users_page()


@blueprint.route("/admin/users", methods=["POST"])
@requires(Role.ADMIN)
def create_user_submit() -> BaseResponse | tuple[str, int]:
    context = current()
    form = request.form
    name, role = form.get("name", "").strip(), form.get("role", "")
    try:
        with write_transaction(context.database) as connection:
            create_user(connection, name, role, form.get("password", ""), now=context.clock())
    except UserError as error:
        return _users_page(400, error=str(error))
    audit.note("user.create", target=name, detail=f"role {role}")
    return redirect(url_for("admin_pages.users"))


def _change_user(name: str, action: str) -> BaseResponse | tuple[str, int]:
    context = current()
    role = request.form.get("role", "")
    try:
        with write_transaction(context.database) as connection:
            if find_user(connection, name) is None:
                raise UserError(f"no user {name!r}")
            if action == "user.set_role":
                set_role(connection, name, role)
            elif action == "user.delete":
                delete_user(connection, name)
            else:
                end_sessions(connection, name)
    except UserError as error:
        return _users_page(400, error=str(error))
    audit.note(action, target=name, detail=f"role {role}" if action == "user.set_role" else "")
    return redirect(url_for("admin_pages.users"))


@blueprint.route("/admin/users/<name>/role", methods=["POST"])
@requires(Role.ADMIN)
def change_role(name: str) -> BaseResponse | tuple[str, int]:
    return _change_user(name, "user.set_role")


@blueprint.route("/admin/users/<name>/delete", methods=["POST"])
@requires(Role.ADMIN)
def delete(name: str) -> BaseResponse | tuple[str, int]:
    return _change_user(name, "user.delete")


@blueprint.route("/admin/users/<name>/logout", methods=["POST"])
@requires(Role.ADMIN)
def logout_user(name: str) -> BaseResponse | tuple[str, int]:
    return _change_user(name, "user.logout_everywhere")


@blueprint.route("/admin/tokens")
@requires(Role.ADMIN)
def tokens() -> tuple[str, int]:
    return _tokens_page("admin_tokens.html")


@blueprint.route("/admin/tokens", methods=["POST"])
@requires(Role.ADMIN)
def create_token_for_user() -> tuple[str, int]:
    user_name = request.form.get("user", "")
    try:
        with current().database.connect() as connection:
            user = find_user(connection, user_name)
        if user is None:
            raise UserError(f"no user {user_name!r}")
        token, record = _issue_token(user.id, user.name)
    except UserError as error:
        return _tokens_page("admin_tokens.html", 400, error=str(error))
    return _tokens_page("admin_tokens.html", 201, new_token=token, new_record=record)


@blueprint.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Role.ADMIN)
def revoke_token(token_id: int) -> BaseResponse | tuple[str, int]:
    failed = _revoke(token_id, own_only=False)
    if failed is not None:
        return _tokens_page("admin_tokens.html", 404, error=str(failed))
    return redirect(url_for("admin_pages.tokens"))


@blueprint.route("/admin/audit")
@requires(Role.ADMIN)
def audit_page() -> str:
    before = request.args.get("before", type=int)
    with current().database.connect() as connection:
        entries = audit_log.recent(connection, limit=200, before_id=before)
    return render_template("admin_audit.html", entries=entries)
