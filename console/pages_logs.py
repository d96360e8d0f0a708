"""The Logs page: search box, volume histogram, results newest first, and a live tail."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from console.api.logs import DEFAULT_RANGE_SECONDS, line_json, log_store
from console.auth import Role, requires
from console.context import current
from store.logs.backend import Cursor, CursorError, Page
from store.logs.query import QueryError, parse_query

blueprint = Blueprint("log_pages", __name__)
PAGE_SIZE = 100
RANGES = {"15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800}


@blueprint.route("/logs")
@requires(Role.VIEWER)
def logs() -> tuple[str, int]:
    query_text = request.args.get("query", "")
    range_name = request.args.get("range", "1h")
    seconds = RANGES.get(range_name, DEFAULT_RANGE_SECONDS)
    end = current().clock()
    error = ""
    column = 0
    page = Page([], None)
    try:
        query = parse_query(query_text)
        cursor_text = request.args.get("cursor")
        before = Cursor.decode(cursor_text) if cursor_text else None
        store, _ = log_store()
        page = store.search(
            query,
            start_ms=int((end - seconds) * 1000),
            end_ms=int(end * 1000),
            limit=PAGE_SIZE,
            before=before,
        )
    except QueryError as problem:
        error = str(problem)
        column = problem.column if problem.line == 1 else 0
    except CursorError as problem:
        error = str(problem)
    return render_template(
        "logs.html",
        query=query_text,
        range_name=range_name,
        ranges=list(RANGES),
        start=end - seconds,
        end=end,
        lines=[line_json(line) for line in page.lines],
        next_cursor=page.next.encode() if page.next else None,
        error=error,
        error_column=column,
    ), 400 if error else 200
