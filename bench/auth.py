"""What access control costs: a password hash, and each request's caller resolution.

``python -m bench auth`` (``--quick`` for fewer requests): times scrypt at the
stored cost, then the same cheap API request (``/api/v1/status/buildinfo``)
through the Flask app as an anonymous reader, with a session cookie and with a
bearer token, on a SQLite store in a temporary directory.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from console.app import create_app
from console.config import LoadedConfig, VigilConfig
from store.db import open_engine, upgrade, write_transaction
from store.passwords import hash_password, verify_password
from store.tokens import create_token
from store.users import create_user

URL = "/api/v1/status/buildinfo"
PASSWORD = "benchmark password"


def per_call(call: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - start) / count


def run(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.auth", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 requests per kind")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args(argv)
    count = 200 if args.quick else args.requests
    stored = hash_password(PASSWORD)
    print(f"scrypt hash:   {per_call(lambda: hash_password(PASSWORD), 5) * 1000:7.1f} ms")
    print(f"scrypt verify: {per_call(lambda: verify_password(PASSWORD, stored), 5) * 1000:7.1f} ms")
    with tempfile.TemporaryDirectory() as directory:
        engine = open_engine(f"sqlite:///{Path(directory) / 'vigil.db'}")
        upgrade(engine)
        with write_transaction(engine) as connection:
            user = create_user(connection, "bench", "viewer", PASSWORD, now=time.time())
            token, _ = create_token(
                connection, user.id, "bench", ("read",), now=time.time(), expires_at=None
            )
        config = VigilConfig.model_validate({"auth": {"anonymous_read": True}})
        app = create_app(LoadedConfig(config=config), database=engine)
        anonymous, session, bearer = app.test_client(), app.test_client(), app.test_client()
        page = session.get("/login").get_data(as_text=True)
        marker = '<meta name="csrf-token" content="'
        start = page.index(marker) + len(marker)
        csrf = page[start : page.index('"', start)]
        session.post("/login", data={"name": "bench", "password": PASSWORD, "csrf_token": csrf})
        headers = {"Authorization": f"Bearer {token}"}
        kinds: list[tuple[str, Callable[[], object]]] = [
            ("anonymous", lambda: anonymous.get(URL)),
            ("session", lambda: session.get(URL)),
            ("bearer token", lambda: bearer.get(URL, headers=headers)),
        ]
        for name, call in kinds:
            call()
            print(f"GET {URL} as {name:12} {per_call(call, count) * 1e6:8.0f} µs per request")
        engine.dispose()
    return 0
