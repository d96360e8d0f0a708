"""The collector sections of vigil.yml: scrape_configs, health_checks, log_sources."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ModelWrapValidatorHandler,
    SerializeAsAny,
    model_validator,
)

from collectors.checks import CHECK_TYPES
from collectors.checks.base import CheckOptions
from store.configfile import ConfigModel, Duration

_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$")
_SIZE_UNITS = {None: 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_SIZE_UNITS.update({"KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4})
DEFAULT_BODY_SIZE_LIMIT = 64 * 1024**2


def _to_bytes(value: object) -> object:
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match is None:
            raise ValueError(f'"{value}" is not a size (like 10MB; units are powers of 1024)')
        return int(match.group(1)) * _SIZE_UNITS[match.group(2)]
    return value


ByteSize = Annotated[int, BeforeValidator(_to_bytes)]
"""Bytes, written as a number or with a unit as Prometheus does (``10MB`` = 10 MiB)."""


class StaticConfig(ConfigModel):
    targets: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _addresses(self) -> StaticConfig:
        for target in self.targets:
            if not target or "/" in target or any(c.isspace() for c in target):
                raise ValueError(
                    f'target "{target}" must be host:port, without scheme or path '
                    "(use scheme and metrics_path)"
                )
        return self


class ScrapeConfig(ConfigModel):
    """One scrape job, in Prometheus's format; intervals default to the global ones."""

    job_name: str = Field(min_length=1)
    scrape_interval: Duration | None = Field(default=None, gt=0)
    scrape_timeout: Duration | None = Field(default=None, gt=0)
    metrics_path: str = "/metrics"
    scheme: Literal["http", "https"] = "http"
    params: dict[str, list[str]] = Field(default_factory=dict)
    honor_labels: bool = False
    honor_timestamps: bool = True
    body_size_limit: ByteSize = Field(default=DEFAULT_BODY_SIZE_LIMIT, ge=0)
    """0 means no limit, as in Prometheus; Vigil's default guards one process's memory."""
    static_configs: list[StaticConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _timeout_within_interval(self) -> ScrapeConfig:
        interval, timeout = self.scrape_interval, self.scrape_timeout
        if interval is not None and timeout is not None and timeout > interval:
            raise ValueError("scrape_timeout must not be greater than scrape_interval")
        return self


class HealthCheckConfig(ConfigModel):
    """One health check; ``type`` names a check type in ``collectors.checks.CHECK_TYPES``.

    The keys beside the common ones below are that type's options; they are
    validated by the type's model and kept in ``options``.
    """

    name: str = Field(min_length=1)
    type: str
    target: str
    interval: Duration | None = Field(default=None, gt=0)
    timeout: Duration = Field(default=5.0, gt=0)
    retries: int = Field(default=0, ge=0)
    labels: dict[str, str] = Field(default_factory=dict)
    options: SerializeAsAny[CheckOptions] = Field(default_factory=CheckOptions)

    @model_validator(mode="wrap")
    @classmethod
    def _typed_options(
        cls, data: Any, handler: ModelWrapValidatorHandler[HealthCheckConfig]
    ) -> HealthCheckConfig:
        if not isinstance(data, dict) or isinstance(data.get("options"), CheckOptions):
            return handler(data)
        common = {key: value for key, value in data.items() if key in _COMMON_KEYS}
        type_name = data.get("type")
        check_type = CHECK_TYPES.get(type_name) if isinstance(type_name, str) else None
        if check_type is None:
            # Let the common fields report their own problems first.
            handler({**common, "options": CheckOptions()})
            known = ", ".join(sorted(CHECK_TYPES))
            raise ValueError(f'unknown check type "{type_name}"; known types: {known}')
        check_type.check_target(str(data.get("target", "")))
        extra = {key: value for key, value in data.items() if key not in _COMMON_KEYS}
        options = check_type.options.model_validate(extra)
        return handler({**common, "options": options})


_COMMON_KEYS = frozenset(HealthCheckConfig.model_fields) - {"options"}


class LogSourceConfig(ConfigModel):
    """A place logs come from; ``type`` names a source plug-in, ``parser`` a parser."""

    name: str = Field(min_length=1)
    type: Literal["file", "http", "elasticsearch"] = "file"
    paths: list[str] = Field(default_factory=list)
    url: str | None = None
    parser: str = "json"
    labels: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _needs_a_location(self) -> LogSourceConfig:
        if self.type == "file" and not self.paths:
            raise ValueError("a file log source needs at least one path")
        if self.type != "file" and not self.url:
            raise ValueError(f"a {self.type} log source needs a url")
        return self
