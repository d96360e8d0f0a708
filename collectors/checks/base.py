"""What every health check type shares: its options base, its result and its protocol.

Kept apart from the registry so that the config model and each check module
can import it without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from store.configfile import ConfigModel

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class CheckOptions(ConfigModel):
    """Per-type options; each check type subclasses it (``HttpOptions``, ...).

    In vigil.yml the options sit next to the common keys (``name``, ``type``,
    ``target``, ...) and are typed by the model the check type registers.
    """


@dataclass(frozen=True)
class ProbeResult:
    """One probe, with blackbox_exporter's metric names (``probe_success``, ...)."""

    success: bool
    duration_seconds: float
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None


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
