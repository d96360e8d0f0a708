"""End-of-step resource bookkeeping: CPU, memory, pools, queues, cache ratio.

These signals feed back into the next step (CPU contention slows requests, a
saturated pool makes callers wait), which is how local faults spread.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from demo.topology import ServiceSpec

if TYPE_CHECKING:
    from demo.simulation import Simulation

DB_MAX_CONNECTIONS = 100
GC_PERIOD = 300.0
WARN_EVERY = 15.0
BACKLOG_WARN_DEPTH = 200


def update_resources(sim: Simulation, t: float, *, initial: bool = False) -> None:
    """Fold the step's work into resource series and reset per-step tallies."""
    for i, (name, spec) in enumerate(sim.specs.items()):
        _process(sim, name, spec, t, i, initial)
        _pool(sim, name, t, initial)
    _queues(sim, t)
    _database(sim)
    if not initial:
        target = 0.86 + 0.04 * math.sin(2 * math.pi * t / 3600.0)
        drift = 0.2 * (target - sim.cache_hit_ratio) + float(sim.rng.normal(0.0, 0.004))
        sim.cache_hit_ratio = min(0.97, max(0.6, sim.cache_hit_ratio + drift))


def _process(sim: Simulation, name: str, spec: ServiceSpec, t: float, index: int,
             initial: bool) -> None:
    st = sim.state[name]
    m = st.metrics
    if initial:
        m.set("process_start_time_seconds", (), sim.start)
        m.inc("process_cpu_seconds_total", (), 0.0)
    else:
        hog = sim.impairments[name].cpu_hog_share * spec.cores
        cpu = min(spec.cores, spec.base_cpu + st.cpu_work / sim.step + hog)
        m.inc("process_cpu_seconds_total", (), cpu * sim.step)
        st.cpu_util = cpu / spec.cores
        st.inflight = st.busy_seconds / sim.step
    # Heap grows between collections, then drops: a gentle sawtooth per service.
    phase = ((t - sim.start + 37.0 * index) % GC_PERIOD) / GC_PERIOD
    memory = spec.memory_base * (1.0 + 0.05 * phase) + st.inflight * spec.memory_per_inflight
    m.set("process_resident_memory_bytes", (), float(round(memory)))
    if spec.routes:
        m.set("http_server_active_requests", (), round(st.inflight, 3))
    st.cpu_work = 0.0
    st.busy_seconds = 0.0


def _pool(sim: Simulation, name: str, t: float, initial: bool) -> None:
    """Fluid model: connection-seconds demanded beyond the pool's capacity queue up."""
    st = sim.state[name]
    pool = st.pool
    if pool is None:
        return
    if not initial:
        capacity = pool.size * sim.step
        # Nobody waits longer than ~a client timeout: the queue is bounded.
        pool.backlog = min(max(pool.backlog + pool.held - capacity, 0.0), pool.size * 1.0)
        offered = pool.held / sim.step
        pool.in_use = float(pool.size) if pool.backlog > 0 else float(
            min(pool.size, int(sim.rng.poisson(offered))))
        pool.held = 0.0
        if pool.backlog > 0 and sim.logs is not None and t - st.last_warning >= WARN_EVERY:
            st.last_warning = t
            sim.logs.event(name, t, "WARNING", "database connection pool exhausted",
                           pool_size=pool.size, wait_ms=round(pool.mean_wait() * 1000, 1))
    st.metrics.set("db_pool_connections_in_use", (), pool.in_use)
    st.metrics.set("db_pool_connections_max", (), float(pool.size))


def _queues(sim: Simulation, t: float) -> None:
    """Publish each queue's depth on its producers and its consumer."""
    for qname, q in sim.queues.items():
        lbl = (("queue", qname),)
        for name, spec in sim.specs.items():
            consumer = spec.consumes is not None and spec.consumes.name == qname
            producer = any(r.enqueue == qname for r in spec.routes)
            if not (consumer or producer):
                continue
            sim.state[name].metrics.set("queue_depth", lbl, q.depth)
            st = sim.state[name]
            if (consumer and sim.logs is not None and q.depth > BACKLOG_WARN_DEPTH
                    and t - st.last_warning >= WARN_EVERY):
                st.last_warning = t
                sim.logs.event(name, t, "WARNING", "job queue is backing up",
                               queue=qname, depth=int(q.depth))


def _database(sim: Simulation) -> None:
    """Server-side connection count: what every client pool currently holds."""
    db = sim.state.get("database")
    if db is None:
        return
    active = sum(s.pool.in_use for s in sim.state.values() if s.pool is not None)
    db.metrics.set("db_connections_active", (), active)
    db.metrics.set("db_connections_max", (), float(DB_MAX_CONNECTIONS))
