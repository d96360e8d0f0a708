"""Alertmanager-compatible webhooks: POST the version 4 JSON message, optionally signed.

Retry policy: 5xx, 429, timeouts and refused connections may succeed later;
any other 4xx means the request itself is wrong and retrying only repeats it.

Signing (``hmac_secret`` or ``hmac_secret_file`` on a webhook config) follows
Stripe's scheme: ``X-Vigil-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">``. The timestamp is inside the MAC, so a receiver that rejects
old timestamps also rejects replays; each attempt is signed afresh.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

from alerts.notifiers.base import DeliveryResult, Outgoing
from alerts.payload import encode_message

USER_AGENT = "Vigil-Alerting/0.1"
SIGNATURE_HEADER = "X-Vigil-Signature"
_MAX_ERROR_BODY = 512
_URL_IN_ERROR = re.compile(r"url: \S+")


def signature(secret: bytes, body: bytes, timestamp: int) -> str:
    """The ``X-Vigil-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: bytes, body: bytes, header: str, *, now: float, tolerance: float = 300.0
) -> bool:
    """What a receiver does (see docs/webhooks.md): a matching v1 MAC and a recent timestamp."""
    parts = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in parts if key == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp).split(",v1=")[1]
    return any(key == "v1" and hmac.compare_digest(value, expected) for key, value in parts)


def signing_secret(settings: Any) -> bytes | None:
    """The secret of a webhook config: ``hmac_secret``, or the file ``hmac_secret_file`` names.

    The file is read on every call so a rotated secret takes effect without a
    reload; a trailing newline (``echo secret > file``) is not part of it.
    """
    secret = getattr(settings, "hmac_secret", None)
    if secret:
        value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
        return str(value).encode()
    path = getattr(settings, "hmac_secret_file", None)
    if path:
        return Path(path).read_bytes().rstrip(b"\r\n")
    return None


class WebhookNotifier:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def render(self, message: Mapping[str, Any], config: Any) -> str:
        return encode_message(message)

    def send(self, session: requests.Session, outgoing: Outgoing) -> DeliveryResult:
        body = outgoing.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **outgoing.headers,
            "Idempotency-Key": outgoing.idempotency_key,
        }
        if outgoing.signing_secret is not None:
            headers[SIGNATURE_HEADER] = signature(outgoing.signing_secret, body, int(self._clock()))
        try:
            response = session.post(
                outgoing.url,
                data=body,
                headers=headers,
                timeout=outgoing.timeout,
            )
        except requests.Timeout:
            return DeliveryResult(False, True, error=f"timed out after {outgoing.timeout:g}s")
        except requests.ConnectionError as error:
            return DeliveryResult(False, True, error=f"connection failed: {_redact(error)}")
        except requests.RequestException as error:
            return DeliveryResult(False, False, error=f"request failed: {_redact(error)}")
        with response:
            code = response.status_code
            if 200 <= code < 300:
                return DeliveryResult(True, status_code=code)
            answer = response.text[:_MAX_ERROR_BODY].strip()
            message = f"unexpected status code {code}" + (f": {answer}" if answer else "")
            retryable = code >= 500 or code == 429
            return DeliveryResult(
                False,
                retryable,
                code,
                message,
                _retry_after(response.headers.get("Retry-After")) if code == 429 else None,
            )


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _redact(error: Exception) -> str:
    """Webhook URLs often carry secrets in their path: keep them out of the log."""
    return _URL_IN_ERROR.sub("url: <redacted>", str(error))
