"""Accounts end to end: `vigil users`/`vigil tokens` on the command line, then a login
under gunicorn with two workers, used on whichever worker answers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from tests.processes import free_port, start, stop, wait_for

pytestmark = pytest.mark.slow


def vigil(config: Path, *arguments: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "console.cli", "--config", str(config), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "vigil.yml"
    port = free_port()
    path.write_text(
        yaml.safe_dump(
            {
                "storage": {"data_dir": str(tmp_path / "var")},
                "server": {"bind": f"127.0.0.1:{port}", "workers": 2},
            }
        )
    )
    return path


def test_users_and_tokens_from_the_command_line(config: Path, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("a long password\n")
    assert (
        vigil(config, "users", "create", "ann", "--role", "admin", "--password-file", str(secret))[
            0
        ]
        == 0
    )
    status, out = vigil(
        config,
        "users",
        "create",
        "bob",
        "--role",
        "viewer",
        env={"VIGIL_PASSWORD": "bobs password"},
    )
    assert status == 0, out
    assert vigil(config, "users", "list")[1].splitlines() == ["ann\tadmin", "bob\tviewer"]
    assert vigil(config, "users", "set-role", "bob", "editor")[0] == 0
    status, out = vigil(
        config, "users", "set-password", "bob", env={"VIGIL_PASSWORD": "a new password"}
    )
    assert (status, out) == (0, "new password for bob; their sessions have ended\n")
    status, out = vigil(
        config, "users", "create", "bob", "--role", "viewer", env={"VIGIL_PASSWORD": "x" * 8}
    )
    assert (status, out.strip()) == (1, "vigil: user 'bob' already exists")
    status, out = vigil(config, "users", "delete", "ann")
    assert (status, out.strip()) == (1, "vigil: 'ann' is the last admin; make another admin first")
    status, token = vigil(
        config, "tokens", "create", "bob", "--name", "ci", "--scopes", "read,push"
    )
    assert status == 0 and re.fullmatch(r"vigil_[\w-]{40,}\n", token)
    assert vigil(config, "tokens", "list")[1] == "1\tbob\tci\tpush,read\tactive\n"
    assert vigil(config, "tokens", "revoke", "1")[0] == 0
    assert vigil(config, "users", "delete", "bob")[0] == 0
    assert vigil(config, "tokens", "list")[1] == ""  # gone with its user


def test_a_session_made_on_one_worker_works_on_the_other(config: Path) -> None:
    assert (
        vigil(
            config,
            "users",
            "create",
            "ann",
            "--role",
            "editor",
            env={"VIGIL_PASSWORD": "a long password"},
        )[0]
        == 0
    )
    url = "http://" + yaml.safe_load(config.read_text())["server"]["bind"]
    server = start(config, "serve")
    try:
        wait_for(lambda: requests.get(f"{url}/-/ready", timeout=1).ok, 30, "console ready")
        browser = requests.Session()
        page = browser.get(f"{url}/login").text
        token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
        assert token is not None
        logged_in = browser.post(
            f"{url}/login",
            data={"name": "ann", "password": "a long password", "csrf_token": token[1]},
            allow_redirects=False,
        )
        assert logged_in.status_code == 302
        cookie = logged_in.cookies["vigil_session"]
        # A new connection per request: gunicorn hands each to either worker.
        answers = [
            requests.get(
                f"{url}/alerts",
                cookies={"vigil_session": cookie},
                headers={"Connection": "close"},
                allow_redirects=False,
                timeout=10,
            ).status_code
            for _ in range(30)
        ]
        assert answers == [200] * 30
    finally:
        status, output = stop(server)
    assert status == 0, output
    assert "Traceback" not in output, output
