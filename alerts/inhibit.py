"""Inhibition: a firing alert (the source) mutes others (targets) that share some labels.

Alertmanager's ``inhibit/inhibit.go`` as a pure function of the alerts firing
now: a target is muted while some firing source matches ``source_matchers``
and has the same values for every ``equal`` label (missing counts as ""). An
alert matching both sides is never muted by an alert that also matches both,
so a rule cannot make alerts of one kind silence each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from alerts.config import InhibitRuleConfig
from alerts.matchers import Matchers, matches, parse_matcher_lines, sort_matchers
from promql.matchers import Matcher, MatchType

LabelMap = Mapping[str, str]


@dataclass(frozen=True)
class InhibitRule:
    name: str
    source: Matchers
    target: Matchers
    equal: tuple[str, ...]


def _side(lines: Sequence[str], equal: Mapping[str, str], regex: Mapping[str, str]) -> Matchers:
    found: list[Matcher] = [Matcher(k, MatchType.EQUAL, v) for k, v in equal.items()]
    found += [Matcher(k, MatchType.REGEX, f"^(?:{v})$") for k, v in regex.items()]
    return sort_matchers([*found, *parse_matcher_lines(lines)])


def compile_inhibit_rule(config: InhibitRuleConfig) -> InhibitRule:
    return InhibitRule(
        name=config.name,
        source=_side(config.source_matchers, config.source_match, config.source_match_re),
        target=_side(config.target_matchers, config.target_match, config.target_match_re),
        equal=tuple(config.equal),
    )


def inhibited_by(
    rules: Sequence[InhibitRule], firing: Mapping[str, LabelMap], labels: LabelMap
) -> str | None:
    """The fingerprint of a firing alert that inhibits one with ``labels``, or None.

    ``firing`` maps fingerprints to the labels of every alert firing now
    (silenced and inhibited ones included: they still inhibit, as in Alertmanager).
    """
    for rule in rules:
        if not matches(rule.target, labels):
            continue
        both_sides = matches(rule.source, labels)
        for fingerprint, source in sorted(firing.items()):
            if not matches(rule.source, source):
                continue
            if any(source.get(name, "") != labels.get(name, "") for name in rule.equal):
                continue
            if both_sides and matches(rule.target, source):
                continue
            return fingerprint
    return None


def inhibitions(
    rules: Sequence[InhibitRule], firing: Mapping[str, LabelMap], targets: Mapping[str, LabelMap]
) -> dict[str, str]:
    """For each inhibited alert of ``targets`` (by fingerprint), the alert inhibiting it."""
    found: dict[str, str] = {}
    if not rules:
        return found
    for fingerprint, labels in targets.items():
        source = inhibited_by(rules, firing, labels)
        if source is not None:
            found[fingerprint] = source
    return found
