"""The HTTP edge of one simulated service: /metrics, /health and /.

The server knows nothing about the simulation; it talks to a
:class:`ServiceApp`, which the fleet backs with the shared, locked simulation.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from prometheus_client.exposition import choose_encoder, gzip_accepted
from prometheus_client.registry import CollectorRegistry


@dataclass(frozen=True)
class ServiceApp:
    """What a service's server needs: a registry, a health probe and a sync hook."""

    name: str
    registry: CollectorRegistry
    healthy: Callable[[], bool]
    sync: Callable[[], None]
    describe: Callable[[], dict[str, Any]]


class _Handler(BaseHTTPRequestHandler):
    server: ServiceHTTPServer
    server_version = "vigil-demo/1.0"
    timeout = 5.0  # a stalled client cannot keep a handler thread (and stop()) waiting

    def do_GET(self) -> None:
        path = urlsplit(self.path).path.rstrip("/") or "/"
        action = _ROUTES.get(path)
        if action is None:
            self._json(404, {"error": "not found", "path": path})
            return
        try:
            action(self)
        except Exception as exc:  # keep the server alive; report like a real service would
            self._json(500, {"error": type(exc).__name__, "detail": str(exc)})

    def _metrics(self) -> None:
        app = self.server.app
        app.sync()
        encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
        body = encoder(app.registry)
        headers = {"Content-Type": content_type}
        if gzip_accepted(self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self._send(200, body, headers)

    def _health(self) -> None:
        app = self.server.app
        app.sync()
        ok = app.healthy()
        self._json(200 if ok else 503, {"status": "ok" if ok else "down"})

    def _index(self) -> None:
        self._json(200, self.server.app.describe())

    def _json(self, code: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode("utf-8")
        self._send(code, body, {"Content-Type": "application/json"})

    def _send(self, code: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(code)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request stderr noise; the simulation writes its own logs."""


_ROUTES: dict[str, Callable[[_Handler], None]] = {
    "/metrics": _Handler._metrics,
    "/health": _Handler._health,
    "/": _Handler._index,
}


class ServiceHTTPServer(ThreadingHTTPServer):
    """A threaded server bound to one service app; closing it joins handler threads."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, app: ServiceApp) -> None:
        self.app = app
        super().__init__((host, port), _Handler)


class ServiceServer:
    """Owns one service's HTTP server and its serving thread."""

    def __init__(self, host: str, port: int, app: ServiceApp) -> None:
        self.app = app
        self.httpd = ServiceHTTPServer(host, port, app)
        self.host = host
        self.port: int = self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"vigil-demo-{app.name}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, close the socket and wait for the serving thread."""
        if self._thread.is_alive():
            self.httpd.shutdown()
            self._thread.join(timeout=5.0)
        self.httpd.server_close()
