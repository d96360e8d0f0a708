"""Users, tokens and the login throttle in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine

from store.db import write_transaction
from store.login_throttle import ThrottleRule, clear_failures, locked_until, record_failure
from store.tokens import create_token, find_token, list_tokens, revoke_token
from store.users import UserError, create_user, delete_user, find_user, list_users, set_role

RULE = ThrottleRule("t", max_failures=3, window_seconds=60.0, lockout_seconds=300.0)


def test_the_throttle_locks_after_max_failures_within_the_window(database: Engine) -> None:
    with write_transaction(database) as connection:
        record_failure(connection, "k", RULE, 0.0)
        record_failure(connection, "k", RULE, 10.0)
        assert locked_until(connection, "k", 10.0) is None
        record_failure(connection, "k", RULE, 100.0)  # the window restarted at 100
        record_failure(connection, "k", RULE, 110.0)
        assert locked_until(connection, "k", 110.0) is None
        record_failure(connection, "k", RULE, 120.0)
        assert locked_until(connection, "k", 121.0) == 420.0
        assert locked_until(connection, "k", 420.0) is None
        clear_failures(connection, "k")
        assert locked_until(connection, "k", 121.0) is None


def test_users_validate_and_the_last_admin_stays(database: Engine) -> None:
    with write_transaction(database) as connection:
        create_user(connection, "ann", "admin", "long enough", now=1.0)
        for name, role, password in (
            ("ann", "viewer", "long enough"),
            ("b c", "viewer", "long enough"),
            ("bob", "root", "long enough"),
            ("bob", "viewer", "short"),
        ):
            with pytest.raises(UserError):
                create_user(connection, name, role, password, now=1.0)
        with pytest.raises(UserError, match="last admin"):
            set_role(connection, "ann", "editor")
        create_user(connection, "bob", "admin", "long enough", now=1.0)
        set_role(connection, "ann", "viewer")
        assert [(u.name, u.role) for u in list_users(connection)] == [
            ("ann", "viewer"),
            ("bob", "admin"),
        ]


def test_tokens_are_stored_hashed_and_go_with_their_user(database: Engine) -> None:
    with write_transaction(database) as connection:
        user = create_user(connection, "ann", "editor", "long enough", now=1.0)
        create_user(connection, "root", "admin", "long enough", now=1.0)
        token, token_id = create_token(
            connection, user.id, "ci", ("push", "read"), now=1.0, expires_at=100.0
        )
    with database.connect() as connection:
        raw = connection.exec_driver_sql("SELECT token_hash FROM api_tokens").scalar_one()
        found = find_token(connection, token)
    assert token not in raw and len(raw) == 64
    assert found is not None and found.id == token_id and found.scopes == ("push", "read")
    assert found.state(99.0) == "active" and found.state(100.0) == "expired"
    with write_transaction(database) as connection:
        revoke_token(connection, token_id, now=2.0)
        assert list_tokens(connection)[0].state(3.0) == "revoked"
        with pytest.raises(UserError):
            revoke_token(connection, token_id, now=3.0)
        delete_user(connection, "ann")
        assert find_user(connection, "ann") is None
        assert list_tokens(connection) == []


def test_concurrent_failures_on_one_key_are_all_counted(database: Engine) -> None:
    rule = ThrottleRule("t", max_failures=8, window_seconds=60.0, lockout_seconds=300.0)
    barrier = threading.Barrier(8)

    def fail() -> None:
        barrier.wait()
        with write_transaction(database) as connection:
            record_failure(connection, "k", rule, 1.0)

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.connect() as connection:
        assert locked_until(connection, "k", 2.0) == 301.0  # the 8th failure locked it
