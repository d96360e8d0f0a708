"""Every job's targets (static and file_sd) and their scrape loops, kept in step.

The agent asks ``sync()`` periodically; it polls the file discoveries,
relabels, and answers which loops to start and which stopped (those have
written their final staleness markers). Scheduling stays with the agent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from collectors.config import ScrapeConfig
from collectors.discovery import FileDiscovery, FileSystem
from collectors.scrape_loop import ScrapeLoop, register_targets
from collectors.targets import Target, TargetSet, resolve_targets, static_groups
from store.series import SeriesIndex

LoopFactory = Callable[[Target], ScrapeLoop]


@dataclass(frozen=True)
class SyncResult:
    started: list[ScrapeLoop]
    """New loops: schedule ``run_once`` every ``loop.target.scrape_interval``."""
    stopped: list[ScrapeLoop]
    """Loops whose target went away: unschedule them (already marked stale)."""


class ScrapeManager:
    def __init__(
        self,
        scrape_configs: Sequence[ScrapeConfig],
        global_interval: float,
        global_timeout: float,
        database: Engine,
        index: SeriesIndex,
        *,
        base_dir: Path | None = None,
        loop_factory: LoopFactory | None = None,
        filesystem: FileSystem | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Raises ValueError when a static target is invalid, like ``targets_from_config``."""
        self._configs = list(scrape_configs)
        self._interval, self._timeout = global_interval, global_timeout
        self._database = database
        self._base_dir = base_dir
        self._new_loop = loop_factory or (lambda target: ScrapeLoop(target, database, index))
        self._discoveries = {
            config.job_name: [
                FileDiscovery(sd, base_dir=base_dir, filesystem=filesystem, clock=clock)
                for sd in config.file_sd_configs
            ]
            for config in self._configs
        }
        self.loops: dict[Target, ScrapeLoop] = {}
        self.target_sets: dict[str, TargetSet] = {}
        self._registered = False
        for config in self._configs:
            static = self._resolve(config, static_only=True)
            if static.errors:
                raise ValueError(f"scrape job {config.job_name}: {static.errors[0]}")

    @property
    def errors(self) -> list[str]:
        """Discovery files that cannot be read and targets that cannot be built."""
        files = [
            f"{path}: {error}" if not error.startswith(path) else error
            for discoveries in self._discoveries.values()
            for discovery in discoveries
            for path, error in discovery.errors.items()
        ]
        targets = [error for result in self.target_sets.values() for error in result.errors]
        return files + targets

    def sync(self) -> SyncResult:
        for discoveries in self._discoveries.values():
            for discovery in discoveries:
                discovery.poll()
        self.target_sets = {config.job_name: self._resolve(config) for config in self._configs}
        wanted = [t for result in self.target_sets.values() for t in result.targets]
        keep = set(wanted)
        stopped = [loop for target, loop in self.loops.items() if target not in keep]
        for loop in stopped:
            loop.stop()
            del self.loops[loop.target]
        started = []
        for target in wanted:
            if target not in self.loops:
                self.loops[target] = loop = self._new_loop(target)
                started.append(loop)
        if started or stopped or not self._registered:
            register_targets(self._database, wanted)
            self._registered = True
        return SyncResult(started, stopped)

    def _resolve(self, config: ScrapeConfig, static_only: bool = False) -> TargetSet:
        groups = static_groups(config)
        if not static_only:
            for discovery in self._discoveries[config.job_name]:
                groups.extend(discovery.groups())
        return resolve_targets(
            config, groups, self._interval, self._timeout, base_dir=self._base_dir
        )
