"""vigil.yml: the whole configuration, loaded, typed and checked before use.

Each section's model lives in the package that uses it; this module assembles
them and runs the checks that span sections (a route naming a receiver that
exists, unique job names). A reload builds a new object and swaps it in only
when it is valid, so a bad file never replaces a good configuration.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from pydantic import Field

from alerts.config import AlertingConfig, RouteConfig
from analysis.config import AnalysisConfig
from collectors.config import HealthCheckConfig, LogSourceConfig, ScrapeConfig
from dashboards.config import DashboardsConfig
from promql.engine import EngineOptions
from store.config import StorageConfig
from store.configfile import (
    ConfigError,
    ConfigModel,
    Duration,
    Problem,
    YamlDocument,
    read_yaml,
    validate_model,
)
from store.datasources import LOCAL_DATASOURCE, DatasourceConfig
from store.logs.config import LogsConfig

DEFAULT_CONFIG_FILE = "vigil.yml"
CONFIG_ENV = "VIGIL_CONFIG"


class GlobalConfig(ConfigModel):
    scrape_interval: Duration = Field(default=15.0, gt=0)
    scrape_timeout: Duration = Field(default=10.0, gt=0)
    evaluation_interval: Duration = Field(default=15.0, gt=0)
    check_interval: Duration = Field(default=30.0, gt=0)
    external_labels: dict[str, str] = Field(default_factory=dict)


class QueryConfig(ConfigModel):
    """PromQL limits, as Prometheus's --query.* flags.

    ``max_samples`` defaults below Prometheus's 50 million: a sample costs this
    engine about 16 bytes in arrays, and a gunicorn worker must survive the
    largest query it allows.
    """

    lookback_delta: Duration = Field(default=300.0, gt=0)
    timeout: Duration = Field(default=120.0, gt=0)
    max_samples: int = Field(default=20_000_000, gt=0)

    def engine_options(self) -> EngineOptions:
        return EngineOptions(
            lookback_delta=self.lookback_delta, timeout=self.timeout, max_samples=self.max_samples
        )


class ServerConfig(ConfigModel):
    bind: str = "127.0.0.1:8080"
    workers: int = Field(default=2, ge=1)
    external_url: str | None = None


class AgentConfig(ConfigModel):
    """Where the agent serves its own /metrics, /-/healthy and /-/ready."""

    bind: str = "127.0.0.1:9465"


class AuthConfig(ConfigModel):
    """Who may use the console; anonymous read is off unless a deployment says so.

    ``secret_key`` (best as ``${VIGIL_SECRET_KEY}``) or ``secret_key_file`` sign
    session cookies; with neither, a key generated once is kept in the store.
    ``secure_cookies`` unset means: Secure when the request came over HTTPS.
    """

    anonymous_read: bool = False
    secret_key: str | None = None
    secret_key_file: str | None = None
    secure_cookies: bool | None = None
    session_lifetime: Duration = Field(default=12 * 3600.0, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    """Failures from one address for one user name before that pair is locked out."""
    login_lockout: Duration = Field(default=900.0, gt=0)


class RuleFilesConfig(ConfigModel):
    """Rule files evaluated against a named datasource instead of Vigil's own store."""

    files: list[str] = Field(min_length=1)
    datasource: str = LOCAL_DATASOURCE


