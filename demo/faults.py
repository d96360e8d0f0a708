"""Injectable faults, each a single impairment applied to a single service.

Faults only describe the *local* damage (a slow database, a dead cache); every
symptom elsewhere in the fleet must emerge from the simulation itself, which is
what makes the demo useful for testing bottleneck analysis.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Impairment:
    """How a service misbehaves while a fault is active.

    ``latency_factor`` multiplies own processing time, ``sigma_add`` fattens
    its tail, ``extra_error_rate`` adds own 5xx, ``down`` makes every request
    and /health answer 503, and ``cpu_hog_share`` burns that share of the
    service's cores outside request handling.
    """

    latency_factor: float = 1.0
    sigma_add: float = 0.0
    extra_error_rate: float = 0.0
    down: bool = False
    cpu_hog_share: float = 0.0


HEALTHY = Impairment()


@dataclass(frozen=True)
class Fault:
    """A named fault hitting one service, ramping in over ``ramp`` seconds."""

    name: str
    service: str
    description: str
    impairment: Impairment
    ramp: float = 10.0

    def impairment_at(self, service: str, active_for: float) -> Impairment:
        """The impairment of ``service`` after the fault has been on ``active_for`` s."""
        if service != self.service or active_for < 0:
            return HEALTHY
        share = min(1.0, active_for / self.ramp) if self.ramp > 0 else 1.0
        imp = self.impairment
        return Impairment(
            latency_factor=1.0 + (imp.latency_factor - 1.0) * share,
            sigma_add=imp.sigma_add * share,
            extra_error_rate=imp.extra_error_rate * share,
            down=imp.down,
            cpu_hog_share=imp.cpu_hog_share * share,
        )


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault("db-slow", "database",
              "Database queries are 20x slower (lock contention); client pools saturate.",
              Impairment(latency_factor=20.0, sigma_add=0.2)),
        Fault("cache-down", "cache",
              "Cache refuses every request; readers fall back to the database.",
              Impairment(down=True), ramp=0.0),
        Fault("cpu-hog", "inventory",
              "A runaway thread burns the inventory service's CPU.",
              Impairment(cpu_hog_share=0.97, latency_factor=1.5)),
        Fault("error-burst", "payments",
              "The card processor integration fails a large share of charges.",
              Impairment(extra_error_rate=0.4)),
        Fault("queue-backlog", "queue-worker",
              "Job handlers stall on a slow third party; the order queue backs up.",
              Impairment(latency_factor=50.0)),
    )
}


def get_fault(name: str | None) -> Fault | None:
    """Look a fault up by name, with a helpful error listing the valid ones."""
    if name is None:
        return None
    try:
        return FAULTS[name]
    except KeyError:
        raise ValueError(f"unknown fault {name!r}; choose from {sorted(FAULTS)}") from None
