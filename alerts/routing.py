"""The routing tree: which routes (receiver, grouping, timing) an alert goes to.

A faithful port of Alertmanager's ``dispatch/route.go``: children inherit
every option they do not set (except the time intervals, which apply to their
own route only), matching is depth-first and left to right, an alert stops at
the first matching child unless that child has ``continue``, and a node none of
whose children match is itself the match. Route keys and group keys use
Alertmanager's text, so receivers see the same ``groupKey``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from alerts.config import GROUP_BY_ALL, RouteConfig
from alerts.matchers import Matchers, format_matchers, matches, parse_matcher_lines, sort_matchers
from alerts.payload import group_key
from alerts.timeintervals import TimeInterval, intervals_containing
from promql.labels import Labels
from promql.matchers import Matcher, MatchType

DEFAULT_GROUP_WAIT = 30.0
DEFAULT_GROUP_INTERVAL = 300.0
DEFAULT_REPEAT_INTERVAL = 4 * 3600.0


@dataclass(frozen=True)
class Route:
    """A node of the tree with its options resolved (inherited values filled in)."""

    key: str
    """Alertmanager's route key: the matchers of the path, ``{}/{team="db"}``."""
    id: str
    """Unique in the tree: the key plus each node's index among its siblings."""
    matchers: Matchers
    receiver: str | None
    group_by: frozenset[str]
    group_by_all: bool
    group_wait: float
    group_interval: float
    repeat_interval: float
    mute_time_intervals: tuple[str, ...]
    active_time_intervals: tuple[str, ...]
    continue_: bool
    routes: tuple[Route, ...]


_ROOT_DEFAULTS = Route(
    key="",
    id="",
    matchers=(),
    receiver=None,
    group_by=frozenset(),
    group_by_all=False,
    group_wait=DEFAULT_GROUP_WAIT,
    group_interval=DEFAULT_GROUP_INTERVAL,
    repeat_interval=DEFAULT_REPEAT_INTERVAL,
    mute_time_intervals=(),
    active_time_intervals=(),
    continue_=False,
    routes=(),
)


def _matchers(config: RouteConfig) -> Matchers:
    found: list[Matcher] = [Matcher(k, MatchType.EQUAL, v) for k, v in config.match.items()]
    found += [Matcher(k, MatchType.REGEX, f"^(?:{v})$") for k, v in config.match_re.items()]
    found += parse_matcher_lines(config.matchers)
    return sort_matchers(found)


def _build(config: RouteConfig, parent: Route | None, index: int) -> Route:
    base = parent or _ROOT_DEFAULTS
    matchers = _matchers(config)
    text = format_matchers(matchers)
    key = f"{parent.key}/{text}" if parent else text
    node_id = f"{parent.id}/{text}/{index}" if parent else text
    group_by, group_by_all = base.group_by, base.group_by_all
    if config.group_by is not None:
        group_by_all = GROUP_BY_ALL in config.group_by
        group_by = frozenset() if group_by_all else frozenset(config.group_by)
    route = Route(
        key=key,
        id=node_id,
        matchers=matchers,
        receiver=config.receiver or base.receiver,
        group_by=group_by,
        group_by_all=group_by_all,
        group_wait=base.group_wait if config.group_wait is None else config.group_wait,
        group_interval=(
            base.group_interval if config.group_interval is None else config.group_interval
        ),
        repeat_interval=(
            base.repeat_interval if config.repeat_interval is None else config.repeat_interval
        ),
        mute_time_intervals=tuple(config.mute_time_intervals),
        active_time_intervals=tuple(config.active_time_intervals),
        continue_=config.continue_,
        routes=(),
    )
    children = tuple(_build(child, route, i) for i, child in enumerate(config.routes))
    return replace(route, routes=children)


def build_route_tree(config: RouteConfig) -> Route:
    """The resolved tree for a (validated) root route."""
    return _build(config, None, 0)


def _as_mapping(labels: Mapping[str, str] | Labels) -> Mapping[str, str]:
    return labels if isinstance(labels, Mapping) else dict(labels)


def match_routes(tree: Route, labels: Mapping[str, str] | Labels) -> list[Route]:
    """The routes an alert with ``labels`` is sent to, in tree order (Route.Match)."""
    values = _as_mapping(labels)
    if not matches(tree.matchers, values):
        return []
    found: list[Route] = []
    for child in tree.routes:
        matched = match_routes(child, values)
        found.extend(matched)
        if matched and not child.continue_:
            break
    return found or [tree]


def walk(tree: Route) -> Iterator[Route]:
    """Every node, depth first (for listing the tree)."""
    yield tree
    for child in tree.routes:
        yield from walk(child)


def group_labels(route: Route, labels: Mapping[str, str] | Labels) -> dict[str, str]:
    """The labels naming an alert's aggregation group in ``route`` (getGroupLabels)."""
    values = _as_mapping(labels)
    return {
        name: value
        for name, value in values.items()
        if route.group_by_all or name in route.group_by
    }


def route_group_key(route: Route, labels: Mapping[str, str]) -> str:
    """``{}/{severity="critical"}:{alertname="X"}``: route key, then group labels."""
    return group_key(route.key, labels)


def time_muted(route: Route, intervals: Mapping[str, Sequence[TimeInterval]], now: float) -> bool:
    """Whether the route is inside a mute interval, or outside all its active ones."""
    if intervals_containing(route.mute_time_intervals, intervals, now):
        return True
    active = route.active_time_intervals
    return bool(active) and not intervals_containing(active, intervals, now)