class VigilConfig(ConfigModel):
    global_: GlobalConfig = Field(default_factory=GlobalConfig, alias="global")
    storage: StorageConfig = Field(default_factory=StorageConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    query: QueryConfig = Field(default_factory=QueryConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    scrape_configs: list[ScrapeConfig] = Field(default_factory=list)
    health_checks: list[HealthCheckConfig] = Field(default_factory=list)
    allow_command_checks: bool = False
    """Health checks of type ``command`` run programs, so they must be enabled explicitly."""
    log_sources: list[LogSourceConfig] = Field(default_factory=list)
    logs: LogsConfig = Field(default_factory=LogsConfig)
    rule_files: list[str | RuleFilesConfig] = Field(default_factory=list)
    datasources: list[DatasourceConfig] = Field(default_factory=list)
    alerting: AlertingConfig = Field(default_factory=AlertingConfig)
    dashboards: DashboardsConfig = Field(default_factory=DashboardsConfig)
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)


class LoadedConfig(ConfigModel):
    """A checked configuration and the file it came from (None: built-in defaults)."""

    config: VigilConfig
    source: str | None = None

    @property
    def base_dir(self) -> Path:
        """Relative paths in the file (rule files, dashboards) are relative to it."""
        return Path(self.source).resolve().parent if self.source else Path.cwd()

    def rule_sources(self) -> list[tuple[str, str]]:
        """Each rule file named by ``rule_files`` with the datasource it queries.

        Entries are globs, relative to the config file; a plain string queries
        Vigil's own store, as a Prometheus rule_files entry would.
        """
        sources: list[tuple[str, str]] = []
        for entry in self.config.rule_files:
            patterns, datasource = (
                ([entry], LOCAL_DATASOURCE)
                if isinstance(entry, str)
                else (entry.files, entry.datasource)
            )
            for pattern in patterns:
                full = pattern if Path(pattern).is_absolute() else str(self.base_dir / pattern)
                paths = sorted(glob.glob(full)) if glob.has_magic(full) else [full]
                sources.extend((path, datasource) for path in paths)
        return sources

    def rule_paths(self) -> list[str]:
        """The rule files named by ``rule_files`` (globs, relative to the config file)."""
        return [path for path, _ in self.rule_sources()]


def resolve_config_path(
    explicit: str | None, environ: Mapping[str, str] | None = None
) -> tuple[str, bool]:
    """The file to read and whether the user named it (a named file must exist)."""
    env = os.environ if environ is None else environ
    if explicit:
        return explicit, True
    if env.get(CONFIG_ENV):
        return env[CONFIG_ENV], True
    return DEFAULT_CONFIG_FILE, False


def load_config(
    explicit: str | None = None, *, environ: Mapping[str, str] | None = None
) -> LoadedConfig:
    """Load vigil.yml (or defaults when there is none and none was asked for)."""
    path, named = resolve_config_path(explicit, environ)
    if not named and not Path(path).exists():
        return LoadedConfig(config=VigilConfig())
    document = read_yaml(path, environ=environ)
    config = validate_model(document, VigilConfig)
    problems = list(check_config(config, document))
    if problems:
        raise ConfigError(problems)
    return LoadedConfig(config=config, source=path)


SemanticCheck = Callable[[VigilConfig, YamlDocument], Iterator[Problem]]


def _duplicates(
    names: list[str], section: str, key: str, document: YamlDocument
) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            yield document.problem([section, index, key], f'"{name}" is used twice')
        seen.add(name)


def _check_unique_names(config: VigilConfig, document: YamlDocument) -> Iterator[Problem]:
    yield from _duplicates(
        [job.job_name for job in config.scrape_configs], "scrape_configs", "job_name", document
    )
    yield from _duplicates(
        [check.name for check in config.health_checks], "health_checks", "name", document
    )
    yield from _duplicates(
        [source.name for source in config.log_sources], "log_sources", "name", document
    )


def _check_receivers(config: VigilConfig, document: YamlDocument) -> Iterator[Problem]:
    names = {receiver.name for receiver in config.alerting.receivers}

    def walk(route: RouteConfig, path: list[str | int]) -> Iterator[Problem]:
        if route.receiver is not None and route.receiver not in names:
            yield document.problem(
                [*path, "receiver"], f'receiver "{route.receiver}" is not defined'
            )
        for index, child in enumerate(route.routes):
            yield from walk(child, [*path, "routes", index])

    if config.alerting.receivers and config.alerting.route.receiver is None:
        yield document.problem(["alerting", "route"], "the root route needs a receiver")
    yield from walk(config.alerting.route, ["alerting", "route"])


def _check_datasources(config: VigilConfig, document: YamlDocument) -> Iterator[Problem]:
    names = [source.name for source in config.datasources]
    yield from _duplicates(names, "datasources", "name", document)
    for index, name in enumerate(names):
        if name == LOCAL_DATASOURCE:
            yield document.problem(
                ["datasources", index, "name"], f'"{LOCAL_DATASOURCE}" is the built-in datasource'
            )
    known = {LOCAL_DATASOURCE, *names}
    for index, entry in enumerate(config.rule_files):
        if not isinstance(entry, str) and entry.datasource not in known:
            yield document.problem(
                ["rule_files", index, "datasource"],
                f'datasource "{entry.datasource}" is not defined',
            )


def _check_command_checks(config: VigilConfig, document: YamlDocument) -> Iterator[Problem]:
    if config.allow_command_checks:
        return
    for index, check in enumerate(config.health_checks):
        if check.type == "command":
            yield document.problem(
                ["health_checks", index, "type"],
                'command checks run programs and are off by default; set '
                '"allow_command_checks: true" at the top level of vigil.yml to enable them',
            )


SEMANTIC_CHECKS: tuple[SemanticCheck, ...] = (
    _check_unique_names,
    _check_command_checks,
    _check_receivers,
    _check_datasources,
)


def check_config(config: VigilConfig, document: YamlDocument) -> Iterator[Problem]:
    """Every cross-section problem, each located in the file."""
    for check in SEMANTIC_CHECKS:
        yield from check(config, document)
