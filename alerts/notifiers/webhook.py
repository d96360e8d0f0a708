"""Alertmanager-compatible webhooks: POST the version 4 JSON message.

Retry policy: 5xx, 429, timeouts and refused connections may succeed later;
any other 4xx means the request itself is wrong and retrying only repeats it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import requests

from alerts.notifiers.base import DeliveryResult, Outgoing
from alerts.payload import encode_message

USER_AGENT = "Vigil-Alerting/0.1"
_MAX_ERROR_BODY = 512
_URL_IN_ERROR = re.compile(r"url: \S+")


class WebhookNotifier:
    def render(self, message: Mapping[str, Any], config: Any) -> str:
        return encode_message(message)

    def send(self, session: requests.Session, outgoing: Outgoing) -> DeliveryResult:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **outgoing.headers,
            "Idempotency-Key": outgoing.idempotency_key,
        }
        try:
            response = session.post(
                outgoing.url,
                data=outgoing.body.encode(),
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
            body = response.text[:_MAX_ERROR_BODY].strip()
            message = f"unexpected status code {code}" + (f": {body}" if body else "")
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
