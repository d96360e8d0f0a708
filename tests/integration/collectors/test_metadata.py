"""Scrape metadata reaches the store when it changes, never per scrape; it goes with its target."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, event

from collectors.config import ScrapeConfig
from collectors.scrape_loop import register_targets
from collectors.scrape_manager import ScrapeManager
from store.metadata import TargetMetadataEntry, list_target_metadata
from store.series import SeriesIndex

OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
FIRST = (
    "# TYPE jobs counter\n# HELP jobs Jobs done.\njobs_total 3\n"
    "# TYPE temperature_celsius gauge\n# UNIT temperature_celsius celsius\n"
    "# HELP temperature_celsius Room temperature.\ntemperature_celsius 21.5\n# EOF\n"
)
SECOND = FIRST.replace("Jobs done.", "Jobs finished.")


class Exporter(BaseHTTPRequestHandler):
    body = FIRST

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        data = type(self).body.encode()
        self.send_response(200)
        self.send_header("Content-Type", OPENMETRICS)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def exporter() -> Iterator[str]:
    Exporter.body = FIRST
    server = ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def metadata_statements(database: Engine) -> list[str]:
    """Every SQL statement that touches metric_metadata from now on (a real listener)."""
    seen: list[str] = []

    @event.listens_for(database, "before_cursor_execute")
    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "metric_metadata" in statement and not statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    return seen


def test_metadata_is_stored_once_updated_on_change_and_dropped_with_the_target(
    database: Engine, exporter: str
) -> None:
    config = ScrapeConfig.model_validate(
        {"job_name": "app", "static_configs": [{"targets": [exporter]}]}
    )
    manager = ScrapeManager([config], 15.0, 10.0, database, SeriesIndex())
    (loop,) = manager.sync().started
    target = dict(loop.target.labels)

    loop.run_once()
    assert list_target_metadata(database) == [
        TargetMetadataEntry(tuple(sorted(target.items())), "jobs", "counter", "Jobs done.", ""),
        TargetMetadataEntry(
            tuple(sorted(target.items())), "temperature_celsius", "gauge", "Room temperature.",
            "celsius",
        ),
    ]  # fmt: skip

    writes = metadata_statements(database)
    for _ in range(5):
        loop.run_once()
    assert writes == [], "a steady target must not write its metadata again"

    Exporter.body = SECOND
    loop.run_once()
    assert writes, "a changed HELP is written"
    (jobs,) = list_target_metadata(database, "jobs")
    assert (jobs.metric, jobs.help) == ("jobs", "Jobs finished.")
    assert [entry.metric for entry in list_target_metadata(database)] == [
        "jobs",
        "temperature_celsius",
    ]

    register_targets(database, [])  # the target went away
    assert list_target_metadata(database) == []
