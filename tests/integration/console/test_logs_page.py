"""The Logs page: escaped lines newest first, the volume chart, the live-tail hook."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Engine

from store.logs.record import LogRecord
from store.logs.sql import SqlLogStore
from tests.integration.console.conftest import NOW

NOW_MS = int(NOW * 1000)


def test_it_shows_matching_lines_newest_first_with_every_value_escaped(
    client: FlaskClient, database: Engine
) -> None:
    SqlLogStore(database).append(
        [
            LogRecord(NOW_MS - 2000, "older <script>alert(1)</script>", "web", "error", "t9"),
            LogRecord(NOW_MS - 1000, "newer line", "web<b>", "warn", "", "", {"k": "<i>"}),
            LogRecord(NOW_MS - 500, "not matching", "web", "info"),
        ]
    )
    response = client.get("/logs", query_string={"query": "level>=warn"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "older &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "web&lt;b&gt;" in html and "k=&lt;i&gt;" in html
    assert html.index("newer line") < html.index("older &lt;script")
    assert "not matching" not in html
    assert 'href="/logs"' in html  # the nav link
    assert "/api/v1/logs/volume?" in html and 'data-tail-url="/api/v1/logs/tail?' in html
    assert "/static/logs.js" in html


def test_a_bad_query_shows_its_position(client: FlaskClient) -> None:
    response = client.get("/logs", query_string={"query": "a OR"})
    assert response.status_code == 400
    assert "Query error: 1:5: unexpected end of query" in response.get_data(as_text=True)
