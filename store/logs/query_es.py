"""Compiling a query tree to Elasticsearch's query DSL (pure).

Terms and phrases are ``match_phrase`` on ``message`` (the standard
analyzer splits words much as FTS5 does); service, level, trace_id and
source are keyword fields; extracted fields live under ``fields.`` as keywords.
"""

from __future__ import annotations

from typing import Any

from store.logs.query import (
    COLUMN_FIELDS,
    And,
    Field,
    MatchAll,
    Node,
    Not,
    Or,
    Text,
    levels_matching,
)

Dsl = dict[str, Any]


def compile_es(node: Node) -> Dsl:
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, Text):
        return {"match_phrase": {"message": node.text}}
    if isinstance(node, Field):
        if node.name == "level":
            return {"terms": {"level": list(levels_matching(node.op, node.value))}}
        name = node.name if node.name in COLUMN_FIELDS else f"fields.{node.name}"
        return {"term": {name: node.value}}
    if isinstance(node, And):
        return {"bool": {"must": [compile_es(item) for item in node.items]}}
    if isinstance(node, Or):
        return {
            "bool": {
                "should": [compile_es(item) for item in node.items],
                "minimum_should_match": 1,
            }
        }
    assert isinstance(node, Not)
    return {"bool": {"must_not": [compile_es(node.item)]}}
