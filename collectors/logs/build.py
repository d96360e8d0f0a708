"""From a ``log_sources`` entry to a running source: its plug-in with its parser."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from collectors.config import LogSourceConfig
from collectors.logs.parsing import LineParser, line_parser
from collectors.logs.sources import LOG_SOURCES, LogSource


def source_parser(config: LogSourceConfig, *, clock: Callable[[], float] = time.time) -> LineParser:
    return line_parser(
        config.parser,
        source=config.name,
        labels=config.labels,
        pattern=re.compile(config.pattern) if config.pattern else None,
        clock=clock,
    )


def build_source(
    config: LogSourceConfig,
    *,
    base_dir: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> LogSource:
    """The source plug-in named by ``type``; relative file paths are relative to ``base_dir``."""
    if base_dir is not None and config.paths:
        paths = [
            str(base_dir / path) if not Path(path).is_absolute() else path for path in config.paths
        ]
        config = config.model_copy(update={"paths": paths})
    return LOG_SOURCES[config.type](config, source_parser(config, clock=clock))
