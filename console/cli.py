"""The `vigil` command: one subcommand per process or tool, each a thin wrapper."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from console.config import LoadedConfig, load_config
from store.configfile import ConfigError

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
    from store.db import database_url, open_engine, upgrade
    from store.status import store_stats

    storage = _load(arguments).config.storage
    engine = open_engine(database_url(storage), busy_timeout_seconds=storage.busy_timeout)
    upgrade(engine)
    report = compact(engine, until_ms=2**62, force_merge_before_ms=2**62)
    if arguments.vacuum:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM")
    stats = store_stats(engine)
    per_sample = stats.bytes_on_disk / stats.samples if stats.samples else 0.0
    print(
        f"compacted {report.batches_compacted} head batches into chunks, merged "
        f"{report.chunks_merged} chunks into {report.chunks_written}; "
        f"store: {stats.series} series, {stats.samples} samples, {stats.bytes_on_disk} bytes "
        f"({per_sample:.2f} bytes per sample)"
    )
    engine.dispose()
    return 0


def cmd_promql_test(arguments: argparse.Namespace) -> int:
    from console.promqltest import run_files

    return run_files(arguments.files)


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
