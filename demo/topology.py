"""The demo fleet's services and call graph, declared as data.

Everything the simulation knows about *what* the fleet looks like lives here, so
that adding a service or an edge never means touching simulation logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Call:
    """One synchronous downstream call made while serving a route.

    ``propagate`` is the chance that a failed call (5xx or client timeout) turns
    the caller's response into a 5xx; otherwise the caller degrades gracefully.
    ``fallback`` is tried instead of propagating when the call fails or returns
    4xx (a cache miss), which is how search and inventory survive the cache.
    ``pooled`` calls go through the caller's database connection pool.
    """

    service: str
    method: str
    path: str
    timeout: float
    repeat: int = 1
    probability: float = 1.0
    propagate: float = 0.9
    pooled: bool = False
    fallback: Call | None = None


@dataclass(frozen=True)
class Route:
    """A route a service serves, with its own processing cost.

    Own processing time is log-normal with the given median and shape.
    ``client_error_rate`` requests are rejected (``client_error_status``)
    before any downstream call; for a ``cache_lookup`` route that rate is the
    live miss ratio instead.  ``weight`` only matters for gateway entry routes;
    ``cpu`` (CPU seconds per request) overrides the service default.
    """

    method: str
    path: str
    median: float
    sigma: float = 0.45
    error_rate: float = 0.002
    client_error_rate: float = 0.0
    client_error_status: int = 404
    calls: tuple[Call, ...] = ()
    weight: float = 0.0
    enqueue: str | None = None
    cache_lookup: bool = False
    kind: str = "http"
    cpu: float | None = None


@dataclass(frozen=True)
class QueueSpec:
    """A work queue drained by a worker with fixed concurrency."""

    name: str
    concurrency: int
    job: Route


@dataclass(frozen=True)
class ServiceSpec:
    """A simulated service and its resource envelope."""

    name: str
    description: str
    routes: tuple[Route, ...] = ()
    cores: float = 1.0
    base_cpu: float = 0.02
    cpu_per_request: float = 0.002
    memory_base: float = 120e6
    memory_per_inflight: float = 2e6
    db_pool_max: int = 0
    consumes: QueueSpec | None = None
    feeds: tuple[str, ...] = field(default=())

    @property
    def depends_on(self) -> list[str]:
        """Services this one calls synchronously, in first-call order."""
        seen: list[str] = []
        calls = [c for r in self.all_routes for c in r.calls]
        while calls:
            call = calls.pop(0)
            if call.service not in seen:
                seen.append(call.service)
            if call.fallback is not None:
                calls.insert(0, call.fallback)
        return seen

    @property
    def all_routes(self) -> tuple[Route, ...]:
        """HTTP routes plus the worker's job pseudo-route, if any."""
        return self.routes + ((self.consumes.job,) if self.consumes else ())


QUEUE_NAME = "order-jobs"

_DB_READ = Call("database", "POST", "/query/read", timeout=1.0, pooled=True)
_DB_WRITE = Call("database", "POST", "/query/write", timeout=1.0, pooled=True, propagate=0.95)
_DB_SEARCH = Call("database", "POST", "/query/search", timeout=0.3, pooled=True, propagate=0.8)


