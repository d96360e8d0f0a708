"""``/api/v1/metadata`` and ``/api/v1/targets/metadata``, as Prometheus's ``web/api/v1/api.go``.

Prometheus answers both from its active targets' scrape caches; Vigil from
``metric_metadata`` (``store.metadata``), which the agent keeps in step with
the same ``# TYPE``/``# HELP``/``# UNIT`` lines. Targets come in a stable
order (job, URL) where Prometheus's is a Go map's; the shapes, filters and
limits are the same.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response

from console.api.envelope import bad_data, success
from console.api.params import param
from console.auth import Role, requires
from console.context import current
from promql.errors import ParseError
from promql.labels import Labels
from promql.matchers import Matcher
from promql.parser import parse_metric_selector
from store.metadata import TargetMetadataEntry, list_target_metadata

blueprint = Blueprint("metadata_api", __name__, url_prefix="/api/v1")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _number(name: str) -> int:
    """A limit; -1 (no limit) when absent, as ``strconv.Atoi`` accepts it otherwise."""
    text = param(name)
    if not text:
        return -1
    if _INTEGER.fullmatch(text) is None:
        raise bad_data(f"{name} must be a number")
    return int(text)


def _family(entry: TargetMetadataEntry) -> dict[str, str]:
    return {"type": entry.type, "help": entry.help, "unit": entry.unit}


def metric_metadata(
    entries: list[TargetMetadataEntry], limit: int, limit_per_metric: int
) -> dict[str, list[dict[str, str]]]:
    """Distinct (type, help, unit) per family across targets, in first-seen order."""
    families: dict[str, dict[tuple[str, str, str], None]] = {}
    for entry in entries:
        seen = families.get(entry.metric)
        if limit_per_metric > 0 and seen is not None and len(seen) >= limit_per_metric:
            continue
        if seen is None:
            seen = families[entry.metric] = {}
        seen[(entry.type, entry.help, entry.unit)] = None
    out: dict[str, list[dict[str, str]]] = {}
    for name, distinct in families.items():
        if 0 <= limit <= len(out):
            break
        out[name] = [{"type": t, "help": h, "unit": u} for t, h, u in distinct]
    return out


@blueprint.route("/metadata", methods=["GET"])
@requires(Role.VIEWER)
def metadata() -> Response:
    limit = _number("limit")
    limit_per_metric = _number("limit_per_metric")
    entries = list_target_metadata(current().database, param("metric") or "")
    return success(metric_metadata(entries, limit, limit_per_metric))


def _matches(labels: Labels, matchers: list[Matcher]) -> bool:
    values = dict(labels)
    return all(matcher.matches(values.get(matcher.name, "")) for matcher in matchers)


def target_metadata(
    entries: list[TargetMetadataEntry], matchers: list[Matcher], limit: int, metric: str
) -> list[dict[str, Any]]:
    """One item per target and family; ``limit`` is checked before each target, as Prometheus."""
    out: list[dict[str, Any]] = []
    previous: Labels | None = None
    for entry in entries:
        if entry.target != previous:
            previous = entry.target
            if 0 <= limit <= len(out):
                break
        if not _matches(entry.target, matchers):
            continue
        item: dict[str, Any] = {"target": dict(entry.target)}
        if not metric:
            item["metric"] = entry.metric
        out.append({**item, **_family(entry)})
    return out


@blueprint.route("/targets/metadata", methods=["GET"])
@requires(Role.VIEWER)
def targets_metadata() -> Response:
    limit = _number("limit")
    matchers: list[Matcher] = []
    text = param("match_target")
    if text:
        try:
            matchers = parse_metric_selector(text)
        except ParseError as error:
            raise bad_data(f'invalid parameter "match_target": {error}') from None
    metric = param("metric") or ""
    entries = list_target_metadata(current().database, metric)
    return success(target_metadata(entries, matchers, limit, metric))
