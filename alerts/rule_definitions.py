"""The rule groups the agent has loaded, recorded in the store for the console.

The agent loads its rule files at start and on every reload; the console is
another process (maybe on another host, with its own copy of ``vigil.yml``)
and must show what the agent evaluates, not what its own configuration
named when it started. So every successful load replaces one ``rule_status``
row of kind ``definitions`` holding all groups as JSON, in the transaction
that retires removed rules (``alerts.manager.retire_removed_rules``);
``/api/v1/rules``, ``/api/v1/alerts`` and the Rules page read it back. A
failed reload writes nothing, so the last good rules stay, as in the agent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, select

from alerts.alerting import AlertingRule
from alerts.payload import generator_url
from alerts.rule_status import replace_single
from store.models import RuleStatus

if TYPE_CHECKING:
    from alerts.manager import RuleGroup

DEFINITIONS = "definitions"
ALERTING, RECORDING = "alerting", "recording"
Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RuleDefinition:
    """A rule as written in its file (templates as their source text)."""

    key: str
    type: str
    """``alerting`` or ``recording``, as Prometheus's API says."""
    name: str
    expr: str
    labels: Pairs = ()
    annotations: Pairs = ()
    hold: float = 0.0
    keep_firing_for: float = 0.0


@dataclass(frozen=True)
class GroupDefinition:
    key: str
    file: str
    name: str
    interval: float
    limit: int
    rules: tuple[RuleDefinition, ...]


def describe_groups(groups: Iterable[RuleGroup]) -> list[GroupDefinition]:
    return [
        GroupDefinition(
            group.key,
            group.file,
            group.name,
            group.interval,
            group.limit,
            tuple(
                RuleDefinition(
                    rule.key,
                    ALERTING,
                    rule.name,
                    rule.expr,
                    tuple((name, template.source) for name, template in rule.labels),
                    tuple((name, template.source) for name, template in rule.annotations),
                    rule.hold,
                    rule.keep_firing_for,
                )
                if isinstance(rule, AlertingRule)
                else RuleDefinition(rule.key, RECORDING, rule.name, rule.expr, rule.labels)
                for rule in group.rules
            ),
        )
        for group in groups
    ]


def generator_urls(groups: Iterable[GroupDefinition], external_url: str) -> dict[str, str]:
    """Rule key -> link to its expression, for the dispatcher's ``generatorURL``."""
    return {
        rule.key: generator_url(external_url, rule.expr)
        for group in groups
        for rule in group.rules
        if rule.type == ALERTING
    }


def save_definitions(connection: Connection, groups: Sequence[GroupDefinition]) -> None:
    """Replace the recorded groups (inside the caller's write transaction)."""
    definition = json.dumps([asdict(group) for group in groups])
    replace_single(connection, DEFINITIONS, definition=definition)


def load_definitions(engine: Engine) -> list[GroupDefinition]:
    """The groups the agent last loaded; none before an agent has started."""
    with engine.connect() as connection:
        text = connection.execute(
            select(RuleStatus.definition).where(RuleStatus.kind == DEFINITIONS)
        ).scalar()
    return [_group(item) for item in json.loads(text)] if text else []


def _pairs(items: list[list[str]]) -> Pairs:
    return tuple((name, value) for name, value in items)


def _group(item: dict[str, Any]) -> GroupDefinition:
    rules = tuple(
        RuleDefinition(
            **{
                **rule,
                "labels": _pairs(rule["labels"]),
                "annotations": _pairs(rule["annotations"]),
            }
        )
        for rule in item["rules"]
    )
    return GroupDefinition(**{**item, "rules": rules})
