"""The nats check against the real NATS server on 127.0.0.1:4222, and a fake that refuses."""

from __future__ import annotations

import socket
import threading

from collectors.checks import run_check
from tests.integration.checks.support import check, closed_port, silent_listener


def test_it_gets_a_pong() -> None:
    result = run_check(check(type="nats", target="127.0.0.1:4222", timeout="2s"), 0.0)
    assert result.success, result.error


def test_an_err_reply_fails_with_its_text() -> None:
    """A server that rejects the CONNECT, as NATS does for bad credentials."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)

        def answer() -> None:
            connection, _ = server.accept()
            with connection:
                connection.sendall(b'INFO {"server_id":"x","auth_required":true}\r\n')
                connection.recv(4096)
                connection.sendall(b"-ERR 'Authorization Violation'\r\n")

        thread = threading.Thread(target=answer)
        thread.start()
        port = server.getsockname()[1]
        result = run_check(
            check(type="nats", target=f"127.0.0.1:{port}", username="u", password="p"), 0.0
        )
        thread.join()
    assert not result.success
    assert result.error == f"127.0.0.1:{port}: Authorization Violation"


def test_refused_and_timeout() -> None:
    refused = run_check(check(type="nats", target=f"127.0.0.1:{closed_port()}"), 0.0)
    assert not refused.success and refused.error is not None
    assert "refused" in refused.error.lower()
    with silent_listener() as address:
        silent = run_check(check(type="nats", target=address), 0.0)
    assert not silent.success and silent.error is not None
    assert "timeout" in silent.error
