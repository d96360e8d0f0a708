"""Vigil's simulated demo fleet: realistic, deterministic backend services to observe.

Nothing here imports the rest of Vigil; the package plays "the outside world"
for ``vigil demo`` and for tests.
"""

from demo.exposition import HistoryScrape, generate_openmetrics_history, iter_history
from demo.faults import FAULTS, Fault, Impairment
from demo.fleet import Fleet, ServiceEndpoint
from demo.simulation import Simulation
from demo.topology import SERVICES, ServiceSpec

__all__ = [
    "FAULTS",
    "SERVICES",
    "Fault",
    "Fleet",
    "HistoryScrape",
    "Impairment",
    "ServiceEndpoint",
    "ServiceSpec",
    "Simulation",
    "generate_openmetrics_history",
    "iter_history",
]
