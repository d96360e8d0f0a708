"""The logs API: search, a live tail as server-sent events, and NDJSON bulk push.

GET  /api/v1/logs?query=&start=&end=&limit=&cursor=   newest first, cursor pagination
GET  /api/v1/logs/tail?query=                          text/event-stream of new lines
GET  /api/v1/logs/volume?query=&start=&end=            lines per bucket, a plotly figure
POST /api/v1/logs                                      NDJSON, one JSON object per line
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request, stream_with_context
from sqlalchemy import Connection

from collectors.logs.metrics import PUSH_SOURCE, count_lines
from collectors.logs.parsers import PARSERS, ParseError
from collectors.logs.parsers.extract import to_record
from console.api.envelope import bad_data, error_response, success
from console.api.params import int_param, param, time_param
from console.auth import Role, requires, requires_scope
from console.context import current
from dashboards.figures import volume_figure
from store.logs.backend import Cursor, CursorError, LogStore
from store.logs.counters import add_to_counters
from store.logs.open import open_log_store
from store.logs.query import Node, QueryError, parse_query
from store.logs.record import LogRecord, StoredLine
from store.series import SeriesIndex

blueprint = Blueprint("logs_api", __name__, url_prefix="/api/v1")

DEFAULT_RANGE_SECONDS = 3600.0
DEFAULT_LIMIT = 100
MAX_LIMIT = 5000
TAIL_POLL_SECONDS = 1.0
TAIL_BATCH = 500
VOLUME_BUCKETS = 60
_STORE_KEY = "vigil.logs"


def log_store() -> tuple[LogStore, SeriesIndex]:
    """This app's log store (one per process: it may own a bulk thread) and series ids."""
    extensions = current_app.extensions
    if _STORE_KEY not in extensions:
        context = current()
        extensions[_STORE_KEY] = (
            open_log_store(context.loaded.config.logs, context.database),
            SeriesIndex(),
        )
    store: tuple[LogStore, SeriesIndex] = extensions[_STORE_KEY]
    return store


def _query() -> Node:
    try:
        return parse_query(param("query") or "")
    except QueryError as error:
        raise bad_data(f'invalid parameter "query": {error}') from None


def line_json(line: StoredLine) -> dict[str, Any]:
    record = line.record
    moment = datetime.fromtimestamp(record.timestamp_ms / 1000, UTC)
    return {
        "id": line.id,
        "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "timestamp_ms": record.timestamp_ms,
        "service": record.service,
        "level": record.level,
        "trace_id": record.trace_id,
        "source": record.source,
        "message": record.message,
        "fields": record.fields,
    }


def _window() -> tuple[int, int]:
    end = time_param("end", current().clock())
    start = time_param("start", end - DEFAULT_RANGE_SECONDS)
    if end < start:
        raise bad_data('invalid parameter "end": end timestamp must not be before start time')
    return int(start * 1000), int(end * 1000)


def is_decimal(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes "²" and other digits ``int`` refuses."""
    return text.isascii() and text.isdigit()


@blueprint.route("/logs", methods=["GET"])
@requires(Role.VIEWER)
def search() -> Response:
    query = _query()
    start_ms, end_ms = _window()
    cursor_text = param("cursor")
    try:
        before = Cursor.decode(cursor_text) if cursor_text else None
    except CursorError as error:
        raise bad_data(f'invalid parameter "cursor": {error}') from None
    limit = int_param("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    store, _ = log_store()
    page = store.search(query, start_ms=start_ms, end_ms=end_ms, limit=limit, before=before)
    return success(
        {
            "lines": [line_json(line) for line in page.lines],
            "next_cursor": page.next.encode() if page.next else None,
        }
    )


@blueprint.route("/logs/volume", methods=["GET"])
@requires(Role.VIEWER)
def volume() -> Response:
    query = _query()
    start_ms, end_ms = _window()
    step_ms = max(1000, (end_ms - start_ms) // VOLUME_BUCKETS)
    store, _ = log_store()
    buckets = store.histogram(query, start_ms=start_ms, end_ms=end_ms, step_ms=step_ms)
    return success(volume_figure(buckets, step_ms=step_ms, title=param("title") or ""))


def tail_events(
    store: LogStore,
    query: Node,
    *,
    after: str | None,
    seconds: float,
    poll_seconds: float = TAIL_POLL_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """Server-sent events: each new line as ``data:``, its position as ``id:``.

    The stream ends after ``seconds`` (a gunicorn worker is never pinned for
    good); EventSource reconnects with ``Last-Event-ID`` and resumes there.
    """
    deadline = monotonic() + seconds
    lines, position = store.tail(query, after=after, limit=TAIL_BATCH)
    yield f"retry: 1000\nid: {position}\n\n"
    while True:
        for line in lines:
            yield f"id: {line.id}\ndata: {json.dumps(line_json(line))}\n\n"
        if lines:
            yield f"id: {position}\n\n"
        if monotonic() >= deadline:
            return
        if len(lines) < TAIL_BATCH:
            sleep(poll_seconds)
            yield ": keep-alive\n\n"
        lines, position = store.tail(query, after=position, limit=TAIL_BATCH)


@blueprint.route("/logs/tail", methods=["GET"])
@requires(Role.VIEWER)
def tail() -> Response:
    query = _query()
    limit = current().loaded.config.logs.tail_seconds
    text = param("seconds")
    try:
        asked = float(text) if text else limit
    except ValueError:
        asked = math.nan
    if math.isnan(asked):
        raise bad_data('invalid parameter "seconds": not a number')
    seconds = min(limit, asked)
    after = request.headers.get("Last-Event-ID") or param("after")
    if after is not None and not is_decimal(after):
        raise bad_data('invalid parameter "after": not a position this server handed out')
    store, _ = log_store()
    events = tail_events(store, query, after=after, seconds=seconds)
    response = Response(stream_with_context(events), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def parse_push(body: bytes, now_ms: int) -> list[LogRecord]:
    """NDJSON lines to records; a line that is not a JSON object is a 400 naming it."""
    records: list[LogRecord] = []
    parse = PARSERS["json"]
    for number, raw in enumerate(body.decode("utf-8", errors="replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            pairs = parse(raw)
        except ParseError as error:
            raise bad_data(f"line {number}: {error}") from None
        records.append(to_record(pairs, now_ms=now_ms, source=PUSH_SOURCE))
    return records


@blueprint.route("/logs", methods=["POST"])
@requires_scope("push")
def push() -> Response:
    """NDJSON lines from shippers, with an API token of the ``push`` scope (an editor's)."""
    limit = current().loaded.config.logs.max_push_bytes
    if request.content_length is not None and request.content_length > limit:
        return _too_large(limit)
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        return _too_large(limit)
    now = current().clock()
    records = parse_push(body, int(now * 1000))
    store, index = log_store()
    increments = count_lines(records, [], PUSH_SOURCE)

    def bookkeeping(connection: Connection) -> None:
        add_to_counters(connection, index, increments, int(now * 1000))

    accepted = store.append(records, then=bookkeeping)
    return success({"accepted": accepted})


def _too_large(limit: int) -> Response:
    response = error_response(
        "bad_data", f"request body larger than {limit} bytes (logs.max_push_bytes)"
    )
    response.status_code = 413
    return response
