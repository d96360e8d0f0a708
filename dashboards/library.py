"""The dashboards Vigil knows: built-in ones shipped with the package, and the user's folder.

Files are read when first asked for and again whenever their modification time
or size changes (checked on each request: a stat per file is cheap). A file that
cannot be used is kept as a ``DashboardFile`` with its problems at file:line, so
the list still shows it and only that dashboard shows the error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dashboards.config import DashboardsConfig
from dashboards.model import Dashboard
from dashboards.panels import PANEL_TYPES
from dashboards.variables import references
from promql.errors import PromQLError
from promql.parser import parse_expr
from store.configfile import ConfigError, Problem, YamlDocument, read_yaml, validate_model

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class DashboardFile:
    uid: str
    path: Path
    builtin: bool
    stamp: tuple[float, int]
    dashboard: Dashboard | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.dashboard.title if self.dashboard else self.uid

    @property
    def error(self) -> str | None:
        return "\n".join(str(problem) for problem in self.problems) or None


def load_dashboard_file(
    path: Path, *, builtin: bool, stamp: tuple[float, int] = (0.0, 0)
) -> DashboardFile:
    """Read, type and check one file; never raises for a bad file."""
    default_uid = path.stem
    try:
        # Dashboards take no environment variables: ``${var}`` is a dashboard variable,
        # so every ``$`` is escaped from read_yaml's interpolation (``$$`` reads as ``$``).
        text = path.read_text(encoding="utf-8")
        document = read_yaml(path, environ={}, text=text.replace("$", "$$"))
        dashboard = validate_model(document, Dashboard)
        problems = list(check_dashboard(dashboard, document))
    except (OSError, UnicodeDecodeError) as error:
        return DashboardFile(
            default_uid, path, builtin, stamp, None, [Problem(str(path), None, "", str(error))]
        )
    except ConfigError as error:
        return DashboardFile(default_uid, path, builtin, stamp, None, error.problems)
    if problems:
        return DashboardFile(dashboard.uid or default_uid, path, builtin, stamp, None, problems)
    return DashboardFile(dashboard.uid or default_uid, path, builtin, stamp, dashboard)


def check_dashboard(dashboard: Dashboard, document: YamlDocument) -> Iterator[Problem]:
    """What types cannot say: known panel types, and queries that parse."""
    for row_index, row in enumerate(dashboard.rows):
        for panel_index, panel in enumerate(row.panels):
            path: list[str | int] = ["rows", row_index, "panels", panel_index]
            if panel.type not in PANEL_TYPES:
                yield document.problem(
                    [*path, "type"],
                    f'unknown panel type "{panel.type}"; known: {", ".join(sorted(PANEL_TYPES))}',
                )
                continue
            if PANEL_TYPES[panel.type].query_kind == "logs":
                continue
            for query_index, query in enumerate(panel.queries):
                if references(query.expr):
                    continue  # checked when the variables have values
                try:
                    parse_expr(query.expr)
                except PromQLError as error:
                    yield document.problem([*path, "queries", query_index, "expr"], str(error))


class DashboardLibrary:
    """Every dashboard by uid; a user file with a built-in's uid replaces the built-in."""

    def __init__(
        self, config: DashboardsConfig, base_dir: Path, *, builtin_dir: Path = BUILTIN_DIR
    ):
        folder = Path(config.path) if config.path else None
        if folder is not None and not folder.is_absolute():
            folder = base_dir / folder
        self._folders = [(builtin_dir, True)] if config.builtin else []
        if folder is not None:
            self._folders.append((folder, False))
        self._cache: dict[Path, DashboardFile] = {}
        self._lock = threading.Lock()

    def dashboards(self) -> list[DashboardFile]:
        """Every dashboard, current with the files on disk, sorted by title."""
        by_uid: dict[str, DashboardFile] = {}
        with self._lock:
            seen: set[Path] = set()
            for folder, builtin in self._folders:
                for path in _files(folder):
                    seen.add(path)
                    loaded = self._current(path, builtin)
                    if loaded is not None:
                        by_uid[loaded.uid] = loaded
            for gone in set(self._cache) - seen:
                del self._cache[gone]
        return sorted(by_uid.values(), key=lambda item: (item.title.lower(), item.uid))

    def get(self, uid: str) -> DashboardFile | None:
        return next((item for item in self.dashboards() if item.uid == uid), None)

    def _current(self, path: Path, builtin: bool) -> DashboardFile | None:
        try:
            status = path.stat()
        except OSError:
            return None
        stamp = (status.st_mtime, status.st_size)
        cached = self._cache.get(path)
        if cached is None or cached.stamp != stamp:
            cached = load_dashboard_file(path, builtin=builtin, stamp=stamp)
            self._cache[path] = cached
        return cached


def _files(folder: Path) -> list[Path]:
    try:
        return sorted(
            path for path in folder.iterdir() if path.suffix in SUFFIXES and path.is_file()
        )
    except OSError:
        return []
