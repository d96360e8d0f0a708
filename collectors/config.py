"""The collector sections of vigil.yml: scrape_configs, health_checks, log_sources."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    SerializeAsAny,
    field_validator,
    model_validator,
)

from collectors.checks import CHECK_TYPES
from collectors.checks.base import CheckOptions
from collectors.http_config import Authorization, BasicAuth, HttpClientConfig, TLSConfig
from collectors.logs.parsers import PARSERS
from collectors.logs.sources import LOG_SOURCES
from collectors.relabel import RelabelConfig, is_label_name
from store.configfile import ByteSize, ConfigModel, Duration

DEFAULT_BODY_SIZE_LIMIT = 64 * 1024**2
DEFAULT_LABEL_VALUE_LENGTH_LIMIT = 64 * 1024
"""Prometheus has no default; a label value of a megabyte is an attack or a bug, and
every one would be stored in the series index and kept in the agent's caches."""
DEFAULT_FILE_SD_REFRESH = 300.0
# Prometheus's patFileSDName: a glob only in the last path element, and a known extension.
_FILE_SD_NAME = re.compile(r"^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$")


class StaticConfig(ConfigModel):
    targets: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("labels")
    @classmethod
    def _label_names(cls, labels: dict[str, str]) -> dict[str, str]:
        for name in labels:
            if not is_label_name(name):
                raise ValueError(f'"{name}" is not a valid label name')
        return labels

    @model_validator(mode="after")
    def _addresses(self) -> StaticConfig:
        for target in self.targets:
            if not target or "/" in target or any(c.isspace() for c in target):
                raise ValueError(
                    f'target "{target}" must be host:port, without scheme or path '
                    "(use scheme and metrics_path)"
                )
        return self


class FileSDConfig(ConfigModel):
    """Target groups read from JSON or YAML files, re-read when they change."""

    files: list[str] = Field(default_factory=list)
    refresh_interval: Duration = Field(default=DEFAULT_FILE_SD_REFRESH, gt=0)

    @model_validator(mode="after")
    def _valid_names(self) -> FileSDConfig:
        if not self.files:
            raise ValueError("file service discovery config must contain at least one path name")
        for name in self.files:
            if not _FILE_SD_NAME.match(name):
                raise ValueError(f'path name "{name}" is not valid for file discovery')
        return self


Limit = Annotated[int, Field(ge=0)]


class ScrapeConfig(ConfigModel):
    """One scrape job, in Prometheus's format; intervals default to the global ones.

    Errors do not quote inputs: a job holds secrets (``basic_auth``, ``authorization``).
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, hide_input_in_errors=True
    )

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
    sample_limit: Limit = 0
    """Samples left after metric relabelling; more fail the scrape. 0: no limit."""
    label_limit: Limit = 0
    label_name_length_limit: Limit = 0
    label_value_length_limit: Limit = DEFAULT_LABEL_VALUE_LENGTH_LIMIT
    """0 means no limit, as in Prometheus."""
    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    tls_config: TLSConfig = TLSConfig()
    follow_redirects: bool = True
    relabel_configs: list[RelabelConfig] = Field(default_factory=list)
    metric_relabel_configs: list[RelabelConfig] = Field(default_factory=list)
    static_configs: list[StaticConfig] = Field(default_factory=list)
    file_sd_configs: list[FileSDConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _timeout_within_interval(self) -> ScrapeConfig:
        interval, timeout = self.scrape_interval, self.scrape_timeout
        if interval is not None and timeout is not None and timeout > interval:
            raise ValueError("scrape_timeout must not be greater than scrape_interval")
        if self.basic_auth is not None and self.authorization is not None:
            raise ValueError("at most one of basic_auth, oauth2 & authorization must be configured")
        return self

    def http_client(self) -> HttpClientConfig:
        """The HTTP client settings, which Prometheus writes inline in the job."""
        return HttpClientConfig(
            basic_auth=self.basic_auth,
            authorization=self.authorization,
            tls_config=self.tls_config,
            follow_redirects=self.follow_redirects,
        )


_CHECK_LABELS = frozenset({"job", "check", "instance"})
"""Labels every probe sample gets from the check (``collectors.check_loop.probe_samples``)."""


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

    @field_validator("labels")
    @classmethod
    def _label_names(cls, labels: dict[str, str]) -> dict[str, str]:
        for name in StaticConfig._label_names(labels):
            if name in _CHECK_LABELS:
                raise ValueError(f'"{name}" is set by the check itself and cannot be a label')
        return labels

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
    """A place logs come from; ``type`` names a source plug-in, ``parser`` a parser.

    ``file``: ``paths`` (globs). ``http``: ``url`` polled for NDJSON or lines,
    with ``cursor_param`` carrying where the last poll ended. ``elasticsearch``:
    ``url`` and ``index`` of an existing index, read in ``timestamp_field`` order.
    """

    name: str = Field(min_length=1)
    type: str = "file"
    paths: list[str] = Field(default_factory=list)
    url: str | None = None
    parser: str = "json"
    pattern: str | None = None
    """The regex parser's pattern; named groups become keys."""
    multiline_start: str | None = None
    """Where an entry starts (e.g. ``^\\d{4}-``); other lines join the one before."""
    interval: Duration = Field(default=1.0, gt=0)
    labels: dict[str, str] = Field(default_factory=dict)
    cursor_param: str = "since"
    index: str | None = None
    timestamp_field: str = "@timestamp"
    max_read_bytes: ByteSize = Field(default=4 * 1024**2, gt=0)
    """At most this much is read per file per poll, so one batch stays bounded."""

    @model_validator(mode="after")
    def _valid(self) -> LogSourceConfig:
        if self.type not in LOG_SOURCES:
            known = ", ".join(sorted(LOG_SOURCES))
            raise ValueError(f'unknown log source type "{self.type}"; known types: {known}')
        if self.parser not in PARSERS:
            known = ", ".join(sorted(PARSERS))
            raise ValueError(f'unknown parser "{self.parser}"; known parsers: {known}')
        if self.type == "file" and not self.paths:
            raise ValueError("a file log source needs at least one path")
        if self.type != "file" and not self.url:
            raise ValueError(f"a {self.type} log source needs a url")
        if self.type == "elasticsearch" and not self.index:
            raise ValueError("an elasticsearch log source needs an index")
        for key in ("pattern", "multiline_start"):
            text = getattr(self, key)
            if text is not None:
                try:
                    compiled = re.compile(text)
                except re.error as error:
                    raise ValueError(f"{key}: {error}") from None
                if key == "pattern" and not compiled.groupindex:
                    raise ValueError("pattern: needs named groups, like (?P<msg>.*)")
        if self.parser == "regex" and self.pattern is None:
            raise ValueError("the regex parser needs a pattern")
        return self
