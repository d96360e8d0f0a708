"""What a log source is: given where it stopped, it reads on and says where it stops now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from collectors.logs.parsing import LineParser
from store.logs.positions import Position
from store.logs.record import LogRecord

if TYPE_CHECKING:
    from collectors.config import LogSourceConfig


class LogSourceError(Exception):
    """The source could not be read this time (the tail job records it and tries again)."""


@dataclass(frozen=True, slots=True)
class SourceRead:
    records: list[LogRecord] = field(default_factory=list)
    positions: dict[str, Position] = field(default_factory=dict)
    """Only the positions that moved; stored with the records, in one transaction."""


class LogSource(Protocol):
    def read(self, positions: Mapping[str, Position]) -> SourceRead: ...


class SourceFactory(Protocol):
    def __call__(self, config: LogSourceConfig, parse: LineParser) -> LogSource: ...
