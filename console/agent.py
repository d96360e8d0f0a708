"""`vigil agent`: one APScheduler process that owns every periodic job.

Jobs are built from the configuration by builders (scrapes, checks, rules,
delivery, retention); each job writes in its own transaction, so SIGTERM lets
running jobs finish and a SIGKILL loses at most what was in flight. SIGHUP
reloads the configuration: an invalid file keeps the running jobs unchanged.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import Engine

from alerts.rule_status import record_reload
from console.agent_server import AgentServer
from console.config import LoadedConfig, load_config
from console.memory import TRIM_INTERVAL_SECONDS, release_free_memory
from promql.labels import fingerprint
from store.configfile import ConfigError
from store.db import database_url, open_engine, upgrade
from store.series import SeriesIndex
from store.writer import Compactor, Writer

log = logging.getLogger("vigil.agent")

JOB_DURATION = Histogram(
    "vigil_agent_job_duration_seconds",
    "Time each periodic agent job took.",
    ["kind"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOB_ERRORS = Counter(
    "vigil_agent_job_errors_total", "Periodic jobs that raised instead of finishing.", ["kind"]
)
RELOAD_SUCCESS = Gauge(
    "vigil_config_last_reload_successful", "Whether the last configuration reload worked."
)
RELOAD_TIME = Gauge(
    "vigil_config_last_reload_success_timestamp_seconds", "When the configuration last loaded."
)


@dataclass(frozen=True)
class PeriodicJob:
    """A unit of periodic work; ``run`` must catch nothing it cannot record itself."""

    id: str
    kind: str
    interval: float
    run: Callable[[], object]

    @property
    def phase(self) -> float:
        """A stable offset within the interval, so jobs spread out like Prometheus's scrapes."""
        return (fingerprint((("id", self.id),)) % int(self.interval * 1000)) / 1000.0


class JobControl(Protocol):
    """Lets a job add and remove jobs while the agent runs (e.g. when discovery changes)."""

    def add_jobs(self, jobs: Sequence[PeriodicJob]) -> None: ...

    def remove_jobs(self, job_ids: Sequence[str]) -> None: ...


class _NoJobControl:
    def add_jobs(self, jobs: Sequence[PeriodicJob]) -> None:
        return

    def remove_jobs(self, job_ids: Sequence[str]) -> None:
        return


@dataclass
class AgentResources:
    """What jobs share: the store, its series-id cache, and control over the schedule."""

    database: Engine
    index: SeriesIndex = field(default_factory=SeriesIndex)
    writer: Writer | None = None
    """The store's single writer (group commit and compaction); None: jobs write themselves."""
    jobs: JobControl = field(default_factory=_NoJobControl)
    reload: Callable[[], object] = lambda: None
    """Reload the configuration (what SIGHUP does), for jobs that notice a change."""
    clock: Callable[[], float] = time.time
    """What jobs read the time from, so tests can step it."""
    notifications_due: threading.Event = field(default_factory=threading.Event)
    """Set when a rule job has queued notifications, so delivery need not wait for its tick."""


JobBuilder = Callable[[LoadedConfig, AgentResources], Sequence[PeriodicJob]]


def job_builders() -> list[JobBuilder]:
    """Every family of periodic work, in one list (imported late: each pulls its package)."""
    from console.jobs import (
        bottleneck_jobs,
        check_jobs,
        compaction_jobs,
        delivery_jobs,
        log_jobs,
        reload_jobs,
        retention_jobs,
        rule_jobs,
        scrape_jobs,
    )

    return [
        scrape_jobs,
        check_jobs,
        rule_jobs,
        delivery_jobs,
        compaction_jobs,
        retention_jobs,
        reload_jobs,
        bottleneck_jobs,
        log_jobs,
    ]


