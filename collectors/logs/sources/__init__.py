"""Log sources, one registry: the YAML ``type:`` is the module name and the key here."""

from __future__ import annotations

from collectors.logs.sources.base import LogSource, LogSourceError, SourceFactory, SourceRead
from collectors.logs.sources.elasticsearch import ElasticsearchSource
from collectors.logs.sources.file import FileSource
from collectors.logs.sources.http import HttpSource

LOG_SOURCES: dict[str, SourceFactory] = {
    "file": FileSource,
    "http": HttpSource,
    "elasticsearch": ElasticsearchSource,
}

__all__ = ["LOG_SOURCES", "LogSource", "LogSourceError", "SourceRead"]
