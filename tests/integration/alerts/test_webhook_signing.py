"""Signed webhooks: a real HTTP receiver verifies X-Vigil-Signature as docs/webhooks.md says."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from alerts.notifiers.base import Outgoing
from alerts.notifiers.webhook import WebhookNotifier, signing_secret, verify_signature

SECRET = b"whsec_test"
BODY = '{"version":"4","status":"firing","alerts":[]}'


def receiver_accepts(secret: bytes, body: bytes, header: str, tolerance: float = 300) -> bool:
    """The verification snippet of docs/webhooks.md, verbatim."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old (or from the future): a replay
    expected = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@pytest.fixture
def verifying_receiver() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(dict(self.headers.items()))
            header = self.headers.get("X-Vigil-Signature", "")
            ok = bool(header) and receiver_accepts(SECRET, body, header)
            self.send_response(204 if ok else 401)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen
    finally:
        server.shutdown()
        server.server_close()


def _send(url: str, secret: bytes | None, clock: float | None = None) -> int | None:
    notifier = WebhookNotifier(clock=(lambda: clock) if clock is not None else time.time)
    outgoing = Outgoing(url, BODY, "key-1", timeout=5, signing_secret=secret)
    with requests.Session() as session:
        return notifier.send(session, outgoing).status_code


def test_receiver_verifies_a_signed_delivery(
    verifying_receiver: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = verifying_receiver
    assert _send(url, SECRET) == 204
    assert seen[0]["Idempotency-Key"] == "key-1"
    assert seen[0]["X-Vigil-Signature"].startswith("t=")


def test_receiver_rejects_a_wrong_secret_an_old_timestamp_or_no_signature(
    verifying_receiver: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = verifying_receiver
    assert _send(url, b"other secret") == 401
    assert _send(url, SECRET, clock=time.time() - 3600) == 401
    assert _send(url, None) == 401
    assert "X-Vigil-Signature" not in seen[-1]


def test_verify_signature_binds_body_and_time() -> None:
    header = f"t=1700000000,v1={hmac.new(SECRET, b'1700000000.x', hashlib.sha256).hexdigest()}"
    assert verify_signature(SECRET, b"x", header, now=1700000100)
    assert not verify_signature(SECRET, b"y", header, now=1700000100)
    assert not verify_signature(SECRET, b"x", header, now=1700001000)
    assert not verify_signature(SECRET, b"x", header.replace("t=", "t=1"), now=1700000100)


def test_the_secret_comes_from_the_config_or_its_file(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_bytes(b"from-file\n")
    assert signing_secret(SimpleNamespace(hmac_secret="inline", hmac_secret_file=None)) == b"inline"
    assert signing_secret(SimpleNamespace(hmac_secret=None, hmac_secret_file=str(path))) == (
        b"from-file"
    )
    assert signing_secret(SimpleNamespace(url="http://x")) is None
