"""Real servers for the check tests: an HTTP service, alone or behind TLS with a given cert."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.certificates import CertFiles

STOP = threading.Event()


class Service(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, b"ok\n")
        elif self.path == "/status":
            self._send(200, b'{"status": "healthy", "version": "1.4.2"}')
        elif self.path == "/moved":
            self._send(302, location="/health")
        elif self.path == "/slow":
            STOP.wait(5)
        elif self.path == "/lagging":
            STOP.wait(0.3)
            self._send(200, b"ok\n")
        elif self.path == "/teapot":
            self._send(418, b"short and stout")
        else:
            self._send(500, b"broken")

    def do_HEAD(self) -> None:
        self._send(204)


@contextmanager
def http_service(certificate: CertFiles | None = None) -> Iterator[str]:
    """``host:port`` of a running service; over TLS when given a certificate."""
    STOP.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    server.daemon_threads = True
    if certificate is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate.cert_file, certificate.key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        STOP.set()
        server.shutdown()
        server.server_close()
