"""What every health check type shares: its options base, its result and its protocol.

Kept apart from the registry so that the config model and each check module
can import it without importing one another.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from pydantic import ConfigDict

from collectors.http_config import Secret
from store.configfile import ConfigModel

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class CheckOptions(ConfigModel):
    """Per-type options; each check type subclasses it (``HttpOptions``, ...).

    In vigil.yml the options sit next to the common keys (``name``, ``type``,
    ``target``, ...) and are typed by the model the check type registers.
    """


class LoginOptions(CheckOptions):
    """Options of the types that log in to a server; the password never shows in errors.

    Credentials are options, not part of the target, so the target (shown in
    the console and on public status pages) holds nothing secret.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, hide_input_in_errors=True
    )

    username: str = ""
    password: Secret | None = None

    @property
    def password_text(self) -> str | None:
        return self.password.get_secret_value() if self.password is not None else None


@dataclass(frozen=True)
class ProbeResult:
    """One probe, with blackbox_exporter's metric names (``probe_success``, ...)."""

    success: bool
    duration_seconds: float
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    metric_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    """Extra labels of some metrics, e.g. ``probe_tls_version_info{version="TLS 1.3"}``."""


class CheckType(Protocol):
    """A kind of health check, registered under its YAML ``type:`` name."""

    @property
    def options(self) -> type[CheckOptions]:
        """The model its options are validated with."""
        ...

    def check_target(self, target: str) -> None:
        """Raise ValueError when ``target`` cannot be probed by this type."""
        ...

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        """Probe once; failures are results, never exceptions."""
        ...


def probe_metrics(success: bool, duration: float, **extra: float) -> dict[str, float]:
    return {"probe_success": 1.0 if success else 0.0, "probe_duration_seconds": duration, **extra}


class ProbeFailure(Exception):
    """Raised inside a probe to fail it with a short reason and the metrics gathered so far."""

    def __init__(self, reason: str, metrics: dict[str, float] | None = None) -> None:
        super().__init__(reason)
        self.metrics = metrics or {}


Attempt = Callable[[], dict[str, float]]
"""One probe's work: returns the type's extra metrics, or raises to fail the probe."""


def timed_probe(
    attempt: Attempt,
    *,
    target: str,
    clock: Callable[[], float] = time.monotonic,
    metric_labels: dict[str, dict[str, str]] | None = None,
) -> ProbeResult:
    """Run ``attempt`` and time it; any exception becomes a failed result with its text.

    Client libraries (psycopg, PyMySQL, redis, pika, ...) each raise their own
    exception types; the runner's job is to record every failure as data, so
    this is the one place that catches them all.
    """
    start = clock()
    try:
        extra = attempt()
    except ProbeFailure as failure:
        duration = clock() - start
        metrics = probe_metrics(False, duration, **failure.metrics)
        return ProbeResult(False, duration, metrics, f"{target}: {failure}", metric_labels or {})
    except Exception as error:
        duration = clock() - start
        reason = describe_exception(error)
        return ProbeResult(False, duration, probe_metrics(False, duration), f"{target}: {reason}")
    duration = clock() - start
    return ProbeResult(
        True, duration, probe_metrics(True, duration, **extra), None, metric_labels or {}
    )


def describe_exception(error: BaseException) -> str:
    """A one-line reason: the exception's text, or its type when it has none."""
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {error.verify_message}"
    text = " ".join(str(error).split())
    if isinstance(error, OSError) and error.strerror:
        text = error.strerror
    return text or type(error).__name__


def split_host_port(target: str, kind: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` → (host, port); ValueError naming ``kind`` when malformed."""
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f'a {kind} check needs "host:port" as target, not "{target}"')
    return host.removeprefix("[").removesuffix("]"), int(port)


def valid_regex(pattern: str | None) -> str | None:
    """A pydantic validator's body: the pattern compiles, or a clear error."""
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"invalid regular expression: {error}") from None
    return pattern


class HostPortCheck:
    """Base of the types whose target is ``host:port`` and whose probe is one attempt:
    a subclass names its ``kind`` and ``options`` and writes ``probe``."""

    kind: ClassVar[str]
    options: ClassVar[type[CheckOptions]]

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock

    def check_target(self, target: str) -> None:
        split_host_port(target, self.kind)

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        host, port = split_host_port(config.target, self.kind)
        return timed_probe(
            lambda: self.probe(host, port, config), target=config.target, clock=self._clock
        )

    def probe(self, host: str, port: int, config: HealthCheckConfig) -> dict[str, float]:
        """Connect and ask; return the type's extra metrics, or raise to fail."""
        raise NotImplementedError