class Agent:
    def __init__(
        self,
        loaded: LoadedConfig,
        database: Engine,
        *,
        builders: Sequence[JobBuilder] | None = None,
        max_workers: int = 32,
        loader: Callable[[], LoadedConfig] | None = None,
    ) -> None:
        self.loaded = loaded
        self._loader = loader or (lambda: load_config(self.loaded.source))
        self.writer = Writer(database, compactor=Compactor())
        self.resources = AgentResources(
            database, writer=self.writer, jobs=self, reload=lambda: self.reload(self._loader)
        )
        self._builders = list(builders) if builders is not None else job_builders()
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers)}, timezone=UTC
        )
        self._lock = threading.Lock()
        self.started = False

    def build_jobs(self, loaded: LoadedConfig) -> list[PeriodicJob]:
        return [job for builder in self._builders for job in builder(loaded, self.resources)]

    def start(self) -> None:
        self.writer.start()
        self._schedule(self.build_jobs(self.loaded))
        self._scheduler.start()
        self.started = True
        RELOAD_SUCCESS.set(1)
        RELOAD_TIME.set(time.time())
        record_reload(self.resources.database, True, time.time())

    def stop(self, wait: bool = True) -> None:
        """Stop scheduling; with ``wait`` the jobs already running finish first."""
        if self.started:
            self._scheduler.shutdown(wait=wait)
            self.started = False
        self.writer.stop()  # commits the scrapes still queued

    def reload(self, load: Callable[[], LoadedConfig]) -> bool:
        """Swap in a new configuration only if it loads and builds completely."""
        with self._lock:
            try:
                loaded = load()
                jobs = self.build_jobs(loaded)
            except (ConfigError, ValueError) as error:
                log.error("reload failed, keeping the running configuration: %s", error)
                RELOAD_SUCCESS.set(0)
                record_reload(self.resources.database, False, time.time(), str(error))
                return False
            self.loaded = loaded
            self._scheduler.remove_all_jobs()
            self._schedule(jobs)
            RELOAD_SUCCESS.set(1)
            RELOAD_TIME.set(time.time())
            record_reload(self.resources.database, True, time.time())
            return True

    def add_jobs(self, jobs: Sequence[PeriodicJob]) -> None:
        self._schedule(jobs)

    def remove_jobs(self, job_ids: Sequence[str]) -> None:
        for job_id in job_ids:
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(job_id)

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._scheduler.get_jobs())

    def _schedule(self, jobs: Sequence[PeriodicJob]) -> None:
        now = datetime.now(UTC)
        for job in jobs:
            self._scheduler.add_job(
                _instrumented(job),
                PhasedIntervalTrigger(
                    seconds=job.interval,
                    start_date=now + timedelta(seconds=job.phase),
                    timezone=UTC,
                ),
                id=job.id,
                name=job.id,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(job.interval)),
                next_run_time=now + timedelta(seconds=min(job.phase, 1.0)),
            )


class PhasedIntervalTrigger(IntervalTrigger):  # type: ignore[misc]
    """Fires on the grid ``start_date + k * interval``, whenever the first run was.

    APScheduler's IntervalTrigger counts from the previous fire time, so a
    job whose first run is brought forward (the agent runs every job within
    its first second, to show data at once) would stay there, and every
    target and rule group would run in the same second of each interval.
    Here each later run returns to the job's phase.
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is not None:
            now = max(now, previous_fire_time + timedelta(microseconds=1))
        return super().get_next_fire_time(None, now)  # type: ignore[no-any-return]


def _instrumented(job: PeriodicJob) -> Callable[[], None]:
    def run() -> None:
        started = time.perf_counter()
        try:
            job.run()
        except Exception:
            JOB_ERRORS.labels(job.kind).inc()
            log.exception("job %s failed", job.id)
        finally:
            JOB_DURATION.labels(job.kind).observe(time.perf_counter() - started)

    return run


def run_agent(loaded: LoadedConfig, *, stop_event: threading.Event | None = None) -> int:
    """Run until SIGTERM or SIGINT; SIGHUP reloads the configuration file."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # APScheduler logs every run at INFO; keep its warnings (missed runs) only.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    storage = loaded.config.storage
    database = open_engine(database_url(storage), busy_timeout_seconds=storage.busy_timeout)
    upgrade(database)
    agent = Agent(loaded, database)
    stop = stop_event or threading.Event()
    server = AgentServer(loaded.config.agent.bind, is_ready=lambda: agent.started)
    source = loaded.source

    def on_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=agent.reload, args=(lambda: load_config(source),)).start()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_hup)
    server.start()
    agent.start()
    log.info(
        "agent started: %d jobs, metrics on http://%s:%d/metrics",
        len(agent.job_ids()),
        server.host,
        server.port,
    )
    try:
        while not stop.wait(TRIM_INTERVAL_SECONDS):
            release_free_memory()
    finally:
        log.info("stopping: letting running jobs finish")
        agent.stop(wait=True)
        server.stop()
        database.dispose()
    return 0
