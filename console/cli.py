"""The `vigil` command: one subcommand per process or tool, each a thin wrapper."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from console.cli_users import add_user_commands
from console.config import LoadedConfig, load_config
from store.configfile import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from collectors.importers.batches import ImportStats

Command = Callable[[argparse.Namespace], int]


def _load(arguments: argparse.Namespace) -> LoadedConfig:
    loaded: LoadedConfig = load_config(arguments.config)
    return loaded


def cmd_serve(arguments: argparse.Namespace) -> int:
    loaded = _load(arguments)
    if not arguments.dev:
        from console.metrics_dir import prepare_metrics_dir

        prepare_metrics_dir(loaded.config.storage.data_dir)  # before prometheus_client loads
    from console.server import serve

    serve(loaded, bind=arguments.bind, workers=arguments.workers, dev=arguments.dev)
    return 0


def cmd_agent(arguments: argparse.Namespace) -> int:
    from console.agent import run_agent

    return run_agent(_load(arguments))


def cmd_demo(arguments: argparse.Namespace) -> int:
    from console.demo import run_demo

    return run_demo(
        port=arguments.port,
        fault=arguments.fault,
        fault_delay=arguments.fault_delay,
        data_dir=arguments.data_dir,
    )


def cmd_check_config(arguments: argparse.Namespace) -> int:
    """Like promtool check config: the file, then every rule file it names."""
    from console.rules import check_rules

    loaded = load_config(arguments.file)
    config = loaded.config
    problems = check_rules(loaded.rule_paths()) if config.rule_files else []
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(
        f"{arguments.file}: OK — {len(config.scrape_configs)} scrape configs, "
        f"{len(config.health_checks)} health checks, {len(config.log_sources)} log sources, "
        f"{len(config.rule_files)} rule files, {len(config.alerting.receivers)} receivers"
    )
    return 0


def cmd_check_rules(arguments: argparse.Namespace) -> int:
    from console.rules import check_rules

    problems = check_rules(arguments.files)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(arguments.files)} rule file(s): OK")
    return 1 if problems else 0


def cmd_db_upgrade(arguments: argparse.Namespace) -> int:
    from console.server import migrate

    migrate(_load(arguments))
    print("database schema is up to date")
    return 0


def cmd_db_compact(arguments: argparse.Namespace) -> int:
    """Compact everything now: the head into chunks, and small chunks into full ones."""
    from store.compaction import compact
    from store.db import database_url, open_engine, upgrade, vacuum
    from store.status import store_stats

    storage = _load(arguments).config.storage
    engine = open_engine(database_url(storage), busy_timeout_seconds=storage.busy_timeout)
    upgrade(engine)
    report = compact(engine, until_ms=2**62, force_merge_before_ms=2**62)
    if arguments.vacuum:
        vacuum(engine)
    stats = store_stats(engine)
    per_sample = stats.bytes_on_disk / stats.samples if stats.samples else 0.0
    print(
        f"compacted {report.batches_compacted} head batches and merged "
        f"{report.chunks_merged} small chunks, writing {report.chunks_written} chunks; "
        f"store: {stats.series} series, {stats.samples} samples, {stats.bytes_on_disk} bytes "
        f"({per_sample:.2f} bytes per sample)"
    )
    engine.dispose()
    return 0


def cmd_promql_test(arguments: argparse.Namespace) -> int:
    from console.promqltest import run_files

    return run_files(arguments.files)


def _import_engine(arguments: argparse.Namespace) -> Engine:
    """The configured store, migrated: an import may be the first thing run on it."""
    from store.db import database_url, open_engine, upgrade

    storage = _load(arguments).config.storage
    engine = open_engine(database_url(storage), busy_timeout_seconds=storage.busy_timeout)
    upgrade(engine)
    return engine


def _import_progress(
    total: float | None, position: Callable[[], float], unit: str = "bytes"
) -> Callable[..., None]:
    """A progress line redrawn on stderr at most 5 times a second, only on a terminal."""
    import time

    from collectors.importers.summary import progress_line

    shown = [0.0]

    def draw(stats: ImportStats, final: bool = False) -> None:
        now = time.monotonic()
        if not sys.stderr.isatty() or (now - shown[0] < 0.2 and not final):
            return
        shown[0] = now
        end = "\n" if final else ""
        print(f"\r\033[K{progress_line(stats, position(), total, unit)}", end=end, file=sys.stderr)

    return draw


def _import_labels(pairs: Sequence[str]) -> dict[str, str]:
    labels = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise SystemExit(f"vigil import: --label wants NAME=VALUE, got {pair!r}")
        labels[name] = value
    return labels


def cmd_import_openmetrics(arguments: argparse.Namespace) -> int:
    """Like promtool tsdb create-blocks-from openmetrics, straight into the store."""
    import io
    import os
    import time

    from collectors.importers.openmetrics import OpenMetricsImportError, import_openmetrics
    from collectors.importers.summary import summary_line
    from store.series import SeriesIndex

    labels = _import_labels(arguments.label)
    engine = None if arguments.dry_run else _import_engine(arguments)
    started = time.monotonic()
    passes = [True, False] if arguments.validate_first and not arguments.dry_run else []
    passes.append(arguments.dry_run)
    try:
        for dry_run in passes:
            with open(arguments.file, "rb") as raw:
                draw = _import_progress(os.fstat(raw.fileno()).st_size, raw.tell)
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                stats = import_openmetrics(
                    text, engine, SeriesIndex(), draw,
                    batch_size=arguments.batch_size, labels=labels, dry_run=dry_run,
                )  # fmt: skip
                draw(stats, final=True)
    except OpenMetricsImportError as error:
        print(f"{arguments.file}:{error.line}: {error.reason}", file=sys.stderr)
        if error.stats.batches and not dry_run:
            print(
                f"{error.stats.samples:,} samples in {error.stats.batches:,} batches before "
                "the error were committed; the batch with the error was not",
                file=sys.stderr,
            )
        return 1
    except (OSError, UnicodeDecodeError) as error:
        print(f"{arguments.file}: {error}", file=sys.stderr)
        return 1
    finally:
        if engine is not None:
            engine.dispose()
    print(summary_line(stats, time.monotonic() - started, dry_run=arguments.dry_run))
    return 0


def cmd_import_prometheus(arguments: argparse.Namespace) -> int:
    """Copy raw samples of the matched series from a running Prometheus."""
    import time

    from collectors.importers.prometheus import (
        PrometheusImportError,
        connect,
        default_slice_ms,
        import_prometheus,
        parse_time,
    )
    from collectors.importers.summary import summary_line
    from promql.durations import parse_duration
    from store.series import SeriesIndex

    try:
        now = time.time()
        start_ms = round(parse_time(arguments.since, now) * 1000)
        end_ms = round(parse_time(arguments.until, now) * 1000)
        step = parse_duration(arguments.step)
        slice_ms = (
            round(parse_duration(arguments.slice) * 1000)
            if arguments.slice
            else default_slice_ms(step)
        )
    except ValueError as error:
        print(f"vigil import prometheus: {error}", file=sys.stderr)
        return 2
    engine = _import_engine(arguments)
    started = time.monotonic()
    latest = [float(start_ms)]

    def position() -> float:
        return latest[0] - start_ms

    draw = _import_progress(max(end_ms - start_ms, 1), position, "ms")

    def progress(stats: ImportStats) -> None:
        latest[0] = float(stats.max_time_ms or start_ms)
        draw(stats)

    try:
        stats = import_prometheus(
            connect(arguments.url), arguments.match, start_ms, end_ms, engine, SeriesIndex(),
            progress, slice_ms=slice_ms, batch_size=arguments.batch_size,
        )  # fmt: skip
    except (PrometheusImportError, ValueError) as error:
        print(f"vigil import prometheus: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    latest[0] = float(end_ms)
    draw(stats, final=True)
    print(summary_line(stats, time.monotonic() - started))
    return 0


def _add_import_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``vigil import openmetrics|prometheus``: backfill history into the store."""
    imports = commands.add_parser("import", help="backfill history into the store")
    kinds = imports.add_subparsers(dest="what", required=True)
    om = kinds.add_parser(
        "openmetrics",
        help="import an OpenMetrics file (timestamps required, ends with # EOF)",
        description="Reads the input of promtool tsdb create-blocks-from openmetrics, "
        "streaming, and commits it in batches. On a malformed line it stops with "
        "FILE:LINE: and the batches before it stay committed (use --validate-first "
        "for all-or-nothing).",
    )
    om.add_argument("file")
    om.add_argument("--label", action="append", default=[], metavar="NAME=VALUE",
                    help="label to add to every series (repeatable)")  # fmt: skip
    om.add_argument("--batch-size", type=int, default=50_000, help="samples per commit")
    om.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    om.add_argument("--validate-first", action="store_true",
                    help="read the file twice: write only if all of it is valid")  # fmt: skip
    om.set_defaults(handler=cmd_import_openmetrics)
    prom = kinds.add_parser(
        "prometheus",
        help="copy raw samples from a running Prometheus",
        description="Fetches raw samples (range-vector queries, not resampled steps) "
        "in time slices, oldest first.",
    )
    prom.add_argument("--url", required=True, help="Prometheus base URL")
    prom.add_argument("--match", action="append", required=True, metavar="SELECTOR",
                      help="series selector (repeatable)")  # fmt: skip
    prom.add_argument("--since", default="6h",
                      help="start: a duration ago (6h), unix seconds or RFC 3339")  # fmt: skip
    prom.add_argument("--until", default="now", help="end: now, a duration ago, or a time")
    prom.add_argument("--step", default="15s",
                      help="the source's scrape interval; a slice is 720 steps")  # fmt: skip
    prom.add_argument("--slice", help="time slice per query (overrides the --step sizing)")
    prom.add_argument("--batch-size", type=int, default=50_000, help="samples per commit")
    prom.set_defaults(handler=cmd_import_prometheus)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description=__doc__)
    parser.add_argument(
        "--config", help="configuration file (default ./vigil.yml, or $VIGIL_CONFIG)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the console and REST API under gunicorn")
    serve.add_argument("--bind", help="host:port (default from server.bind)")
    serve.add_argument("--workers", type=int, help="gunicorn worker processes")
    serve.add_argument("--dev", action="store_true", help="Flask's development server")
    serve.set_defaults(handler=cmd_serve)

    agent = commands.add_parser("agent", help="run scrapes, checks, rules and notifications")
    agent.set_defaults(handler=cmd_agent)

    demo = commands.add_parser("demo", help="a simulated fleet with agent and console")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--fault", help="inject a fault after --fault-delay")
    demo.add_argument("--fault-delay", default="60s", help="duration before the fault starts")
    demo.add_argument("--data-dir", default="var/demo")
    demo.set_defaults(handler=cmd_demo)

    check = commands.add_parser("check", help="validate files").add_subparsers(
        dest="what", required=True
    )
    check_config = check.add_parser("config", help="validate a vigil.yml")
    check_config.add_argument("file")
    check_config.set_defaults(handler=cmd_check_config)
    check_rules = check.add_parser("rules", help="validate Prometheus rule files")
    check_rules.add_argument("files", nargs="+")
    check_rules.set_defaults(handler=cmd_check_rules)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="what", required=True
    )
    db_upgrade = db.add_parser("upgrade", help="apply migrations")
    db_upgrade.set_defaults(handler=cmd_db_upgrade)
    db_compact = db.add_parser("compact", help="compact all samples into chunks now")
    db_compact.add_argument("--vacuum", action="store_true", help="then give free space back")
    db_compact.set_defaults(handler=cmd_db_compact)

    promql_test = commands.add_parser("promql-test", help="run PromQL test scripts")
    promql_test.add_argument("files", nargs="+")
    promql_test.set_defaults(handler=cmd_promql_test)
    _add_import_commands(commands)
    add_user_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    handler: Command = arguments.handler
    try:
        return handler(arguments)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
