"""The agent's job builders: configuration in, periodic jobs out.

Each builder owns one family of work. Builders register what they will work on
(targets, checks) in the store so the console shows it before the first run.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from alerts.manager import RuleGroup, generator_urls, load_groups, retire_removed_rules
from alerts.outbox import deliver_due
from alerts.rule_loop import GroupLoop, datasource_query_func, expression_error
from alerts.rule_status import ReloadWatcher
from analysis.analyze import analyze
from analysis.metrics import score_samples
from collectors.check_loop import CheckLoop, register_checks
from collectors.logs.build import build_source
from collectors.logs.metrics import MESSAGES_TOTAL, PUSH_SOURCE, CounterRule
from collectors.logs.tail import REFRESH_SECONDS, LogTail
from collectors.scrape_loop import ScrapeLoop
from collectors.scrape_manager import ScrapeManager
from console.agent import AgentResources, PeriodicJob
from console.config import LoadedConfig
from promql.engine import Engine as QueryEngine
from store.compaction import compact
from store.datasources import Datasource, LocalDatasource, build_datasources
from store.db import write_transaction
from store.headcache import HeadCache
from store.logs.backend import LogStore
from store.logs.config import LogsConfig
from store.logs.counters import refresh_counters
from store.logs.open import open_log_store
from store.querier import StoreQuerier
from store.retention import delete_samples_before, enforce_size
from store.samples import append_samples

log = logging.getLogger("vigil.agent")

DELIVERY_INTERVAL_SECONDS = 1.0
RELOAD_WATCH_INTERVAL_SECONDS = 1.0
DISCOVERY_INTERVAL_SECONDS = 5.0
RETENTION_INTERVAL_SECONDS = 300.0
COMPACTION_INTERVAL_SECONDS = 60.0
HEAD_KEEP_SECONDS = 30
FORCE_MERGE_AFTER_SECONDS = 2 * 3600


def _scrape_job(loop: ScrapeLoop) -> PeriodicJob:
    target = loop.target
    return PeriodicJob(
        f"scrape:{target.job}:{target.url}", "scrape", target.scrape_interval, loop.run_once
    )


def scrape_jobs(loaded: LoadedConfig, resources: AgentResources) -> Sequence[PeriodicJob]:
    """One job per target; with file_sd, a discovery job adds and removes them as files change."""
    settings = loaded.config.global_
    database, index, writer = resources.database, resources.index, resources.writer
    manager = ScrapeManager(
        loaded.config.scrape_configs,
        settings.scrape_interval,
        settings.scrape_timeout,
        database,
        index,
        base_dir=loaded.base_dir,
        loop_factory=lambda target: ScrapeLoop(target, database, index, writer=writer),
    )
    jobs = [_scrape_job(loop) for loop in manager.sync().started]

    def rediscover() -> None:
        change = manager.sync()
        resources.jobs.remove_jobs([_scrape_job(loop).id for loop in change.stopped])
        resources.jobs.add_jobs([_scrape_job(loop) for loop in change.started])
        for error in manager.errors:
            log.warning("scrape discovery: %s", error)

    if any(config.file_sd_configs for config in loaded.config.scrape_configs):
        jobs.append(
            PeriodicJob("discovery:file_sd", "discovery", DISCOVERY_INTERVAL_SECONDS, rediscover)
        )
    return jobs


def check_jobs(loaded: LoadedConfig, resources: AgentResources) -> Sequence[PeriodicJob]:
    """One job per check. ``command`` checks run only when the config allows them: loading
    refuses them otherwise, and this guards configurations built without loading."""
    allowed = loaded.config.allow_command_checks
    checks = [c for c in loaded.config.health_checks if allowed or c.type != "command"]
    register_checks(resources.database, checks)
    default_interval = loaded.config.global_.check_interval
    return [
        PeriodicJob(
            f"check:{check.name}",
            "check",
            check.interval or default_interval,
            CheckLoop(check, resources.database, resources.index, writer=resources.writer).run_once,
        )
        for check in checks
    ]


RULE_HEAD_LISTING_SECONDS = 0.5


def rule_querier(resources: AgentResources) -> StoreQuerier:
    """The querier rule groups share: a group's selects reuse one listing of the head."""
    return StoreQuerier(
        resources.database, head_cache=HeadCache(listing_seconds=RULE_HEAD_LISTING_SECONDS)
    )


def prepare_rule_queries(
    groups: Sequence[RuleGroup],
    datasources: Mapping[str, Datasource],
    datasource_of: Callable[[RuleGroup], str],
) -> None:
    """Let each datasource resolve its rules' selectors once, at load: the first
    evaluation then finds the store's series already looked up. Only a head start:
    a failure here is logged and evaluation looks them up itself."""
    expressions: dict[str, list[str]] = defaultdict(list)
    for group in groups:
        expressions[datasource_of(group)].extend(rule.expr for rule in group.rules)
    for name, queries in expressions.items():
        try:
            datasources[name].prepare(queries)
        except Exception as error:  # an optimisation must not stop the rules loading
            log.warning("could not resolve the selectors of rules on %s: %s", name, error)


