"""The running demo fleet: one simulation, one HTTP server per service, log files.

All servers share a single :class:`~demo.simulation.Simulation` behind a lock;
every /metrics or /health request first advances it to the injected clock's
"now", so scrapes see a consistent, deterministic world.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from prometheus_client.registry import CollectorRegistry

from demo.exposition import ServiceCollector
from demo.faults import get_fault
from demo.logs import LogWriter
from demo.server import ServiceApp, ServiceServer
from demo.simulation import Simulation
from demo.state import MetricStore
from demo.topology import SERVICES, ServiceSpec


@dataclass(frozen=True)
class ServiceEndpoint:
    """Where a running simulated service can be reached, and what it calls."""

    name: str
    url: str
    depends_on: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    description: str = ""

    @property
    def metrics_url(self) -> str:
        return f"{self.url}/metrics"

    @property
    def health_url(self) -> str:
        return f"{self.url}/health"


class _Engine:
    """The simulation plus everything that must happen under its lock."""

    def __init__(self, sim: Simulation, clock: Callable[[], float], writer: LogWriter,
                 max_catchup_steps: int) -> None:
        self.sim = sim
        self.clock = clock
        self.writer = writer
        self.max_catchup_steps = max_catchup_steps
        self.lock = threading.Lock()

    def sync(self) -> None:
        """Advance to the clock's now and flush the logs produced on the way."""
        with self.lock:
            self.sim.advance_to(self.clock(), max_steps=self.max_catchup_steps)
            if self.sim.logs is not None:
                self.writer.write(self.sim.logs.drain())

    def snapshot(self, service: str) -> MetricStore:
        with self.lock:
            return self.sim.metrics(service)

    def healthy(self, service: str) -> bool:
        with self.lock:
            return self.sim.healthy(service)


class Fleet:
    """A simulated fleet of backend services listening on ``host``.

    ``base_port`` None picks free ports; otherwise service *i* (in topology
    order) listens on ``base_port + i``.  ``log_dir`` None uses a fresh temp
    directory (kept after stop so the logs can still be read).  A background
    ticker advances the simulation every ``tick_interval`` real seconds so logs
    keep flowing without scrapes; None disables it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        base_port: int | None = None,
        log_dir: Path | str | None = None,
        fault: str | None = None,
        fault_delay: float = 60.0,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
        *,
        tick_interval: float | None = 1.0,
        max_catchup: float = 3600.0,
        step: float = 1.0,
    ) -> None:
        self.host = host
        self.base_port = base_port
        self.log_dir = Path(log_dir) if log_dir is not None else Path(
            tempfile.mkdtemp(prefix="vigil-demo-logs-"))
        self.fault = fault
        self.fault_delay = fault_delay
        self.seed = seed
        self.clock = clock
        self.tick_interval = tick_interval
        self.max_catchup = max_catchup
        self.step = step
        self.specs: tuple[ServiceSpec, ...] = SERVICES
        self._engine: _Engine | None = None
        self._servers: list[ServiceServer] = []
        self._endpoints: list[ServiceEndpoint] = []
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        get_fault(fault)  # fail on a typo before anything binds a port

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> Fleet:
        """Boot the simulation at the clock's now and start every server."""
        if self._engine is not None:
            raise RuntimeError("fleet already started")
        now = self.clock()
        sim = Simulation(now, seed=self.seed, fault=self.fault, fault_delay=self.fault_delay,
                         step=self.step)
        writer = LogWriter(self.log_dir)
        writer.touch([s.name for s in self.specs])
        engine = _Engine(sim, self.clock, writer, max(1, int(self.max_catchup / self.step)))
        self._stop.clear()
        try:
            for i, spec in enumerate(self.specs):
                port = 0 if self.base_port is None else self.base_port + i
                server = ServiceServer(self.host, port, self._app(engine, spec))
                self._servers.append(server)
                if sim.logs is not None:
                    sim.logs.event(spec.name, now, "INFO", "service started",
                                   listen=f"{self.host}:{server.port}")
        except BaseException:
            self._close_servers()
            writer.close()
            raise
        self._engine = engine
        self._endpoints = [
            ServiceEndpoint(spec.name, server.url, spec.depends_on, list(spec.feeds),
                            spec.description)
            for spec, server in zip(self.specs, self._servers, strict=True)
        ]
        engine.sync()
        for server in self._servers:
            server.start()
        if self.tick_interval is not None:
            self._ticker = threading.Thread(target=self._tick_loop, name="vigil-demo-ticker",
                                            daemon=True)
            self._ticker.start()
        return self

    def stop(self) -> None:
        """Stop ticking and serving, join every thread, close sockets and log files."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5.0)
            self._ticker = None
        self._close_servers()
        if self._engine is not None:
            self._engine.sync()
            self._engine.writer.close()
            self._engine = None

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- introspection ----------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._engine is not None

    @property
    def services(self) -> list[ServiceEndpoint]:
        """Endpoints of every service, in topology order (known once started)."""
        if not self._endpoints:
            raise RuntimeError("fleet not started")
        return list(self._endpoints)

    def service(self, name: str) -> ServiceEndpoint:
        for endpoint in self.services:
            if endpoint.name == name:
                return endpoint
        raise KeyError(name)

    @property
    def simulation(self) -> Simulation:
        """The live simulation (hold no reference across sync() calls in threads)."""
        if self._engine is None:
            raise RuntimeError("fleet not started")
        return self._engine.sim

    def sync(self) -> None:
        """Advance the simulation to the clock's now and flush logs."""
        if self._engine is not None:
            self._engine.sync()

    def log_path(self, service: str) -> Path:
        return self.log_dir / f"{service}.log"

    # -- internals --------------------------------------------------------------
    def _app(self, engine: _Engine, spec: ServiceSpec) -> ServiceApp:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(ServiceCollector(lambda: engine.snapshot(spec.name)))

        def describe() -> dict[str, Any]:
            return {
                "service": spec.name,
                "description": spec.description,
                "depends_on": spec.depends_on,
                "feeds": list(spec.feeds),
                "routes": [f"{r.method} {r.path}" for r in spec.routes],
                "endpoints": {"metrics": "/metrics", "health": "/health"},
            }

        return ServiceApp(spec.name, registry, lambda: engine.healthy(spec.name),
                          engine.sync, describe)

    def _close_servers(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers = []

    def _tick_loop(self) -> None:
        assert self.tick_interval is not None
        while not self._stop.wait(self.tick_interval):
            engine = self._engine
            if engine is not None:
                engine.sync()
