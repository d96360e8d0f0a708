"""Who is calling: an API token (bearer, or basic-auth password), a session, or nobody.

A token's role is the smaller of its owner's role and what its scopes allow
(``read`` = viewer, ``write`` = editor), so demoting a user demotes their
tokens. ``push`` grants no page or API role; it only opens routes declared
with ``requires_scope("push")``, and only for owners who are editors.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import IntEnum

from flask import request, session

from console.context import current
from store.db import write_transaction
from store.tokens import TokenRecord, find_token, record_use, should_record_use
from store.users import get_user

ANONYMOUS_NAME = "anonymous"
SESSION_USER = "uid"
SESSION_GENERATION = "gen"


class Role(IntEnum):
    """Ordered: a higher role may do everything a lower one may."""

    ANONYMOUS = 0
    VIEWER = 1
    EDITOR = 2
    ADMIN = 3

    @classmethod
    def of(cls, stored: str) -> Role:
        """A role as the store names it (``viewer``, ``editor``, ``admin``)."""
        return cls[stored.upper()]


SCOPE_ROLES = {"read": Role.VIEWER, "write": Role.EDITOR, "push": Role.EDITOR}
"""The role a scope grants (read, write), or that a token's owner needs to use it (push)."""
GRANTING_SCOPES = ("read", "write")


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role
    kind: str
    """``anonymous``, ``session`` or ``token``."""
    user_id: int | None = None
    user_role: Role = Role.ANONYMOUS
    scopes: tuple[str, ...] = ()
    token_id: int | None = None

    @classmethod
    def anonymous(cls, role: Role) -> Caller:
        return cls(ANONYMOUS_NAME, role, "anonymous")

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    def may_use_scope(self, scope: str) -> bool:
        return scope in self.scopes and self.user_role >= SCOPE_ROLES[scope]


def token_role(owner: Role, scopes: tuple[str, ...]) -> Role:
    granted = max((SCOPE_ROLES[s] for s in scopes if s in GRANTING_SCOPES), default=Role.ANONYMOUS)
    return min(owner, granted)


def presented_token() -> str | None:
    """The token in ``Authorization: Bearer`` or as a basic-auth password; "" if malformed."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def token_caller(token: str) -> Caller | None:
    context = current()
    now = context.clock()
    with context.database.connect() as connection:
        record: TokenRecord | None = find_token(connection, token) if token else None
    if record is None or not record.is_usable(now):
        return None
    if should_record_use(record, now):
        with write_transaction(context.database) as connection:
            record_use(connection, record.id, now=now)
    owner = Role.of(record.user_role)
    return Caller(
        name=record.user_name,
        role=token_role(owner, record.scopes),
        kind="token",
        user_id=record.user_id,
        user_role=owner,
        scopes=record.scopes,
        token_id=record.id,
    )


def session_caller() -> Caller | None:
    user_id = session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None
    with current().database.connect() as connection:
        user = get_user(connection, user_id)
    if user is None or session.get(SESSION_GENERATION) != user.session_generation:
        # Deleted, or logged out everywhere: this cookie is dead.
        session.pop(SESSION_USER, None)
        session.pop(SESSION_GENERATION, None)
        return None
    role = Role.of(user.role)
    return Caller(user.name, role, "session", user_id=user.id, user_role=role)


def resolve_caller(anonymous_read: bool) -> Caller | None:
    """The caller, or None when credentials were presented and are not valid."""
    token = presented_token()
    if token is not None:
        return token_caller(token)
    found = session_caller()
    if found is not None:
        return found
    return Caller.anonymous(Role.VIEWER if anonymous_read else Role.ANONYMOUS)
