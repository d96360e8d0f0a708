"""`vigil users …` and `vigil tokens …`: accounts and API tokens from the command line.

Only the parsers live here; the commands (``user_commands``) load the store when
run, so that `vigil agent` and the other commands do not pay for them at start.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from store.roles import ROLES

PASSWORD_ENV = "VIGIL_PASSWORD"


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The handler ``name`` of ``console.user_commands``, imported when it runs."""

    def run(arguments: argparse.Namespace) -> int:
        from store.users import UserError

        command = getattr(importlib.import_module("console.user_commands"), name)
        try:
            status: int = command(arguments)
        except UserError as error:
            print(f"vigil: {error}", file=sys.stderr)
            return 1
        return status

    return run


def add_user_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser("users", help="console accounts").add_subparsers(
        dest="what", required=True
    )
    create = users.add_parser("create", help="add a user (password prompted, or from a file)")
    create.add_argument("name")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument(
        "--password-file", help=f"read the password from a file (or ${PASSWORD_ENV})"
    )
    create.set_defaults(handler=_command("cmd_users_create"))
    password = users.add_parser("set-password", help="a new password; ends their sessions")
    password.add_argument("name")
    password.add_argument("--password-file", help=f"read it from a file (or ${PASSWORD_ENV})")
    password.set_defaults(handler=_command("cmd_users_set_password"))
    users.add_parser("list", help="every user and role").set_defaults(
        handler=_command("cmd_users_list")
    )
    for name, text in (
        ("delete", "remove a user and their tokens"),
        ("logout", "end every session of a user"),
    ):
        parser = users.add_parser(name, help=text)
        parser.add_argument("name")
        parser.set_defaults(handler=_command(f"cmd_users_{name}"))
    set_role_parser = users.add_parser("set-role", help="change a user's role")
    set_role_parser.add_argument("name")
    set_role_parser.add_argument("role", choices=ROLES)
    set_role_parser.set_defaults(handler=_command("cmd_users_set_role"))

    tokens = commands.add_parser("tokens", help="API tokens").add_subparsers(
        dest="what", required=True
    )
    token_create = tokens.add_parser("create", help="make a token and print it (once)")
    token_create.add_argument("user")
    token_create.add_argument("--name", required=True)
    token_create.add_argument(
        "--scopes", default="read", help="read, write, push (comma-separated)"
    )
    token_create.add_argument("--expires", default="90d", help="a duration, or 'never'")
    token_create.set_defaults(handler=_command("cmd_tokens_create"))
    tokens.add_parser("list", help="every token, without secrets").set_defaults(
        handler=_command("cmd_tokens_list")
    )
    revoke = tokens.add_parser("revoke", help="stop a token working")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(handler=_command("cmd_tokens_revoke"))
