"""The Bottlenecks page: ranked suspects, the call graph as inline SVG, evidence charts.

The page runs the same analysis as ``/api/v1/analysis/bottlenecks`` and embeds
its evidence as a JSON data block that ``bottlenecks.js`` draws with the local
plotly; the graph is laid out here (columns by call depth) and drawn as SVG.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template

from analysis.analyze import Report
from analysis.graph import Graph
from analysis.serialize import suspect_json
from console.api.analysis import bottleneck_report
from console.auth import Role, requires
from console.context import current

blueprint = Blueprint("analysis_pages", __name__)

COLUMN_WIDTH = 190
ROW_HEIGHT = 64
NODE_WIDTH = 150
NODE_HEIGHT = 34
MARGIN = 16
SAFE_LINK_PREFIXES = ("/", "http://", "https://")


@dataclass(frozen=True)
class PlacedNode:
    name: str
    x: int
    y: int
    css: str


@dataclass(frozen=True)
class PlacedEdge:
    x1: int
    y1: int
    x2: int
    y2: int
    css: str
    title: str


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    nodes: tuple[PlacedNode, ...]
    edges: tuple[PlacedEdge, ...]


def _depths(graph: Graph) -> dict[str, int]:
    """Longest call depth from a front door (nodes off the path: a column of their own)."""
    depth = dict.fromkeys(graph.entries, 0)
    for _ in range(len(graph.nodes)):
        changed = False
        for edge in graph.edges:
            if edge.caller in depth and depth.get(edge.callee, -1) < depth[edge.caller] + 1:
                depth[edge.callee] = depth[edge.caller] + 1
                changed = True
        if not changed:
            break
    for node in graph.nodes:
        depth.setdefault(node, 0 if not graph.callers(node) else 1)
    return depth


def layout(report: Report) -> Drawing:
    graph = report.graph
    depth = _depths(graph)
    columns: dict[int, list[str]] = {}
    for node in sorted(graph.nodes):
        columns.setdefault(depth[node], []).append(node)
    flagged = {s.service for s in report.bottlenecks}
    top = report.bottlenecks[0].service if report.bottlenecks else None
    where: dict[str, tuple[int, int]] = {}
    nodes: list[PlacedNode] = []
    for column, names in sorted(columns.items()):
        for row, name in enumerate(names):
            x, y = MARGIN + column * COLUMN_WIDTH, MARGIN + row * ROW_HEIGHT
            where[name] = (x, y)
            css = " ".join(
                c
                for c, on in (
                    ("node", True),
                    ("critical", name in graph.critical_path),
                    ("suspect", name in flagged),
                    ("top", name == top),
                )
                if on
            )
            nodes.append(PlacedNode(name, x, y, css))
    critical = graph.critical_edges()
    edges = []
    for edge in graph.edges:
        (x1, y1), (x2, y2) = where[edge.caller], where[edge.callee]
        edges.append(
            PlacedEdge(
                x1 + NODE_WIDTH,
                y1 + NODE_HEIGHT // 2,
                x2,
                y2 + NODE_HEIGHT // 2,
                "edge critical" if (edge.caller, edge.callee) in critical else "edge",
                f"{edge.caller} → {edge.callee}: {edge.calls_per_second:.1f} calls/s, "
                f"{edge.wait_seconds_per_second:.3f} s waited per s ({edge.source})",
            )
        )
    width = MARGIN * 2 + (max(columns, default=0) + 1) * COLUMN_WIDTH
    height = MARGIN * 2 + max((len(n) for n in columns.values()), default=1) * ROW_HEIGHT
    return Drawing(width, height, tuple(nodes), tuple(edges))


def _safe_links(links: dict[str, str]) -> dict[str, str]:
    """Only relative or http(s) links reach an href (never a javascript: URL)."""
    return {k: v for k, v in links.items() if v.startswith(SAFE_LINK_PREFIXES)}


@blueprint.route("/analysis/bottlenecks")
@requires(Role.VIEWER)
def bottlenecks() -> str:
    report = bottleneck_report()
    charts: list[dict[str, Any]] = [
        {
            "service": suspect.service,
            "evidence": suspect_json(suspect)["evidence"][:3],
            "window_start": report.start,
        }
        for suspect in report.bottlenecks
    ]
    return render_template(
        "bottlenecks.html",
        report=report,
        drawing=layout(report),
        node_width=NODE_WIDTH,
        node_height=NODE_HEIGHT,
        charts=charts,
        links={s.service: _safe_links(s.links) for s in report.suspects},
        now=current().clock(),
    )
