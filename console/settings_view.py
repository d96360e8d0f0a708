"""The effective configuration as the Settings page shows it: every secret replaced."""

from __future__ import annotations

import re
from typing import Any

from pydantic import SecretStr

from console.config import VigilConfig

REDACTED = "<secret>"
_SECRET_KEY = re.compile(
    r"(secret|password|passwd|token|api_key|apikey|authorization|credentials|private_key)", re.I
)


_SECRET_URL_SECTIONS = frozenset({"webhook_configs"})
"""Lists whose ``url`` is itself a credential: a webhook URL often carries its token in the
path, and Alertmanager keeps it as a secret URL too."""


def redact(value: Any, key: str = "", section: str = "") -> Any:
    """Plain data with every value under a secret-sounding key (or a SecretStr) hidden."""
    if isinstance(value, SecretStr):
        return REDACTED
    if isinstance(value, dict):
        return {name: redact(item, str(name), section) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item, key, key) for item in value]
    if key and _SECRET_KEY.search(key) and value not in (None, "", False):
        return REDACTED
    if key == "url" and section in _SECRET_URL_SECTIONS and value:
        return REDACTED
    if isinstance(value, str) and re.search(r"://[^/@\s]+:[^/@\s]+@", value):
        return re.sub(r"://([^/@\s:]+):[^/@\s]+@", rf"://\1:{REDACTED}@", value)
    return value


def effective_settings(config: VigilConfig) -> dict[str, Any]:
    """Each section of vigil.yml with defaults filled in and secrets hidden."""
    data = config.model_dump(mode="json", by_alias=True)
    redacted: dict[str, Any] = redact(_headers_hidden(data))
    return redacted


def _headers_hidden(data: Any) -> Any:
    """Header values (Authorization, X-Scope-OrgID...) are all treated as secret."""
    if isinstance(data, dict):
        return {
            name: (
                {header: REDACTED for header in item}
                if name == "headers" and isinstance(item, dict)
                else _headers_hidden(item)
            )
            for name, item in data.items()
        }
    if isinstance(data, list):
        return [_headers_hidden(item) for item in data]
    return data
