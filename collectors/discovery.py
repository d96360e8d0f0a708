"""file_sd_configs: target groups read from JSON and YAML files, as Prometheus reads them.

A file holds a list of ``{targets: [...], labels: {...}}``; each group gets
``__meta_filepath``. ``FileDiscovery.poll`` re-reads a file when its mtime or
size changes (and every file each ``refresh_interval``, as Prometheus does); a
file that turns bad keeps its last good groups and records the error, so a
half-written file never empties a job. Clock and filesystem are injected.
"""

from __future__ import annotations

import glob
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from pydantic import RootModel

from collectors.config import FileSDConfig, StaticConfig
from collectors.targets import TargetGroup
from promql.labels import make_labels
from store.configfile import ConfigError, Problem, YamlDocument, read_yaml, validate_model

FILEPATH_LABEL = "__meta_filepath"
Format = Literal["json", "yaml"]


class _Groups(RootModel[list[StaticConfig]]):
    pass


class _Verbatim(Mapping[str, str]):
    """An environment that leaves ``${NAME}`` as written: SD files are not templated."""

    def __getitem__(self, name: str) -> str:
        return "${" + name + "}"

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def format_of(path: str) -> Format | None:
    suffix = Path(path).suffix.lower()
    return "json" if suffix == ".json" else "yaml" if suffix in (".yml", ".yaml") else None


def parse_target_groups(text: str, format: Format, path: str) -> list[TargetGroup]:
    """The groups of one file, with ``__meta_filepath``; ConfigError names the file (and line)."""
    if format == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(
                [Problem(path, error.lineno, "", f"invalid JSON: {error.msg}")]
            ) from None
        document = YamlDocument(path, data)
    else:
        document = read_yaml(path, text=text, environ=_Verbatim())
    if document.data is None:
        document.data = []
    if not isinstance(document.data, list):
        raise ConfigError([document.problem([], "must be a list of target groups")])
    if any(group is None for group in document.data):
        raise ConfigError([document.problem([], "nil target group item found")])
    groups = validate_model(document, _Groups).root
    return [
        TargetGroup(
            tuple(group.targets),
            make_labels({**group.labels, FILEPATH_LABEL: path}),
            f"{path}:{index}",
        )
        for index, group in enumerate(groups)
    ]


class FileSystem(Protocol):
    def glob(self, pattern: str) -> list[str]: ...

    def stamp(self, path: str) -> tuple[int, int]:
        """What tells a changed file apart (mtime in ns, size); raises OSError."""
        ...

    def read_text(self, path: str) -> str: ...


class LocalFileSystem:
    def glob(self, pattern: str) -> list[str]:
        return sorted(glob.glob(pattern))

    def stamp(self, path: str) -> tuple[int, int]:
        status = os.stat(path)
        return status.st_mtime_ns, status.st_size

    def read_text(self, path: str) -> str:
        return Path(path).read_text(encoding="utf-8")


@dataclass
class _FileState:
    stamp: tuple[int, int] | None = None
    groups: list[TargetGroup] = field(default_factory=list)
    error: str | None = None


class FileDiscovery:
    """One ``file_sd_configs`` entry; call ``poll()`` often, it reads only what changed."""

    def __init__(
        self,
        config: FileSDConfig,
        *,
        base_dir: Path | None = None,
        filesystem: FileSystem | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        base = base_dir or Path.cwd()
        self.patterns = [
            name if Path(name).is_absolute() else str(base / name) for name in config.files
        ]
        self.refresh_interval = config.refresh_interval
        self._fs = filesystem or LocalFileSystem()
        self._clock = clock
        self._files: dict[str, _FileState] = {}
        self._last_full: float | None = None

    @property
    def errors(self) -> dict[str, str]:
        """The file that could not be read or parsed, by path, and why."""
        return {path: state.error for path, state in self._files.items() if state.error}

    def groups(self) -> list[TargetGroup]:
        """The current groups of every file, in file name order."""
        return [group for path in sorted(self._files) for group in self._files[path].groups]

    def poll(self) -> bool:
        """Look at the files again; True when the groups changed."""
        now = self._clock()
        full = self._last_full is None or now - self._last_full >= self.refresh_interval
        if full:
            self._last_full = now
        before = self.groups()
        paths = {path for pattern in self.patterns for path in self._fs.glob(pattern)}
        for gone in set(self._files) - paths:
            del self._files[gone]
        for path in sorted(paths):
            self._refresh_file(path, full)
        return self.groups() != before

    def _refresh_file(self, path: str, full: bool) -> None:
        state = self._files.setdefault(path, _FileState())
        try:
            stamp = self._fs.stamp(path)
        except OSError as error:
            state.error = error.strerror or str(error)
            return
        if stamp == state.stamp and not full:
            return
        format = format_of(path)
        try:
            if format is None:
                raise ConfigError([Problem(path, None, "", "not a .json, .yml or .yaml file")])
            text = self._fs.read_text(path)
            state.groups = parse_target_groups(text, format, path)
        except ConfigError as error:
            state.error = str(error)
        except (OSError, UnicodeDecodeError) as error:
            state.error = f"{path}: {getattr(error, 'strerror', None) or error}"
        else:
            state.error = None
        state.stamp = stamp
