"""Compiling a query tree to SQL: FTS5 MATCH on SQLite, tsquery on PostgreSQL, WHERE on fields.

On SQLite a subtree of terms joined by AND/OR becomes one FTS5 MATCH
expression (one index lookup); NOT and fields become ordinary SQL around it.
On PostgreSQL each term is ``search @@ phraseto_tsquery('simple', term)`` and
the planner combines the GIN lookups.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import column

from store.logs.query import And, Field, MatchAll, Node, Not, Or, Text, levels_matching
from store.logs.record import LEVELS
from store.logs.schema import FTS_TABLE, SEARCH_COLUMN

_FTS = table(FTS_TABLE, column("rowid"))


def _fts_string(node: Node) -> str | None:
    """The FTS5 expression for a subtree of terms only, or None if it holds anything else."""
    if isinstance(node, Text):
        return 'message : "' + node.text.replace('"', '""') + '"'
    if isinstance(node, And | Or):
        parts = [_fts_string(item) for item in node.items]
        if any(part is None for part in parts):
            return None
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(part for part in parts if part is not None) + ")"
    return None


def _field(lines: Table, node: Field, dialect: str) -> ColumnElement[bool]:
    if node.name == "level":
        wanted = [LEVELS.index(level) for level in levels_matching(node.op, node.value)]
        return lines.c.level.in_(wanted) if wanted else false()
    if node.name == "trace_id" and dialect == "sqlite" and node.value:
        # Found through the FTS5 table's trace_id column, then compared exactly.
        phrase = 'trace_id : "' + node.value.replace('"', '""') + '"'
        matched = select(_FTS.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(phrase))
        return and_(lines.c.id.in_(matched), lines.c.trace_id == node.value)
    if node.name in ("service", "trace_id", "source"):
        return lines.c[node.name] == node.value
    if dialect == "postgresql":
        return lines.c.fields.cast(JSONB).op("->>")(bindparam(None, node.name)) == node.value
    path = '$."' + node.name.replace('"', '\\"') + '"'
    return func.json_extract(lines.c.fields, path) == node.value


def has_text(node: Node) -> bool:
    """Whether the query searches the message (and so the full-text index)."""
    if isinstance(node, Text):
        return True
    if isinstance(node, And | Or):
        return any(has_text(item) for item in node.items)
    return isinstance(node, Not) and has_text(node.item)


def compile_where(
    node: Node, lines: Table, dialect: str, *, min_id: int | None = None
) -> ColumnElement[bool]:
    """A WHERE clause on ``log_lines`` selecting what the query selects.

    ``min_id`` (SQLite) limits full-text lookups to rows from that id on: correct
    only for a caller that considers no row below it, and much faster for a
    common word, whose matches FTS5 would otherwise list in full.
    """
    if isinstance(node, MatchAll):
        return true()
    if isinstance(node, Field):
        return _field(lines, node, dialect)
    if dialect == "sqlite":
        fts = _fts_string(node)
        if fts is not None:
            matched = select(_FTS.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(fts))
            if min_id is not None:
                matched = matched.where(_FTS.c.rowid >= min_id)
            return lines.c.id.in_(matched)
    elif isinstance(node, Text):
        query = func.phraseto_tsquery(literal_column("'simple'"), node.text)
        return literal_column(f"{lines.name}.{SEARCH_COLUMN}").op("@@")(query)
    if isinstance(node, And):
        return and_(*(compile_where(item, lines, dialect, min_id=min_id) for item in node.items))
    if isinstance(node, Or):
        return or_(*(compile_where(item, lines, dialect, min_id=min_id) for item in node.items))
    assert isinstance(node, Not)
    return not_(compile_where(node.item, lines, dialect, min_id=min_id))
