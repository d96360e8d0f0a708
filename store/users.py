"""User accounts: create, list, change role, delete, and invalidate every session."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from store.models import User, table_of
from store.passwords import DEFAULT_COST, ScryptCost, hash_password
from store.roles import ROLES

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD_LENGTH = 8

USERS = table_of(User)


class UserError(Exception):
    """A request about users that cannot be done, with a message for the person asking."""


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    role: str
    password_hash: str
    session_generation: int
    created_at: float


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise UserError(
            f"{name!r} is not a user name: letters, digits, '.', '_', '@', '-', at most 64"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"{role!r} is not a role: one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _record(row: object) -> UserRecord:
    return UserRecord(*row)  # type: ignore[misc]


_COLUMNS = (
    USERS.c.id,
    USERS.c.name,
    USERS.c.role,
    USERS.c.password_hash,
    USERS.c.session_generation,
    USERS.c.created_at,
)


def create_user(
    connection: Connection,
    name: str,
    role: str,
    password: str,
    *,
    now: float,
    cost: ScryptCost = DEFAULT_COST,
) -> UserRecord:
    """A new account; ``cost`` is the scrypt work factor (tests that make many use less)."""
    check_name(name)
    check_role(role)
    check_password(password)
    if find_user(connection, name) is not None:
        raise UserError(f"user {name!r} already exists")
    password_hash = hash_password(password, cost=cost)
    user_id = connection.execute(
        insert(USERS)
        .values(
            name=name,
            role=role,
            password_hash=password_hash,
            session_generation=0,
            created_at=now,
        )
        .returning(USERS.c.id)
    ).scalar_one()
    return UserRecord(user_id, name, role, password_hash, 0, now)


def find_user(connection: Connection, name: str) -> UserRecord | None:
    row = connection.execute(select(*_COLUMNS).where(USERS.c.name == name)).first()
    return None if row is None else _record(row)


def get_user(connection: Connection, user_id: int) -> UserRecord | None:
    row = connection.execute(select(*_COLUMNS).where(USERS.c.id == user_id)).first()
    return None if row is None else _record(row)


def list_users(connection: Connection) -> list[UserRecord]:
    return [_record(row) for row in connection.execute(select(*_COLUMNS).order_by(USERS.c.name))]


def count_users(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(USERS)).scalar_one())


def _required(connection: Connection, name: str) -> UserRecord:
    user = find_user(connection, name)
    if user is None:
        raise UserError(f"no user {name!r}")
    return user


def _refuse_last_admin(connection: Connection, user: UserRecord) -> None:
    admins = connection.execute(
        select(func.count()).select_from(USERS).where(USERS.c.role == "admin")
    ).scalar_one()
    if user.role == "admin" and admins <= 1:
        raise UserError(f"{user.name!r} is the last admin; make another admin first")


def set_role(connection: Connection, name: str, role: str) -> UserRecord:
    check_role(role)
    user = _required(connection, name)
    if role != "admin":
        _refuse_last_admin(connection, user)
    connection.execute(update(USERS).where(USERS.c.id == user.id).values(role=role))
    return _required(connection, name)


def set_password(connection: Connection, name: str, password: str) -> None:
    """A new password also ends every existing session."""
    check_password(password)
    user = _required(connection, name)
    connection.execute(
        update(USERS)
        .where(USERS.c.id == user.id)
        .values(
            password_hash=hash_password(password),
            session_generation=USERS.c.session_generation + 1,
        )
    )


def delete_user(connection: Connection, name: str) -> None:
    """Its tokens go with it (ON DELETE CASCADE)."""
    user = _required(connection, name)
    _refuse_last_admin(connection, user)
    connection.execute(delete(USERS).where(USERS.c.id == user.id))


def end_sessions(connection: Connection, name: str) -> None:
    """Log out everywhere: every session cookie carries the old generation."""
    user = _required(connection, name)
    connection.execute(
        update(USERS)
        .where(USERS.c.id == user.id)
        .values(session_generation=USERS.c.session_generation + 1)
    )
