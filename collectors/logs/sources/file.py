"""Tailing files: globs, rotation (rename + new file), truncation, offsets that survive restarts.

Each matched path has a position: the inode it was reading and the byte
offset of the end of the last line handed on. A path whose inode changed was
rotated: the old inode is looked up among the matched files and in the
path's directory, and its remainder is read before the new file. A file
shorter than its offset was truncated and is read from the start. Only whole
lines are consumed; with ``multiline_start`` the last entry is held back one
poll in case its continuation lines are still being written.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from collectors.logs.multiline import join_lines
from collectors.logs.parsing import LineParser
from collectors.logs.sources.base import SourceRead
from store.logs.positions import Position
from store.logs.record import LogRecord

if TYPE_CHECKING:
    from collectors.config import LogSourceConfig


@dataclass(frozen=True, slots=True)
class _Chunk:
    entries: list[str]
    end: int
    """Offset up to which entries were handed on."""
    complete: bool
    """Every whole line up to the end of the file was handed on."""


def _find_inode(directory: str, inode: int) -> str | None:
    """A file in ``directory`` with this inode (where a rotated file was renamed to)."""
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and entry.inode() == inode:
                    return entry.path
    except OSError:
        return None
    return None


class FileSource:
    def __init__(
        self,
        config: LogSourceConfig,
        parse: LineParser,
        *,
        base_dir: Path | None = None,
    ) -> None:
        self.patterns = [
            pattern if Path(pattern).is_absolute() else str((base_dir or Path.cwd()) / pattern)
            for pattern in config.paths
        ]
        self.parse = parse
        self.max_bytes = config.max_read_bytes
        self.start = re.compile(config.multiline_start) if config.multiline_start else None
        self._held: dict[int, tuple[int, int]] = {}
        """Per inode, the (start, end) of a trailing entry held back last poll."""

    def paths(self) -> list[str]:
        found: set[str] = set()
        for pattern in self.patterns:
            found.update(glob.glob(pattern) if glob.has_magic(pattern) else [pattern])
        return sorted(path for path in found if os.path.isfile(path))

    def read(self, positions: Mapping[str, Position]) -> SourceRead:
        records: list[LogRecord] = []
        moved: dict[str, Position] = {}
        inodes: dict[str, int] = {}
        for path in self.paths():
            try:
                inodes[path] = os.stat(path).st_ino
            except OSError:
                continue  # gone between the glob and now
        matched = set(inodes.values())
        by_inode = {position.inode: position for position in positions.values()}
        for path, inode in inodes.items():
            stored = positions.get(path)
            if stored is not None and stored.inode != inode and stored.inode not in matched:
                old = _find_inode(os.path.dirname(path), stored.inode)
                if old is not None:
                    chunk = self._read(old, stored.inode, stored.offset)
                    records.extend(map(self.parse, chunk.entries))
                    if not chunk.complete:
                        moved[path] = Position(stored.inode, chunk.end)
                        continue
                stored = None
            if stored is None or stored.inode != inode:
                stored = by_inode.get(inode, Position(inode, 0))
            chunk = self._read(path, inode, stored.offset)
            records.extend(map(self.parse, chunk.entries))
            if positions.get(path) != Position(inode, chunk.end):
                moved[path] = Position(inode, chunk.end)
        return SourceRead(records, moved)

    def _read(self, path: str, inode: int, offset: int) -> _Chunk:
        try:
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size < offset:
                    offset = 0  # truncated in place: start again
                handle.seek(offset)
                data = handle.read(self.max_bytes)
        except OSError:
            return _Chunk([], offset, True)
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) >= self.max_bytes:
            cut = len(data)  # one line longer than a read: hand it on in pieces
        body = data[:cut]
        whole = offset + cut
        at_eof = offset + len(data) >= size
        if self.start is None:
            # One entry a line: only the end of the chunk matters, so decode it at once.
            texts = body.decode("utf-8", errors="replace").split("\n")
            kept = [text.rstrip("\r") for text in texts if text.strip()]
            return _Chunk(kept, whole, at_eof)
        parts = body.split(b"\n")
        if body.endswith(b"\n"):
            parts.pop()
        lines: list[tuple[str, int]] = []
        position = offset
        for raw in parts if cut else []:
            position += len(raw) + 1
            text = raw.decode("utf-8", errors="replace").rstrip("\r")
            if text.strip():
                lines.append((text, min(position, offset + cut)))
        entries = join_lines(lines, self.start)
        if entries and at_eof and entries[-1].end == whole:
            first = entries[-2].end if len(entries) > 1 else offset
            if self._held.get(inode) != (first, whole):
                self._held[inode] = (first, whole)
                entries = entries[:-1]
            else:
                del self._held[inode]
        end = entries[-1].end if entries else offset
        if not lines:
            end = whole  # nothing but blank lines
        return _Chunk([entry.text for entry in entries], end, at_eof and end == whole)
