"""The pure, deterministic simulation core of the demo fleet.

Time only moves when :meth:`Simulation.advance_to` is called; it then replays
fixed-size steps, so the state at simulated time T depends on (seed, fault,
fault_delay, start, T) and never on how often or when it was asked.  Within a
step, traffic is handled as numpy batches: one array of requests per
(service, route, caller), fanned out along the call graph recursively, so a
caller's latency contains exactly the downstream latencies it waited for.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from demo.faults import HEALTHY, Fault, Impairment, get_fault
from demo.logs import LogBuffer
from demo.recording import initialise_series, record_client, record_served
from demo.resources import update_resources
from demo.state import FloatArray, IntArray, MetricStore, PoolState, QueueState, ServiceState
from demo.topology import ENTRY_SERVICE, SERVICES, Call, Route, ServiceSpec
from demo.traffic import BASE_RATE, arrival_rate, spread_starts, trace_ids

CLIENT_TIMEOUT = 0  # status code used for a call the client gave up on
_DOWN_LATENCY = 0.0006


@dataclass
class Batch:
    """Requests being served together: one slot per request."""

    start: FloatArray
    elapsed: FloatArray
    latency: FloatArray
    status: IntArray
    alive: np.ndarray
    trace: IntArray
    cause: IntArray  # index of the downstream service blamed for a 5xx, or -1


class Simulation:
    """Fleet state plus the rules that advance it; no I/O, no wall clock."""

    def __init__(
        self,
        start: float,
        *,
        seed: int = 0,
        fault: str | None = None,
        fault_delay: float = 60.0,
        step: float = 1.0,
        base_rate: float = BASE_RATE,
        services: tuple[ServiceSpec, ...] = SERVICES,
        collect_logs: bool = True,
    ) -> None:
        if step <= 0:
            raise ValueError("step must be positive")
        self.start = float(start)
        self.step = float(step)
        self.steps_done = 0
        self.base_rate = base_rate
        self.fault: Fault | None = get_fault(fault)
        self.fault_delay = float(fault_delay)
        self.specs: dict[str, ServiceSpec] = {s.name: s for s in services}
        self.names: tuple[str, ...] = tuple(self.specs)
        self._index = {name: i for i, name in enumerate(self.names)}
        sim_seq, log_seq = np.random.SeedSequence(seed).spawn(2)
        self.rng = np.random.default_rng(sim_seq)
        self.logs: LogBuffer | None = (
            LogBuffer(random.Random(int(log_seq.generate_state(1)[0])), step=self.step)
            if collect_logs else None)
        self.state: dict[str, ServiceState] = {
            s.name: ServiceState(pool=PoolState(s.db_pool_max) if s.db_pool_max else None)
            for s in services
        }
        self.queues: dict[str, QueueState] = {
            s.consumes.name: QueueState() for s in services if s.consumes is not None}
        self.cache_hit_ratio = 0.86
        self.impairments: dict[str, Impairment] = dict.fromkeys(self.names, HEALTHY)
        self._contention: dict[str, float] = dict.fromkeys(self.names, 1.0)
        self._step_index = 0
        for spec in services:
            initialise_series(self.state[spec.name], spec)
        update_resources(self, self.start, initial=True)

    # -- public -----------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated time reached so far."""
        return self.start + self.steps_done * self.step

    @property
    def fault_start(self) -> float:
        return self.start + self.fault_delay

    def advance_to(self, t: float, max_steps: int | None = None) -> int:
        """Replay whole steps up to ``t``; returns how many were simulated.

        With ``max_steps``, a longer gap is skipped rather than replayed (as if
        the fleet had been paused), so a sleeping laptop cannot stall a scrape.
        """
        due = math.floor((t - self.now) / self.step + 1e-9)
        if due <= 0:
            return 0
        if max_steps is not None and due > max_steps:
            self.steps_done += due - max_steps
            due = max_steps
        for _ in range(due):
            self._tick(self.now)
            self.steps_done += 1
        return due

    def metrics(self, service: str) -> MetricStore:
        """A consistent copy of one service's exported series."""
        return self.state[service].metrics.snapshot()

    def healthy(self, service: str) -> bool:
        """Whether /health should pass right now (a dead service fails it at once)."""
        if self.fault is None:
            return True
        return not self.fault.impairment_at(service, self.now - self.fault_start).down

    def fault_active(self, t: float | None = None) -> bool:
        return self.fault is not None and (self.now if t is None else t) >= self.fault_start

    # -- one step ---------------------------------------------------------------
    def _tick(self, t: float) -> None:
        self._step_index += 1
        if self.logs is not None:
            self.logs.new_step(t)
        active_for = t - self.fault_start
        self.impairments = {
            n: (self.fault.impairment_at(n, active_for) if self.fault else HEALTHY)
            for n in self.names}
        self._contention = {
            n: 1.0 / (1.0 - min(self.state[n].cpu_util, 0.8)) for n in self.names}
        entry = self.specs[ENTRY_SERVICE]
        rate = arrival_rate(t, self.base_rate) * math.exp(self.rng.normal(0.0, 0.08))
        for stream, route in enumerate(entry.routes):
            n = int(self.rng.poisson(rate * route.weight * self.step))
            starts = spread_starts(t, self.step, n)
            self._serve(entry.name, route, starts, trace_ids(self._step_index, stream, n))
        self._drain_queues(t)
        update_resources(self, t)

    def _drain_queues(self, t: float) -> None:
        """Let each worker take what its concurrency allows; failed jobs are retried."""
        for spec in self.specs.values():
            qspec = spec.consumes
            if qspec is None:
                continue
            q = self.queues[qspec.name]
            waiting = int(q.depth) + q.arrivals
            capacity = qspec.concurrency * self.step / max(q.mean_job_seconds, 1e-3)
            cap_n = int(capacity) + int(self.rng.random() < capacity - int(capacity))
            n = min(waiting, cap_n)
            failed = 0
            if n:
                lat, status = self._serve(spec.name, qspec.job, spread_starts(t, self.step, n),
                                          trace_ids(self._step_index, 63, n))
                q.mean_job_seconds = 0.7 * q.mean_job_seconds + 0.3 * float(lat.mean())
                failed = int(np.count_nonzero(status >= 500))
            q.depth = float(waiting - n + failed)
            q.arrivals = 0

    # -- request handling -------------------------------------------------------
    def _route(self, call: Call) -> Route:
        spec = self.specs[call.service]
        for route in spec.all_routes:
            if route.method == call.method and route.path == call.path:
                return route
        raise KeyError(f"{call.service} has no route {call.method} {call.path}")

    def _serve(self, name: str, route: Route, starts: FloatArray,
               traces: IntArray) -> tuple[FloatArray, IntArray]:
        """Serve a batch at one service/route; returns per-request latency and status."""
        n = starts.size
        st = self.state[name]
        imp = self.impairments[name]
        spec = self.specs[name]
        st.cpu_work += n * (route.cpu if route.cpu is not None else spec.cpu_per_request)
        cause = np.full(n, -1, np.int64)
        if imp.down:
            lat = self.rng.lognormal(math.log(_DOWN_LATENCY), 0.3, n)
            status = np.full(n, 503, np.int64)
        else:
            median = route.median * imp.latency_factor * self._contention[name]
            own = self.rng.lognormal(math.log(median), route.sigma + imp.sigma_add, n)
            batch = Batch(start=starts, elapsed=own * 0.5, latency=own.copy(),
                          status=np.full(n, 200, np.int64), alive=np.ones(n, bool),
                          trace=traces, cause=cause)
            reject_rate = (1.0 - self.cache_hit_ratio) if route.cache_lookup \
                else route.client_error_rate
            rejected = self.rng.random(n) < reject_rate
            batch.status[rejected] = route.client_error_status
            batch.alive &= ~rejected
            for call in route.calls:
                self._call(name, call, batch, batch.alive.copy())
            own_err = batch.alive & (
                self.rng.random(n) < route.error_rate + imp.extra_error_rate)
            batch.status[own_err] = 500
            lat, status = batch.latency, batch.status
            if route.enqueue is not None:
                enqueued = int(np.count_nonzero(status == 200))
                self.queues[route.enqueue].arrivals += enqueued
                st.metrics.inc("queue_jobs_enqueued_total", (("queue", route.enqueue),),
                               enqueued)
        record_served(st, route, lat, status)
        if self.logs is not None:
            self.logs.requests(name, route.method, route.path, starts, lat, status, traces,
                               cause, self.names, slow_after=max(route.median * 20, 0.25))
        return lat, status

    def _call(self, name: str, call: Call, batch: Batch, mask: np.ndarray) -> None:
        """Make ``call`` for the masked requests and fold the outcome into ``batch``."""
        idx = np.flatnonzero(mask & batch.alive)
        if call.probability < 1.0:
            idx = idx[self.rng.random(idx.size) < call.probability]
        m, k = idx.size, call.repeat
        if m == 0:
            return
        total = m * k
        starts = np.repeat(batch.start[idx] + batch.elapsed[idx], k)
        pool = self.state[name].pool if call.pooled else None
        wait = np.zeros(total)
        if pool is not None and pool.backlog > 0:
            wait = self.rng.exponential(pool.mean_wait(), total)
        gave_up = wait >= call.timeout  # timed out while waiting for a connection
        d_lat = np.zeros(total)
        d_status = np.full(total, CLIENT_TIMEOUT, np.int64)
        sent = np.flatnonzero(~gave_up)
        if sent.size:
            d_lat[sent], d_status[sent] = self._serve(
                call.service, self._route(call), starts[sent] + wait[sent],
                np.repeat(batch.trace[idx], k)[sent])
        c_lat = np.minimum(d_lat + wait, call.timeout)
        c_status = np.where(d_lat + wait > call.timeout, CLIENT_TIMEOUT, d_status)
        if pool is not None:
            pool.held += float(np.minimum(d_lat[sent], call.timeout).sum())
        record_client(self.state[name], call.service, c_lat, c_status)

        rows = c_status.reshape(m, k)
        timed_out = (rows == CLIENT_TIMEOUT).any(axis=1)
        failed = timed_out | (rows >= 500).any(axis=1)
        worst = rows.max(axis=1)
        client_err = ~failed & (worst >= 400)
        spent = c_lat.reshape(m, k).sum(axis=1)
        batch.latency[idx] += spent
        batch.elapsed[idx] += spent
        if call.fallback is not None:
            retry = np.zeros(batch.status.size, bool)
            retry[idx[failed | client_err]] = True
            self._call(name, call.fallback, batch, retry)
            return
        blamed = failed & (self.rng.random(m) < call.propagate)
        bidx = idx[blamed]
        batch.status[bidx] = np.where(timed_out[blamed], 504, 502)
        batch.cause[bidx] = self._index[call.service]
        batch.alive[bidx] = False
        cidx = idx[client_err]
        batch.status[cidx] = worst[client_err]
        batch.alive[cidx] = False
