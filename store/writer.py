"""The agent's single store writer: group commit, with compaction between commits.

Scrape loops (and anything else given the writer) hand it a finished write, a
function of a ``Connection``, and go back to scraping. One thread commits
everything queued in ONE write transaction every ``commit_interval`` seconds
(group commit): on SQLite that is a handful of ``BEGIN IMMEDIATE``/``COMMIT``
a second instead of one per scrape, and no scrape waits for the write lock.

Compaction (``Compactor``) never holds the write lock for long: a second
thread, ``vigil-compactor``, reads a stream's oldest head batches and encodes
them into chunks in a read transaction, then hands the writer a write that
inserts those chunks and deletes the batches (``store.compaction.apply_step``),
committed with the next group: a few milliseconds under the lock instead of
the encoding time. The writer itself runs the small remaining steps (batches
without a stream, merging level 0 chunks) between commits, for at most
``maintenance_budget_seconds`` each time. So scrapes never queue behind
compaction in SQLite's busy handler, and a sample is visible to other
processes within about ``commit_interval`` of its scrape (target: 2 s).

The queue is bounded (``max_queued`` writes): when the writer falls behind,
``submit`` blocks the scrape thread, and the scheduler skips that target's
next runs rather than letting memory grow. ``stop`` commits what is queued.

Crash contract: a write is durable once its group has committed; a SIGKILL
loses only the writes still queued, which are the scrapes "in flight" (at
most about a commit interval's worth). If a group fails, each of its writes is
retried alone, so one bad write cannot take the others down with it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from promql.labels import fingerprint
from store.compaction import (
    MERGE_LEVELS,
    CompactionReport,
    PreparedStep,
    StaleStep,
    apply_step,
    compact_head_step,
    merge_step,
    prepare_due_step,
)
from store.db import write_transaction
from store.series import merge_postings

log = logging.getLogger("vigil.writer")

Write = Callable[[Connection], object]


def stream_key(job: str, url: str) -> int:
    """The ``sample_batches.stream`` of a scrape target: stable across restarts."""
    return fingerprint((("job", job), ("url", url)))


@dataclass
class Compactor:
    """When and how to compact, for the writer's compaction thread (``Writer``).

    The head is compacted per stream once a stream has ``TARGET_CHUNK_SAMPLES``
    batches older than ``head_keep_seconds`` (two minutes of head at 1 s
    scrapes), or once its oldest batch is ``full_wait_seconds`` old (slow
    scrapers; their short chunks are merged later). A step is read and encoded
    in a read transaction off the writer thread (``prepare``); only replacing
    the batches by the chunks (``apply_step``) goes through the writer, in a
    group commit. Batches without a stream and merging level 0 chunks are
    small, bounded steps run by the writer itself (``maintenance``); merging
    runs every ``merge_interval_seconds``.
    """

    head_keep_seconds: float = 30.0
    full_wait_seconds: float = 600.0
    merge_interval_seconds: float = 300.0
    force_merge_after_seconds: float = 2 * 3600.0
    idle_recheck_seconds: float = 1.0
    clock: Callable[[], float] = time.time
    report: CompactionReport = field(default_factory=CompactionReport)
    _next_merge: float = 0.0
    _merge_after: int | None = None
    _merge_level: int = 0

    def __post_init__(self) -> None:
        self._next_merge = self.clock() + self.merge_interval_seconds

    def _until_ms(self) -> tuple[int, int]:
        now_ms = int(self.clock() * 1000)
        return now_ms - int(self.head_keep_seconds * 1000), now_ms

    def prepare(self, engine: Engine) -> PreparedStep | None:
        """The next stream step, read and encoded; None when no stream is due."""
        until_ms, now_ms = self._until_ms()
        with engine.connect() as connection:
            return prepare_due_step(
                connection, until_ms, now_ms - int(self.full_wait_seconds * 1000)
            )

    def maintenance(self, connection: Connection) -> bool:
        """One step of the rest (batches without a stream, then merging); False when idle."""
        until_ms, now_ms = self._until_ms()
        step = compact_head_step(connection, until_ms, full_before_ms=None, streams=False)
        self.report.add(step)
        if step.batches_compacted:
            return True
        if self._merge_after is None and self.clock() >= self._next_merge:
            self._merge_after, self._merge_level = -1, 0
            self._next_merge = self.clock() + self.merge_interval_seconds
            self.report.postings_merged += merge_postings(connection)
        if self._merge_after is None:
            return False
        merged, self._merge_after = merge_step(
            connection,
            until_ms,
            self._merge_after,
            force_before_ms=now_ms - int(self.force_merge_after_seconds * 1000),
            level=MERGE_LEVELS[self._merge_level],
        )
        self.report.add(merged)
        if self._merge_after is None and self._merge_level + 1 < len(MERGE_LEVELS):
            self._merge_after, self._merge_level = -1, self._merge_level + 1
        return self._merge_after is not None

    def run(self, engine: Engine, budget_seconds: float = 60.0) -> None:
        """Every due step now, in this thread (tests, and a writer that is not running)."""
        deadline = time.monotonic() + budget_seconds
        while time.monotonic() < deadline:
            prepared = self.prepare(engine)
            with write_transaction(engine) as connection:
                if prepared is not None:
                    self.report.add(apply_step(connection, prepared))
                    continue
                if not self.maintenance(connection):
                    return


_Item = tuple[Write, threading.Event | None]


class Writer:
    """One thread that commits queued writes in groups; see the module docstring."""

    def __init__(
        self,
        engine: Engine,
        *,
        commit_interval: float = 0.2,
        max_queued: int = 256,
        compactor: Compactor | None = None,
        maintenance_budget_seconds: float = 0.1,
        submit_timeout: float = 30.0,
    ) -> None:
        self._engine = engine
        self._interval = commit_interval
        self._queue: queue.Queue[_Item] = queue.Queue(max_queued)
        self._compactor = compactor
        self._budget = maintenance_budget_seconds
        self._submit_timeout = submit_timeout
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.commits = 0
        self.writes = 0

    @property
    def running(self) -> bool:
        return bool(self._threads) and not self._stopping.is_set()

    def start(self) -> None:
        if self._threads:
            return
        self._stopping.clear()
        self._threads = [threading.Thread(target=self._run, name="vigil-writer", daemon=True)]
        if self._compactor is not None:
            self._threads.append(
                threading.Thread(target=self._compact, name="vigil-compactor", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def submit(self, write: Write) -> threading.Event:
        """Queue a write for the next group commit; runs it at once if the writer is stopped.

        Blocks while the queue is full (back-pressure); raises ``queue.Full``
        after ``submit_timeout`` seconds. The event is set once the write's
        group has committed (or failed).
        """
        done = threading.Event()
        if not self.running:
            with write_transaction(self._engine) as connection:
                write(connection)
            done.set()
            return done
        self._queue.put((write, done), timeout=self._submit_timeout)
        return done

    def stop(self, timeout: float | None = 60.0) -> None:
        """Commit everything queued, then end the threads."""
        if not self._threads:
            return
        self._stopping.set()
        for thread in reversed(self._threads):  # the compactor first, then the writer
            thread.join(timeout)
        self._threads = []
        self.flush()  # anything queued after the writer's last drain

    def flush(self) -> None:
        """Commit what is queued now, from the calling thread (tests, shutdown)."""
        self._commit(self._drain())

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stopping.is_set():
            wait = last + self._interval - time.monotonic()
            if wait > 0 and self._stopping.wait(wait):
                break
            last = time.monotonic()
            self._commit(self._drain())
            if self._compactor is not None:
                self._maintain(self._compactor)
        self._commit(self._drain())

    def _maintain(self, compactor: Compactor) -> None:
        deadline = time.monotonic() + self._budget
        try:
            while time.monotonic() < deadline:
                with write_transaction(self._engine) as connection:
                    if not compactor.maintenance(connection):
                        return
        except Exception:
            log.exception("compaction step failed")

    def _compact(self) -> None:
        """The compaction thread: encode steps off the writer thread, apply them through it."""
        compactor = self._compactor
        assert compactor is not None
        while not self._stopping.is_set():
            try:
                prepared = compactor.prepare(self._engine)
            except Exception:
                log.exception("preparing a compaction step failed")
                prepared = None
            if prepared is None:
                self._stopping.wait(compactor.idle_recheck_seconds)
                continue
            done = self._queue_wait(_applier(compactor, prepared))
            while done is not None and not done.wait(self._interval):
                if self._stopping.is_set():
                    return

    def _queue_wait(self, write: Write) -> threading.Event | None:
        while not self._stopping.is_set():
            try:
                return self.submit(write)
            except queue.Full:
                continue
        return None

    def _drain(self) -> list[_Item]:
        items: list[_Item] = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items

    def _commit(self, items: list[_Item]) -> None:
        if not items:
            return
        try:
            with write_transaction(self._engine) as connection:
                for write, _ in items:
                    write(connection)
        except Exception as error:
            log.warning(
                "group commit of %d writes failed (%s); retrying one by one", len(items), error
            )
            for write, _ in items:
                try:
                    with write_transaction(self._engine) as connection:
                        write(connection)
                except StaleStep as stale:
                    log.info("compaction step dropped: %s", stale)
                except Exception:
                    log.exception("write failed")
        finally:
            for _, done in items:
                if done is not None:
                    done.set()
        self.commits += 1
        self.writes += len(items)


def _applier(compactor: Compactor, step: PreparedStep) -> Write:
    def apply(connection: Connection) -> None:
        compactor.report.add(apply_step(connection, step))

    return apply
