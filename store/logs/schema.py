"""Schema objects the migrations create beside the models: full-text search per backend.

SQLAlchemy cannot model an FTS5 virtual table (and its shadow tables) or a
generated tsvector column, so migration 0009 creates them by hand; model
comparisons (the migration test, Alembic autogenerate) skip them by name.
"""

from __future__ import annotations

from collections.abc import Mapping

FTS_TABLE = "log_lines_fts"
SEARCH_COLUMN = "search"
SEARCH_INDEX = "ix_log_lines_search"
TRACE_INDEX = "ix_log_lines_trace_id"
"""PostgreSQL only: SQLite finds trace ids through the FTS5 table."""


def is_modelled(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic's ``include_name``: False for the full-text objects outside the models."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(FTS_TABLE)
    if type_ == "column":
        return not (parent_names.get("table_name") == "log_lines" and name == SEARCH_COLUMN)
    if type_ == "index":
        return name not in (SEARCH_INDEX, TRACE_INDEX)
    return True
