"""Rule files: Prometheus's own examples load unchanged; mistakes are reported at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.rulefile import check_rule_files, load_rule_file, parse_rule_file
from store.configfile import ConfigError

# From Prometheus's docs/configuration/alerting_rules.md and recording_rules.md.
ALERTING_DOC = Path(__file__).parent / "data" / "alerting_rules.yml"

RECORDING_DOC = """\
groups:
  - name: example
    interval: 30s
    query_offset: 1m
    limit: 10
    rules:
    - record: code:prometheus_http_requests_total:sum
      expr: sum by (code) (prometheus_http_requests_total)
"""


def _problems(text: str, validate_expr=None) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as caught:
        parse_rule_file(text, "rules.yml", validate_expr)
    return [str(problem) for problem in caught.value.problems]


def test_the_alerting_rules_example_loads_unchanged() -> None:
    path = ALERTING_DOC
    rule_file = load_rule_file(path)
    (group,) = rule_file.groups
    assert rule_file.path == str(path)
    assert group.name == "example" and group.labels == {"team": "myteam"}
    down, latency = group.rules
    assert down.alert == "InstanceDown" and down.record is None
    assert down.expr == "up == 0"
    assert down.for_ == 300 and down.keep_firing_for == 300
    assert down.labels == {"severity": "page"}
    assert down.annotations["summary"] == "Instance {{ $labels.instance }} down"
    assert latency.expr == 'api_http_request_latencies_second{quantile="0.5"} > 1'
    assert latency.annotations["description"].endswith("(current value: {{ $value }}s)")


def test_the_recording_rules_example_loads_with_group_settings() -> None:
    (group,) = parse_rule_file(RECORDING_DOC, "rec.yml").groups
    assert (group.interval, group.query_offset, group.limit) == (30.0, 60.0, 10)
    (rule,) = group.rules
    assert rule.record == "code:prometheus_http_requests_total:sum"
    assert rule.name == rule.record


def test_dollar_signs_are_not_interpolated() -> None:
    text = (
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n"
        '    annotations:\n      a: "${HOME} $$ {{ $value }}"\n'
    )
    (group,) = parse_rule_file(text, "r.yml").groups
    assert group.rules[0].annotations["a"] == "${HOME} $$ {{ $value }}"


def test_every_semantic_mistake_is_reported_at_its_line() -> None:
    text = """\
groups:
  - name: g
    rules:
      - alert: A
        record: b
        expr: up
      - record: "bad name"
        expr: up
        for: 5m
      - expr: up
      - alert: C
        expr: ""
        labels:
          bad-label: x
        annotations:
          summary: "{{ if $value }}{{ nope $value }}{{ end }}"
  - name: g
    labels:
      __name__: x
    rules: []
"""
    assert _problems(text) == [
        "rules.yml:4: groups[0].rules[0]: only one of 'record' and 'alert' must be set",
        "rules.yml:7: groups[0].rules[1].record: invalid recording rule name: bad name",
        "rules.yml:9: groups[0].rules[1].for: invalid field 'for' in recording rule",
        "rules.yml:10: groups[0].rules[2]: one of 'record' or 'alert' must be set",
        "rules.yml:12: groups[0].rules[3].expr: field 'expr' must be set in rule",
        "rules.yml:14: groups[0].rules[3].labels.bad-label: invalid label name: bad-label",
        'rules.yml:16: groups[0].rules[3].annotations.summary: annotation "summary": '
        'template: __alert_C:1:18: function "nope" not defined',
        'rules.yml:17: groups[1].name: group name "g" is repeated in the same file',
        "rules.yml:19: groups[1].labels.__name__: invalid label name: __name__",
    ]


def test_unknown_keys_and_bad_durations_are_typed_errors() -> None:
    text = (
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n"
        "    for: 5x\n    severity: page\n"
    )
    duration, unknown = _problems(text)
    assert duration.startswith("rules.yml:6: groups[0].rules[0].for: ") and '"5x"' in duration
    assert unknown == "rules.yml:7: groups[0].rules[0].severity: unknown key"


def test_the_expression_validator_reports_at_the_expr_line() -> None:
    text = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: |\n      sum(up\n"

    def validate(expr: str) -> str | None:
        return "unclosed left parenthesis" if expr.count("(") != expr.count(")") else None

    assert _problems(text, validate) == [
        "rules.yml:5: groups[0].rules[0].expr: could not parse expression: "
        "unclosed left parenthesis"
    ]


def test_recording_rules_reject_alert_only_fields_and_braces() -> None:
    text = (
        "groups:\n- name: g\n  rules:\n  - record: 'a{b=\"c\"}'\n    expr: up\n"
        "    keep_firing_for: 1m\n    annotations:\n      x: y\n"
    )
    assert _problems(text) == [
        "rules.yml:4: groups[0].rules[0].record: braces present in the recording rule name; "
        'should it be in expr?: a{b="c"}',
        "rules.yml:6: groups[0].rules[0].keep_firing_for: invalid field 'keep_firing_for' "
        "in recording rule",
        "rules.yml:7: groups[0].rules[0].annotations: invalid field 'annotations' in "
        "recording rule",
    ]


def test_check_rule_files_collects_problems_of_every_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yml"
    good.write_text(RECORDING_DOC)
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n"
        "    labels:\n      s: '{{ $nope }}'\n"
    )
    missing = tmp_path / "missing.yml"
    problems = check_rule_files([good, bad, missing])
    assert [str(p) for p in problems] == [
        f'{bad}:7: groups[0].rules[0].labels.s: label "s": '
        'template: __alert_A:1:3: undefined variable "$nope"',
        f"{missing}: No such file or directory",
    ]
    assert check_rule_files([good]) == []
