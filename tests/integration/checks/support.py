"""What the check tests share: building a check, a closed port, and a silent listener."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from collectors.config import HealthCheckConfig


def check(**fields: Any) -> HealthCheckConfig:
    return HealthCheckConfig.model_validate({"name": "c", "timeout": "500ms", **fields})


def closed_port() -> int:
    """A port nothing listens on (bound, then closed), so connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def silent_listener() -> Iterator[str]:
    """A listener that accepts connections and never says a word: every probe times out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"127.0.0.1:{sock.getsockname()[1]}"