def rule_jobs(loaded: LoadedConfig, resources: AgentResources) -> Sequence[PeriodicJob]:
    config = loaded.config
    groups = load_groups(
        loaded.rule_paths(),
        default_interval=config.global_.evaluation_interval,
        validate_expr=expression_error,
    )
    retire_removed_rules(resources.database, groups, time.time())
    external_url = config.server.external_url or f"http://{config.server.bind}"
    local = LocalDatasource(QueryEngine(config.query.engine_options()), rule_querier(resources))
    datasources = build_datasources(config.datasources, local)
    sources = dict(loaded.rule_sources())

    def datasource_of(group: RuleGroup) -> str:
        return sources.get(group.file, local.name)

    prepare_rule_queries(groups, datasources, datasource_of)
    links = generator_urls(groups, external_url)
    return [
        PeriodicJob(
            f"rules:{group.key}",
            "rules",
            group.interval,
            GroupLoop(
                group,
                resources.database,
                resources.index,
                datasource_query_func(datasources[datasource_of(group)]),
                config.alerting,
                external_labels=config.global_.external_labels,
                external_url=external_url,
                generator_urls=links,
                on_enqueued=resources.notifications_due.set,
                clock=resources.clock,
            ).run_once,
        )
        for group in groups
    ]


def delivery_jobs(loaded: LoadedConfig, resources: AgentResources) -> Sequence[PeriodicJob]:
    """Deliver due rows every second, and at once when a rule job has just enqueued some.

    Each run delivers, then waits for the wake-up until shortly before the next
    run is due, so a new notification leaves within milliseconds of its
    dispatch rather than up to a second later.
    """
    alerting = loaded.config.alerting
    wakeup = resources.notifications_due

    def deliver() -> None:
        deadline = time.monotonic() + DELIVERY_INTERVAL_SECONDS * 0.9
        for _ in range(1000):  # bounded: each round waits or ends the run
            wakeup.clear()
            deliver_due(resources.database, alerting, time.time())
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not wakeup.wait(remaining):
                return

    return [PeriodicJob("deliver", "deliver", DELIVERY_INTERVAL_SECONDS, deliver)]


def compaction_jobs(loaded: LoadedConfig, resources: AgentResources) -> Sequence[PeriodicJob]:
    """Keep the head short (queries decode all of it) and chunks full-sized.

    An agent with a writer compacts through it (``store.writer.Compactor``: a
    compaction thread encodes, the writer applies each step in a group
    commit), so there is no separate job.
    """
    if resources.writer is not None:
        return []

    def compact_store() -> None:
        now_ms = int(time.time() * 1000)
        compact(
            resources.database,
            until_ms=now_ms - HEAD_KEEP_SECONDS * 1000,
            force_merge_before_ms=now_ms - FORCE_MERGE_AFTER_SECONDS * 1000,
        )

    return [PeriodicJob("compaction", "compaction", COMPACTION_INTERVAL_SECONDS, compact_store)]


def retention_jobs(loaded: LoadedConfig, resources: AgentResources) -> Sequence[PeriodicJob]:
    storage = loaded.config.storage

    def apply_retention() -> None:
        delete_samples_before(resources.database, int((time.time() - storage.retention) * 1000))
        if storage.retention_size is not None:
            enforce_size(resources.database, storage.retention_size)

    return [PeriodicJob("retention", "retention", RETENTION_INTERVAL_SECONDS, apply_retention)]


def reload_jobs(loaded: LoadedConfig, resources: AgentResources) -> Sequence[PeriodicJob]:
    """Reload when the console asks (``POST /-/reload``) or a rule file changes."""
    watcher = ReloadWatcher(resources.database, loaded.rule_paths, resources.reload)
    return [PeriodicJob("reload-watch", "reload", RELOAD_WATCH_INTERVAL_SECONDS, watcher.check)]


def bottleneck_jobs(loaded: LoadedConfig, resources: AgentResources) -> Sequence[PeriodicJob]:
    """With ``analysis.score_interval``, store each service's bottleneck score as a series."""
    config = loaded.config
    settings = config.analysis
    if settings.score_interval is None:
        return []
    local = LocalDatasource(
        QueryEngine(config.query.engine_options()), StoreQuerier(resources.database)
    )

    def score() -> None:
        end = resources.clock()
        report = analyze(local.range_query, settings, end - settings.score_window, end)
        with write_transaction(resources.database) as connection:
            append_samples(connection, resources.index, score_samples(report))

    return [PeriodicJob("bottlenecks", "analysis", settings.score_interval, score)]


_log_stores: dict[tuple[int, str], LogStore] = {}


def _log_store(config: LogsConfig, resources: AgentResources) -> LogStore:
    """One log store per database and configuration, kept across reloads (it may own a thread)."""
    key = (id(resources.database), config.model_dump_json())
    if key not in _log_stores:
        _log_stores[key] = open_log_store(config, resources.database)
    return _log_stores[key]


def log_jobs(loaded: LoadedConfig, resources: AgentResources) -> Sequence[PeriodicJob]:
    """A tail job per log source, and retention of stored lines by age."""
    config = loaded.config
    store = _log_store(config.logs, resources)
    rules = [CounterRule.of(counter) for counter in config.logs.counters]
    jobs = [
        PeriodicJob(
            f"logs:{source.name}",
            "logs",
            source.interval,
            LogTail(
                source.name,
                build_source(source, base_dir=loaded.base_dir, clock=resources.clock),
                store,
                resources.database,
                resources.index,
                rules=rules,
                clock=resources.clock,
            ).run_once,
        )
        for source in config.log_sources
    ]

    def apply_retention() -> None:
        store.delete_before(int((resources.clock() - config.logs.retention) * 1000))

    def restate_push_counters() -> None:
        # Pushed lines are counted by the console as they arrive; the agent
        # restates those counters, as a tail job does its own, so rate() sees them.
        with write_transaction(resources.database) as connection:
            refresh_counters(
                connection,
                resources.index,
                {MESSAGES_TOTAL},
                PUSH_SOURCE,
                int(resources.clock() * 1000),
            )

    jobs.append(
        PeriodicJob("logs:retention", "retention", RETENTION_INTERVAL_SECONDS, apply_retention)
    )
    jobs.append(PeriodicJob("logs:push-counters", "logs", REFRESH_SECONDS, restate_push_counters))
    return jobs
