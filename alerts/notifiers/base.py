"""What every notifier type provides, so the outbox can deliver any of them alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests


@dataclass(frozen=True)
class Outgoing:
    """One delivery attempt's request, taken from an outbox row and its config."""

    url: str
    body: str
    idempotency_key: str
    timeout: float = 10.0
    headers: Mapping[str, str] = field(default_factory=dict)
    signing_secret: bytes | None = None
    """When set, the body is signed (``X-Vigil-Signature``) for the receiver to verify."""


@dataclass(frozen=True)
class DeliveryResult:
    """How an attempt went; ``retryable`` says whether trying again could help."""

    ok: bool
    retryable: bool = False
    status_code: int | None = None
    error: str = ""
    retry_after: float | None = None
    """Seconds the receiver asked us to wait (a 429's Retry-After)."""


class Notifier(Protocol):
    """A notifier type: renders the message body once, then sends it (maybe many times)."""

    def render(self, message: Mapping[str, Any], config: Any) -> str:
        """The body stored in the outbox for the Alertmanager-style ``message``."""
        ...

    def send(self, session: requests.Session, outgoing: Outgoing) -> DeliveryResult:
        """One attempt; never raises for network or HTTP failures."""
        ...
