"""How far each log source has read, kept in SQL whatever store holds the lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select

from store.models import LogSourcePosition, table_of
from store.sqlutil import insert_ignoring_conflicts

POSITIONS = table_of(LogSourcePosition)


@dataclass(frozen=True, slots=True)
class Position:
    """A file's inode and the byte offset read up to, or a pull source's cursor."""

    inode: int = 0
    offset: int = 0
    cursor: str = ""


def load_positions(database: Engine, source: str) -> dict[str, Position]:
    with database.connect() as connection:
        rows = connection.execute(
            select(
                POSITIONS.c.key, POSITIONS.c.inode, POSITIONS.c.offset, POSITIONS.c.cursor
            ).where(POSITIONS.c.source == source)
        )
        return {key: Position(inode, offset, cursor) for key, inode, offset, cursor in rows}


def save_positions(connection: Connection, source: str, positions: Mapping[str, Position]) -> None:
    """Replace the source's positions (in the caller's transaction, with the lines read)."""
    if not positions:
        return
    connection.execute(
        delete(POSITIONS).where(POSITIONS.c.source == source, POSITIONS.c.key.in_(list(positions)))
    )
    insert_ignoring_conflicts(
        connection,
        POSITIONS,
        [
            {
                "source": source,
                "key": key,
                "inode": position.inode,
                "offset": position.offset,
                "cursor": position.cursor,
            }
            for key, position in positions.items()
        ],
    )
