"""A small Elasticsearch stand-in over real HTTP: exactly the requests Vigil makes.

No Elasticsearch can be installed on the build machine, so the backend is
tested through the official client against this server: index templates,
``_bulk``, ``_search`` (bool/term/terms/range/match_phrase/match_all, sort,
search_after, size, ``max`` and ``date_histogram`` aggregations), listing and
deleting indices. Every response carries the product header the client
checks. ``fail_next_bulk_items`` makes the next bulk answer 429 for its
first items, to test retries. Set ``VIGIL_TEST_ELASTICSEARCH_URL`` to run the
same tests against a real Elasticsearch instead.
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _get(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    if path in doc:
        return doc[path]
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _matches(query: dict[str, Any], doc: dict[str, Any]) -> bool:
    ((kind, body),) = query.items()
    if kind == "match_all":
        return True
    if kind == "term":
        ((field, value),) = body.items()
        value = value["value"] if isinstance(value, dict) else value
        return bool(_get(doc, field) == value)
    if kind == "terms":
        ((field, values),) = body.items()
        return _get(doc, field) in values
    if kind == "range":
        ((field, bounds),) = body.items()
        value = _get(doc, field)
        if value is None:
            return False
        checks = {
            "gte": value >= bounds.get("gte", value),
            "lte": value <= bounds.get("lte", value),
        }
        if "gt" in bounds:
            checks["gt"] = value > bounds["gt"]
        if "lt" in bounds:
            checks["lt"] = value < bounds["lt"]
        return all(checks.values())
    if kind == "match_phrase":
        ((field, text),) = body.items()
        haystack, needle = _words(str(_get(doc, field) or "")), _words(str(text))
        width = len(needle)
        return width > 0 and any(
            haystack[i : i + width] == needle for i in range(len(haystack) - width + 1)
        )
    if kind == "bool":
        musts = body.get("must", []) + body.get("filter", [])
        if not all(_matches(item, doc) for item in musts):
            return False
        if any(_matches(item, doc) for item in body.get("must_not", [])):
            return False
        shoulds = body.get("should", [])
        needed = body.get("minimum_should_match", 0 if musts else 1)
        return not shoulds or sum(_matches(item, doc) for item in shoulds) >= needed
    raise ValueError(f"unsupported query {kind}")


class FakeElasticsearch:
    def __init__(self) -> None:
        self.indices: dict[str, dict[str, dict[str, Any]]] = {}
        self.templates: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail_next_bulk_items = 0
        self.lock = threading.Lock()

    def resolve(self, pattern: str) -> list[str]:
        names: list[str] = []
        for part in pattern.split(","):
            names.extend(name for name in self.indices if fnmatch.fnmatchcase(name, part))
        return sorted(set(names))

    def bulk(self, body: str) -> dict[str, Any]:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        items, errors = [], False
        for action, doc in zip(lines[::2], lines[1::2], strict=True):
            meta = action["index"]
            if self.fail_next_bulk_items > 0:
                self.fail_next_bulk_items -= 1
                errors = True
                items.append(
                    {
                        "index": {
                            "_index": meta["_index"],
                            "status": 429,
                            "error": {"type": "es_rejected_execution_exception"},
                        }
                    }
                )
                continue
            self.indices.setdefault(meta["_index"], {})[meta["_id"]] = doc
            items.append({"index": {"_index": meta["_index"], "_id": meta["_id"], "status": 201}})
        return {"took": 1, "errors": errors, "items": items}

    def search(self, pattern: str, request: dict[str, Any]) -> dict[str, Any]:
        hits = [
            (name, doc_id, doc)
            for name in self.resolve(pattern)
            for doc_id, doc in self.indices[name].items()
            if _matches(request.get("query", {"match_all": {}}), doc)
        ]
        sort = [next(iter(item.items())) for item in request.get("sort", [])]
        for field, order in reversed(sort):
            hits.sort(key=lambda hit, f=field: _get(hit[2], f), reverse=order == "desc")
        if "search_after" in request:
            after = request["search_after"]

            def is_after(hit: tuple[str, str, dict[str, Any]]) -> bool:
                for (field, order), bound in zip(sort, after, strict=True):
                    value = _get(hit[2], field)
                    if value != bound:
                        return bool(value < bound if order == "desc" else value > bound)
                return False

            hits = [hit for hit in hits if is_after(hit)]
        size = request.get("size", 10)
        response: dict[str, Any] = {
            "took": 1,
            "timed_out": False,
            "hits": {
                "total": {"value": len(hits), "relation": "eq"},
                "hits": [
                    {
                        "_index": name,
                        "_id": doc_id,
                        "_source": doc,
                        "sort": [_get(doc, field) for field, _ in sort],
                    }
                    for name, doc_id, doc in hits[:size]
                ],
            },
        }
        aggregations = {}
        for agg_name, agg in request.get("aggs", {}).items():
            ((kind, body),) = agg.items()
            values = [_get(doc, body["field"]) for _, _, doc in hits]
            if kind == "max":
                aggregations[agg_name] = {"value": max(values) if values else None}
            elif kind == "date_histogram":
                step = int(body["fixed_interval"].removesuffix("ms"))
                offset = int(body.get("offset", "0ms").removesuffix("ms"))
                counts: dict[int, int] = {}
                for value in values:
                    key = (int(value) - offset) // step * step + offset
                    counts[key] = counts.get(key, 0) + 1
                aggregations[agg_name] = {
                    "buckets": [{"key": key, "doc_count": n} for key, n in sorted(counts.items())]
                }
            else:
                raise ValueError(f"unsupported aggregation {kind}")
        if aggregations:
            response["aggregations"] = aggregations
        return response


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def _handle(self) -> None:
        fake = self.server.fake
        path = self.path.split("?", 1)[0].strip("/")
        body = self._body()
        with fake.lock:
            fake.requests.append((self.command, path))
            if path == "":
                self._reply(
                    200, {"version": {"number": "8.13.0"}, "tagline": "You Know, for Search"}
                )
            elif path.startswith("_index_template/") and self.command == "PUT":
                fake.templates[path.split("/", 1)[1]] = json.loads(body)
                self._reply(200, {"acknowledged": True})
            elif path.endswith("_refresh"):
                self._reply(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
            elif path == "_bulk":
                self._reply(200, fake.bulk(body))
            elif "/_doc" in path:
                index, _, doc_id = path.partition("/_doc")
                doc_id = doc_id.strip("/") or f"doc-{sum(map(len, fake.indices.values()))}"
                fake.indices.setdefault(index, {})[doc_id] = json.loads(body)
                self._reply(201, {"_index": index, "_id": doc_id, "result": "created"})
            elif path.endswith("/_search"):
                self._reply(
                    200, fake.search(path.removesuffix("/_search"), json.loads(body or "{}"))
                )
            elif self.command == "GET":
                self._reply(200, {name: {"settings": {}} for name in fake.resolve(path)})
            elif self.command == "DELETE":
                for name in fake.resolve(path):
                    del fake.indices[name]
                self._reply(200, {"acknowledged": True})
            else:
                self._reply(400, {"error": f"unsupported {self.command} /{path}"})

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    fake: FakeElasticsearch


def serve_fake_elasticsearch() -> Iterator[tuple[str, FakeElasticsearch]]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeElasticsearch()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.fake
    finally:
        server.shutdown()
        server.server_close()
