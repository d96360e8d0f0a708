"""``logs``: the lines a log query finds in the picked time range, newest first.

Log searches are not PromQL: the page asks the logs API (``GET /api/v1/logs``)
directly, so this figure only says what to ask for and which of each line's
fields to show. The API answers ``{"lines": [...], "next_cursor": ...}``,
newest first, each line an object with (among others) the ``COLUMNS`` keys;
the page shows an empty state when there are no lines and the API's error
when it fails or is absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboards.model import Panel
from dashboards.panels import PanelType, QueryResult

LOGS_API = "/api/v1/logs"
LOGS_PAGE = "/logs"
COLUMNS = ("timestamp", "service", "level", "message")
"""Keys of a line in the API's answer, shown in this order."""


def build(panel: Panel, results: Sequence[QueryResult]) -> dict[str, Any]:
    query = panel.queries[0].expr if panel.queries else ""
    return {
        "logs": {
            "url": LOGS_API,
            "page": LOGS_PAGE,
            "query": query,
            "limit": panel.limit,
            "title": panel.title,
            "columns": list(COLUMNS),
        }
    }


PANEL = PanelType("logs", "logs", build)
