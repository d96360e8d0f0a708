"""What `vigil users …` and `vigil tokens …` do (``cli_users`` builds their parsers).

A password comes from ``--password-file``, else ``$VIGIL_PASSWORD``, else a
prompt (asked twice); never from an argument, which other users can read in
the process list. Each change is written to the audit log as ``cli:$USER``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine

from console.cli_users import PASSWORD_ENV
from console.config import load_config
from store import audit
from store.db import database_url, open_engine, upgrade, write_transaction
from store.tokens import create_token, list_tokens, parse_scopes, revoke_token, token_expiry
from store.users import (
    UserError,
    create_user,
    delete_user,
    end_sessions,
    find_user,
    list_users,
    set_password,
    set_role,
)


def read_password(
    password_file: str | None,
    *,
    environ: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
) -> str:
    env = os.environ if environ is None else environ
    if password_file:
        return Path(password_file).read_text(encoding="utf-8").rstrip("\r\n")
    if env.get(PASSWORD_ENV):
        return env[PASSWORD_ENV]
    first = prompt("Password: ")
    if prompt("Password again: ") != first:
        raise UserError("the passwords differ")
    return first


@contextmanager
def _store(arguments: argparse.Namespace) -> Iterator[Engine]:
    storage = load_config(arguments.config).config.storage
    engine = open_engine(database_url(storage), busy_timeout_seconds=storage.busy_timeout)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def _audit(connection: Connection, action: str, target: str, detail: str = "") -> None:
    audit.record(
        connection,
        at=time.time(),
        actor=f"cli:{getpass.getuser()}",
        action=action,
        target=target,
        detail=detail,
        source="cli",
    )


def cmd_users_create(arguments: argparse.Namespace) -> int:
    password = read_password(arguments.password_file)
    with _store(arguments) as engine, write_transaction(engine) as connection:
        create_user(connection, arguments.name, arguments.role, password, now=time.time())
        _audit(connection, "user.create", arguments.name, f"role {arguments.role}")
    print(f"created {arguments.role} {arguments.name}")
    return 0


def cmd_users_set_password(arguments: argparse.Namespace) -> int:
    password = read_password(arguments.password_file)
    return _change_user(
        arguments,
        "user.set_password",
        lambda connection, name: set_password(connection, name, password),
        f"new password for {arguments.name}; their sessions have ended",
    )


def cmd_users_list(arguments: argparse.Namespace) -> int:
    with _store(arguments) as engine, engine.connect() as connection:
        for user in list_users(connection):
            print(f"{user.name}\t{user.role}")
    return 0


def _change_user(
    arguments: argparse.Namespace,
    action: str,
    change: Callable[[Connection, str], object],
    done: str,
    detail: str = "",
) -> int:
    with _store(arguments) as engine, write_transaction(engine) as connection:
        change(connection, arguments.name)
        _audit(connection, action, arguments.name, detail)
    print(done)
    return 0


def cmd_users_delete(arguments: argparse.Namespace) -> int:
    done = f"deleted {arguments.name} and their tokens"
    return _change_user(arguments, "user.delete", delete_user, done)


def cmd_users_set_role(arguments: argparse.Namespace) -> int:
    role = arguments.role
    return _change_user(
        arguments,
        "user.set_role",
        lambda connection, name: set_role(connection, name, role),
        f"{arguments.name} is now {role}",
        f"role {role}",
    )


def cmd_users_logout(arguments: argparse.Namespace) -> int:
    done = f"every session of {arguments.name} has ended"
    return _change_user(arguments, "user.logout_everywhere", end_sessions, done)


def cmd_tokens_create(arguments: argparse.Namespace) -> int:
    now = time.time()
    scopes = parse_scopes(arguments.scopes)
    with _store(arguments) as engine, write_transaction(engine) as connection:
        user = find_user(connection, arguments.user)
        if user is None:
            raise UserError(f"no user {arguments.user!r}")
        token, token_id = create_token(
            connection,
            user.id,
            arguments.name,
            scopes,
            now=now,
            expires_at=token_expiry(arguments.expires, now),
        )
        _audit(connection, "token.create", f"{token_id} {arguments.name}", f"for {user.name}")
    print(token)  # the only time it is shown
    return 0


def cmd_tokens_list(arguments: argparse.Namespace) -> int:
    with _store(arguments) as engine, engine.connect() as connection:
        now = time.time()
        for token in list_tokens(connection):
            scopes = ",".join(token.scopes)
            print(f"{token.id}\t{token.user_name}\t{token.name}\t{scopes}\t{token.state(now)}")
    return 0


def cmd_tokens_revoke(arguments: argparse.Namespace) -> int:
    with _store(arguments) as engine, write_transaction(engine) as connection:
        revoke_token(connection, arguments.id, now=time.time())
        _audit(connection, "token.revoke", str(arguments.id))
    print(f"revoked token {arguments.id}")
    return 0
