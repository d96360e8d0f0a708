"""Pulling lines over HTTP: GET a URL returning NDJSON (or any lines) every interval.

The request carries ``<cursor_param>=<cursor>``: the server's ``X-Cursor``
response header from the last poll when it sends one, else the newest line
timestamp seen (milliseconds), so each poll asks only for what is new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import requests

from collectors.logs.parsing import LineParser
from collectors.logs.sources.base import LogSourceError, SourceRead
from store.logs.positions import Position

if TYPE_CHECKING:
    from collectors.config import LogSourceConfig

CURSOR_HEADER = "X-Cursor"
TIMEOUT_SECONDS = 10.0

Fetch = Callable[[str, dict[str, str]], tuple[str, Mapping[str, str]]]
"""GET url with query parameters; returns the body and the response headers."""


def fetch_with_requests(url: str, params: dict[str, str]) -> tuple[str, Mapping[str, str]]:
    try:
        response = requests.get(url, params=params, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
    except requests.RequestException as error:
        raise LogSourceError(f"GET {url}: {error}") from None
    return response.text, response.headers


class HttpSource:
    def __init__(
        self, config: LogSourceConfig, parse: LineParser, *, fetch: Fetch = fetch_with_requests
    ) -> None:
        assert config.url is not None
        self.url = config.url
        self.param = config.cursor_param
        self.parse = parse
        self.fetch = fetch

    def read(self, positions: Mapping[str, Position]) -> SourceRead:
        cursor = positions.get(self.url, Position()).cursor
        body, headers = self.fetch(self.url, {self.param: cursor} if cursor else {})
        records = [self.parse(line) for line in body.splitlines() if line.strip()]
        next_cursor = headers.get(CURSOR_HEADER) or (
            str(max(record.timestamp_ms for record in records)) if records else cursor
        )
        if next_cursor == cursor:
            return SourceRead(records)
        return SourceRead(records, {self.url: Position(cursor=next_cursor)})
