"""`vigil serve`: the console under gunicorn, or Flask's development server."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from prometheus_client import multiprocess

from console.app import create_app
from console.config import LoadedConfig
from store.db import database_url, open_engine, upgrade


class ConsoleApplication(BaseApplication):  # type: ignore[misc]
    """Each worker builds its own app after the fork, so no connection crosses processes."""

    def __init__(self, loaded: LoadedConfig, options: dict[str, Any]) -> None:
        self.loaded = loaded
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app(self.loaded)


def _child_exit(_server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def migrate(loaded: LoadedConfig) -> None:
    storage = loaded.config.storage
    engine = open_engine(database_url(storage), busy_timeout_seconds=storage.busy_timeout)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def serve(loaded: LoadedConfig, *, bind: str | None, workers: int | None, dev: bool) -> None:
    migrate(loaded)
    server = loaded.config.server
    address = bind or server.bind
    if dev:
        host, _, port = address.rpartition(":")
        create_app(loaded).run(host=host or "127.0.0.1", port=int(port), debug=True)
        return
    ConsoleApplication(
        loaded,
        {
            "bind": address,
            "workers": workers or server.workers,
            "worker_class": "gthread",
            "threads": 4,
            "timeout": 120,
            "graceful_timeout": 10,
            "child_exit": _child_exit,
            "accesslog": None,
            # gunicorn's control socket lives at one path per user: two consoles would clash.
            "control_socket_disable": True,
        },
    ).run()
