"""The http log source against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from collectors.config import LogSourceConfig
from collectors.logs.build import build_source
from collectors.logs.sources import LogSourceError

LINES = [{"ts": 1_795_327_200_000 + n, "msg": f"line {n}", "level": "info"} for n in range(5)]


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        params = parse_qs(url.query)
        _Handler.seen.append(params)
        if url.path == "/broken":
            self.send_response(500)
            self.end_headers()
            return
        since = int(params.get("since", ["0"])[0])
        body = "".join(json.dumps(line) + "\n" for line in LINES if line["ts"] > since)
        self.send_response(200)
        if url.path == "/with-cursor":
            self.send_header("X-Cursor", "opaque-42")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_it_asks_only_for_lines_after_the_newest_timestamp_seen(server: str) -> None:
    source = build_source(LogSourceConfig(name="pull", type="http", url=f"{server}/logs"))
    first = source.read({})
    assert [record.message for record in first.records] == [f"line {n}" for n in range(5)]
    second = source.read(first.positions)
    assert second.records == [] and second.positions == {}
    assert _Handler.seen[1] == {"since": [str(LINES[-1]["ts"])]}


def test_it_passes_back_the_servers_cursor_header(server: str) -> None:
    config = LogSourceConfig(
        name="pull", type="http", url=f"{server}/with-cursor", cursor_param="after"
    )
    source = build_source(config)
    first = source.read({})
    source.read(first.positions)
    assert _Handler.seen[1] == {"after": ["opaque-42"]}


def test_a_failing_endpoint_is_a_source_error(server: str) -> None:
    source = build_source(LogSourceConfig(name="pull", type="http", url=f"{server}/broken"))
    with pytest.raises(LogSourceError, match="500"):
        source.read({})
