"""The ``nats`` check: read INFO, send CONNECT and PING, expect PONG.

NATS's client protocol is a few text lines; speaking it over one socket is
shorter than driving the asyncio client (nats-py) from a probe thread, and it
needs no dependency.
"""

from __future__ import annotations

import json
import socket
from typing import TYPE_CHECKING

from collectors.checks.base import HostPortCheck, LoginOptions, ProbeFailure
from collectors.http_config import Secret

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig

_MAX_LINE = 64 * 1024


class NatsOptions(LoginOptions):
    token: Secret | None = None


def connect_message(options: NatsOptions) -> bytes:
    fields: dict[str, object] = {
        "verbose": False,
        "pedantic": False,
        "name": "vigil-health-check",
        "lang": "python",
        "version": "0",
        "protocol": 1,
    }
    if options.username:
        fields["user"] = options.username
        fields["pass"] = options.password_text or ""
    if options.token is not None:
        fields["auth_token"] = options.token.get_secret_value()
    return f"CONNECT {json.dumps(fields)}\r\nPING\r\n".encode()


class _Lines:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""

    def next(self) -> str:
        while b"\r\n" not in self._buffer:
            chunk = self._sock.recv(4096)
            if not chunk:
                raise ProbeFailure("the server closed the connection")
            self._buffer += chunk
            if len(self._buffer) > _MAX_LINE:
                raise ProbeFailure("protocol line too long")
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")


class NatsCheck(HostPortCheck):
    kind = "nats"
    options = NatsOptions

    def probe(self, host: str, port: int, config: HealthCheckConfig) -> dict[str, float]:
        options = config.options
        assert isinstance(options, NatsOptions)
        deadline = self._clock() + config.timeout
        with socket.create_connection((host, port), timeout=config.timeout) as sock:
            lines = _Lines(sock)
            info = lines.next()
            if not info.startswith("INFO "):
                raise ProbeFailure(f"expected INFO, got {info[:80]!r}")
            if json.loads(info[5:]).get("tls_required"):
                raise ProbeFailure("the server requires TLS, which this check does not speak")
            sock.sendall(connect_message(options))
            while True:
                sock.settimeout(max(0.001, deadline - self._clock()))
                line = lines.next()
                if line == "PONG":
                    return {}
                if line.startswith("-ERR"):
                    raise ProbeFailure(line[5:].strip().strip("'") or "-ERR")
                # PING from the server or +OK: keep reading