def _cache_get(fallback: Call) -> Call:
    """A cache read that falls back to the database on miss or failure."""
    return Call("cache", "GET", "/get", timeout=0.05, propagate=0.0, fallback=fallback)


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        name="gateway",
        description="Public API gateway: authenticates and routes user traffic.",
        routes=(
            Route("GET", "/api/search", median=0.004, weight=0.5, client_error_rate=0.005,
                  client_error_status=400,
                  calls=(Call("search", "GET", "/search", timeout=2.0, propagate=0.95),)),
            Route("POST", "/api/orders", median=0.006, weight=0.25, client_error_rate=0.01,
                  client_error_status=400,
                  calls=(Call("orders", "POST", "/orders", timeout=5.0, propagate=0.98),)),
            Route("GET", "/api/orders/{id}", median=0.004, weight=0.25,
                  calls=(Call("orders", "GET", "/orders/{id}", timeout=2.0, propagate=0.98),)),
        ),
        cores=2.0, cpu_per_request=0.0015, memory_base=90e6,
    ),
    ServiceSpec(
        name="orders",
        description="Order lifecycle: charges, reserves stock, enqueues fulfilment jobs.",
        routes=(
            Route("POST", "/orders", median=0.012, enqueue=QUEUE_NAME,
                  calls=(Call("payments", "POST", "/charge", timeout=3.0, propagate=0.95),
                         Call("inventory", "POST", "/reserve", timeout=2.0, propagate=0.9))),
            Route("GET", "/orders/{id}", median=0.006, client_error_rate=0.02,
                  calls=(Call("payments", "GET", "/payments/{id}", timeout=1.5, propagate=0.9),)),
        ),
        feeds=("queue-worker",), memory_base=180e6,
    ),
    ServiceSpec(
        name="search",
        description="Product search: cache first, full-text query on the database on a miss.",
        routes=(Route("GET", "/search", median=0.015, sigma=0.5,
                      calls=(_cache_get(_DB_SEARCH),)),),
        cores=2.0, cpu_per_request=0.004, memory_base=260e6, db_pool_max=6,
    ),
    ServiceSpec(
        name="payments",
        description="Payment processing against an external card processor.",
        routes=(
            Route("POST", "/charge", median=0.045, sigma=0.35, error_rate=0.003,
                  calls=(Call("database", "POST", "/query/write", timeout=1.0, repeat=2,
                              pooled=True, propagate=0.95),)),
            Route("GET", "/payments/{id}", median=0.005, calls=(_DB_READ,)),
        ),
        memory_base=150e6, db_pool_max=4,
    ),
    ServiceSpec(
        name="inventory",
        description="Stock levels and reservations.",
        routes=(Route("POST", "/reserve", median=0.008,
                      calls=(_cache_get(_DB_READ), _DB_WRITE)),),
        cpu_per_request=0.006, memory_base=140e6, db_pool_max=4,
    ),
    ServiceSpec(
        name="database",
        description="Relational database behind a small query API (exporter-style metrics).",
        routes=(
            Route("POST", "/query/read", median=0.003, sigma=0.5, error_rate=0.0005),
            Route("POST", "/query/write", median=0.007, sigma=0.5, error_rate=0.0005),
            Route("POST", "/query/search", median=0.035, sigma=0.55, error_rate=0.0005,
                  cpu=0.07),
        ),
        cores=2.0, base_cpu=0.1, cpu_per_request=0.003, memory_base=1.2e9,
        memory_per_inflight=8e6,
    ),
    ServiceSpec(
        name="cache",
        description="In-memory key/value cache (exporter-style hit/miss counters).",
        routes=(Route("GET", "/get", median=0.0008, sigma=0.3, error_rate=0.0002,
                      cache_lookup=True),),
        base_cpu=0.01, cpu_per_request=0.0002, memory_base=512e6, memory_per_inflight=0.2e6,
    ),
    ServiceSpec(
        name="queue-worker",
        description="Consumes order jobs (emails, fulfilment) from the order queue.",
        consumes=QueueSpec(
            name=QUEUE_NAME, concurrency=4,
            job=Route("JOB", QUEUE_NAME, median=0.02, sigma=0.4, error_rate=0.002, kind="job",
                      calls=(Call("database", "POST", "/query/write", timeout=1.0,
                                  pooled=True, propagate=1.0),)),
        ),
        memory_base=110e6, db_pool_max=3,
    ),
)

SERVICE_BY_NAME: dict[str, ServiceSpec] = {s.name: s for s in SERVICES}
ENTRY_SERVICE = "gateway"


def validate(services: tuple[ServiceSpec, ...] = SERVICES) -> None:
    """Fail fast if an edge points at a service or route that does not exist."""
    routes = {(s.name, r.method, r.path) for s in services for r in s.all_routes}
    for svc in services:
        calls = [c for r in svc.all_routes for c in r.calls]
        while calls:
            call = calls.pop()
            if (call.service, call.method, call.path) not in routes:
                raise ValueError(f"{svc.name} calls unknown {call.service} {call.path}")
            if call.fallback is not None:
                calls.append(call.fallback)


validate()
