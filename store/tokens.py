"""API tokens: high-entropy secrets shown once, kept as SHA-256, scoped, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from promql.durations import DurationError, parse_duration
from store.models import ApiToken, User, table_of
from store.users import UserError

SCOPES = ("read", "write", "push")
TOKEN_PREFIX = "vigil_"
LAST_USED_RESOLUTION_SECONDS = 60.0
"""``last_used_at`` is rewritten at most this often, not on every request."""

DEFAULT_TOKEN_LIFETIME = "90d"
NEVER = "never"

TOKENS = table_of(ApiToken)
USERS = table_of(User)


@dataclass(frozen=True)
class TokenRecord:
    id: int
    user_id: int
    user_name: str
    user_role: str
    name: str
    scopes: tuple[str, ...]
    created_at: float
    expires_at: float | None
    revoked_at: float | None
    last_used_at: float | None

    def is_usable(self, now: float) -> bool:
        return self.state(now) == "active"

    def state(self, now: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at is None or now < self.expires_at else "expired"


def token_expiry(text: str, now: float) -> float | None:
    """``90d`` from now, or ``never``."""
    text = text.strip() or DEFAULT_TOKEN_LIFETIME
    if text == NEVER:
        return None
    try:
        return now + parse_duration(text)
    except DurationError:
        raise UserError(f"expiry {text!r} is not a duration like 90d, or 'never'") from None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_scopes(text: str) -> tuple[str, ...]:
    """Scopes as typed: ``read``, ``read,push``, ``write push``; at least one, all known."""
    scopes = tuple(sorted({s for s in text.replace(",", " ").split() if s}))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise UserError(f"scopes must be some of {', '.join(SCOPES)}, not {text!r}")
    return scopes


_COLUMNS = (
    TOKENS.c.id,
    TOKENS.c.user_id,
    USERS.c.name,
    USERS.c.role,
    TOKENS.c.name,
    TOKENS.c.scopes,
    TOKENS.c.created_at,
    TOKENS.c.expires_at,
    TOKENS.c.revoked_at,
    TOKENS.c.last_used_at,
)


def _record(row: tuple[object, ...]) -> TokenRecord:
    values = list(row)
    values[5] = tuple(str(values[5]).split())
    return TokenRecord(*values)  # type: ignore[arg-type]


def _select() -> Select[Any]:
    return select(*_COLUMNS).select_from(TOKENS.join(USERS, USERS.c.id == TOKENS.c.user_id))


def create_token(
    connection: Connection,
    user_id: int,
    name: str,
    scopes: tuple[str, ...],
    *,
    now: float,
    expires_at: float | None,
) -> tuple[str, int]:
    """The token itself (to show once) and its id."""
    if not name.strip() or len(name) > 255:
        raise UserError("a token needs a name of at most 255 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = connection.execute(
        insert(TOKENS)
        .values(
            user_id=user_id,
            name=name.strip(),
            token_hash=hash_token(token),
            scopes=" ".join(scopes),
            created_at=now,
            expires_at=expires_at,
        )
        .returning(TOKENS.c.id)
    ).scalar_one()
    return token, int(token_id)


def find_token(connection: Connection, token: str) -> TokenRecord | None:
    row = connection.execute(_select().where(TOKENS.c.token_hash == hash_token(token))).first()
    return None if row is None else _record(tuple(row))


def list_tokens(connection: Connection, user_id: int | None = None) -> list[TokenRecord]:
    query = _select()
    if user_id is not None:
        query = query.where(TOKENS.c.user_id == user_id)
    return [_record(tuple(row)) for row in connection.execute(query.order_by(TOKENS.c.id))]


def get_token(connection: Connection, token_id: int) -> TokenRecord | None:
    row = connection.execute(_select().where(TOKENS.c.id == token_id)).first()
    return None if row is None else _record(tuple(row))


def revoke_token(connection: Connection, token_id: int, *, now: float) -> None:
    done = connection.execute(
        update(TOKENS)
        .where(TOKENS.c.id == token_id, TOKENS.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if done.rowcount == 0:
        raise UserError(f"no active token {token_id}")


def should_record_use(record: TokenRecord, now: float) -> bool:
    last = record.last_used_at
    return last is None or now - last >= LAST_USED_RESOLUTION_SECONDS


def record_use(connection: Connection, token_id: int, *, now: float) -> None:
    connection.execute(update(TOKENS).where(TOKENS.c.id == token_id).values(last_used_at=now))
