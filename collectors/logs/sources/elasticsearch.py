"""Reading an existing Elasticsearch index, in timestamp order, through the official client.

For fleets that already ship logs to Elasticsearch: each poll asks for
documents newer than the last timestamp read (``search_after`` on the sort
value), and each document's ``_source`` goes through the source's parser as
a JSON line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from collectors.logs.parsing import LineParser
from collectors.logs.sources.base import LogSourceError, SourceRead
from store.logs.positions import Position

if TYPE_CHECKING:
    from collectors.config import LogSourceConfig

PAGE_SIZE = 1000


class ElasticsearchSource:
    def __init__(
        self,
        config: LogSourceConfig,
        parse: LineParser,
        *,
        client: Elasticsearch | None = None,
    ) -> None:
        assert config.url is not None and config.index is not None
        self.client = client or Elasticsearch(config.url, request_timeout=10)
        self.index = config.index
        self.field = config.timestamp_field
        self.parse = parse

    def read(self, positions: Mapping[str, Position]) -> SourceRead:
        cursor = positions.get(self.index, Position()).cursor
        extra: dict[str, Any] = {}
        if cursor:
            extra["search_after"] = json.loads(cursor)
        try:
            response = self.client.search(
                index=self.index, sort=[{self.field: "asc"}], size=PAGE_SIZE, **extra
            )
        except (ApiError, TransportError) as error:
            raise LogSourceError(f"search {self.index}: {error}") from None
        hits = response["hits"]["hits"]
        records = [self.parse(json.dumps(hit["_source"])) for hit in hits]
        if not hits:
            return SourceRead()
        last = json.dumps(hits[-1]["sort"])
        return SourceRead(records, {self.index: Position(cursor=last)})
