"""The fleet overview: services assembled from scrape targets and health checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from store.checks import CheckStatus
from store.targets import TargetStatus

SERVICE_LABEL = "service"


@dataclass
class ServiceView:
    name: str
    targets: list[TargetStatus] = field(default_factory=list)
    checks: list[CheckStatus] = field(default_factory=list)

    @property
    def status(self) -> str:
        """down if any target or check is down, up if all known are up, else unknown."""
        states = [t.health for t in self.targets] + [c.status for c in self.checks]
        if "down" in states:
            return "down"
        if states and all(state == "up" for state in states):
            return "up"
        return "unknown"

    @property
    def last_scrape(self) -> float | None:
        times = [t.last_scrape for t in self.targets if t.last_scrape is not None]
        return max(times) if times else None

    @property
    def errors(self) -> list[str]:
        return [t.last_error for t in self.targets if t.last_error] + [
            f"{c.name}: {c.last_error}" for c in self.checks if c.last_error
        ]


def service_of_target(target: TargetStatus) -> str:
    return dict(target.labels).get(SERVICE_LABEL) or target.job


def build_fleet(
    targets: Sequence[TargetStatus], checks: Sequence[CheckStatus]
) -> list[ServiceView]:
    """One view per service: targets by their service label (else job), checks likewise."""
    services: dict[str, ServiceView] = {}
    for target in targets:
        name = service_of_target(target)
        services.setdefault(name, ServiceView(name)).targets.append(target)
    for check in checks:
        name = check.labels.get(SERVICE_LABEL) or check.name
        services.setdefault(name, ServiceView(name)).checks.append(check)
    return [services[name] for name in sorted(services)]
