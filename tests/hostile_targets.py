"""A scrape target that misbehaves on purpose, one path per way, on 127.0.0.1.

Bodies are generated while they are sent, never built in memory: the 1 GB body
costs this process 64 KiB at a time.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_CHUNK = b"filler_metric 1\n" * 4096  # 64 KiB of valid exposition
GIGABYTE = 1024**3
MILLION = 1_000_000
MEGABYTE_VALUE = "x" * 1024**2


def _sized(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = _CHUNK[: total - sent]
        sent += len(piece)
        yield piece


def _endless() -> Iterator[bytes]:
    while True:
        yield _CHUNK


def _million_series() -> Iterator[bytes]:
    for start in range(0, MILLION, 10_000):
        yield "".join(f'many_series{{i="{i}"}} 1\n' for i in range(start, start + 10_000)).encode()


def _huge_label_values() -> Iterator[bytes]:
    for i in range(8):
        yield f'big_label{{i="{i}",v="{MEGABYTE_VALUE}"}} 1\n'.encode()


def _invalid_utf8() -> Iterator[bytes]:
    yield b'up_again{v="caf\xe9"} 1\n\xff\xfe\n'


_GZIP_BOMB = gzip.compress(b"bomb 1\n" * (64 * 1024**2 // 7), compresslevel=9)
"""64 MiB of exposition in about 100 KiB, sent with Content-Encoding: gzip although
the scraper asked for identity: it must not be inflated."""


def _gzip_bomb() -> Iterator[bytes]:
    yield _GZIP_BOMB


def _healthy() -> Iterator[bytes]:
    yield b"# TYPE healthy_metric gauge\nhealthy_metric 42\n"


BODIES: dict[str, Callable[[], Iterator[bytes]]] = {
    "/gigabyte": lambda: _sized(GIGABYTE),
    "/endless": _endless,
    "/million": _million_series,
    "/huge-labels": _huge_label_values,
    "/invalid-utf8": _invalid_utf8,
    "/gzip-bomb": _gzip_bomb,
    "/healthy": _healthy,
}
HANG = "/hang-after-headers"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def do_GET(self) -> None:
        path = self.path.partition("?")[0]
        self.server.requests.append(path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        if path == HANG:
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.flush()
            self.server.stopping.wait()
            return
        body = BODIES.get(path)
        if body is None:
            self.send_error(404)
            return
        if path == "/gzip-bomb":
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for piece in body():
                if self.server.stopping.is_set():
                    return
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the scraper hung up, as it should on a body over its limits

    def log_message(self, format: str, *args: object) -> None:
        pass


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        time.sleep(0)
