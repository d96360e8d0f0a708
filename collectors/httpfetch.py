"""Bounded HTTP requests: one total deadline and a size cap, for scrapes and probes.

``requests`` only knows per-socket-operation timeouts, so a server that sends a
byte every second would keep a plain ``get`` alive forever. Here the body is
read with one socket read at a time, the socket's timeout shrunk to what is
left of the deadline before each read, and the deadline checked after it.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import requests
import urllib3.exceptions

Clock = Callable[[], float]
_CHUNK = 64 * 1024
_ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


class FetchError(Exception):
    """The request failed; the message is short and says why."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    content_type: str
    body: bytes
    url: str
    """The final URL, after redirects."""
    redirects: int
    http_version: float
    peer_certificate: bytes | None = None
    """The server's certificate (DER) on an https connection, for its expiry."""


def http_request(
    session: requests.Session,
    url: str,
    *,
    timeout: float,
    max_bytes: int = 0,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
    allow_redirects: bool = True,
    clock: Clock = time.monotonic,
) -> HttpResponse:
    """Send one request and read the whole body within ``timeout`` seconds.

    ``max_bytes`` caps the body (0: no cap). Raises FetchError on any failure.
    """
    deadline = clock() + timeout
    try:
        response = session.request(
            method,
            url,
            headers=dict(headers or {}),
            data=data,
            timeout=(timeout, timeout),
            stream=True,
            allow_redirects=allow_redirects,
        )
    except requests.Timeout:
        raise FetchError(f'{method} "{url}": timeout after {timeout:g}s') from None
    except (requests.RequestException, OSError) as error:
        raise FetchError(f'{method} "{url}": {describe_error(error)}') from None
    certificate = _peer_certificate(response)
    try:
        body = _read_body(response, deadline, max_bytes, clock)
    except FetchError as error:
        raise FetchError(f'{method} "{url}": {error}') from None
    finally:
        response.close()
    return HttpResponse(
        status=response.status_code,
        content_type=response.headers.get("Content-Type", ""),
        body=body,
        url=response.url,
        redirects=len(response.history),
        http_version=_http_version(response),
        peer_certificate=certificate,
    )


def describe_error(error: BaseException) -> str:
    """The root cause of a requests error (``Connection refused``), not its wrapping."""
    text = str(error)
    match = _ERRNO_TEXT.search(text)
    if match:
        return match.group(1).strip()
    return text.split(" (Caused by ", 1)[-1].rstrip(")") or type(error).__name__


def _read_body(response: requests.Response, deadline: float, max_bytes: int, clock: Clock) -> bytes:
    raw = response.raw
    sock = _socket_of(response)
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            raise FetchError("timeout while reading the body")
        if sock is not None:
            sock.settimeout(remaining)
        try:
            chunk = raw.read1(_CHUNK)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            if isinstance(error, urllib3.exceptions.ReadTimeoutError | TimeoutError):
                raise FetchError("timeout while reading the body") from None
            raise FetchError(describe_error(error)) from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if max_bytes and size > max_bytes:
            raise FetchError(f"body size limit exceeded ({max_bytes} bytes)")
        chunks.append(chunk)


def _socket_of(response: requests.Response) -> socket.socket | None:
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _peer_certificate(response: requests.Response) -> bytes | None:
    """The server's certificate; urllib3 2 has moved the socket to the response's reader."""
    reader = getattr(getattr(response.raw, "_fp", None), "fp", None)
    sock = getattr(getattr(reader, "raw", None), "_sock", None) or _socket_of(response)
    return sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None


def _http_version(response: requests.Response) -> float:
    version = getattr(response.raw, "version", 11)
    return version / 10 if isinstance(version, int) else 1.1
