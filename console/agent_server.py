"""The agent's own HTTP endpoints: /metrics, /-/healthy, /-/ready (as Prometheus has them)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

StartResponse = Callable[..., Any]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def _agent_app(
    is_ready: Callable[[], bool],
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    metrics_app = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/-/healthy":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"Vigil agent is Healthy.\n"]
        if path == "/-/ready":
            if is_ready():
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"Vigil agent is Ready.\n"]
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"Vigil agent is not ready.\n"]
        if path == "/metrics":
            result: Iterable[bytes] = metrics_app(environ, start_response)
            return result
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return app


class AgentServer:
    """Serves the agent's endpoints in a background thread."""

    def __init__(self, bind: str, is_ready: Callable[[], bool]) -> None:
        host, _, port = bind.rpartition(":")
        self._server = make_server(
            host or "127.0.0.1",
            int(port),
            _agent_app(is_ready),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="agent-http", daemon=True
        )

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
