"""Alert templates: Prometheus's output for the supported subset, load-time errors for the rest."""

from __future__ import annotations

import pytest

from alerts.templates import (
    TemplateData,
    TemplateError,
    expand,
    format_go_float,
    humanize,
    humanize1024,
    parse_template,
)

DATA = TemplateData(
    labels={"instance": "db-1:9100", "job": "node", "__name__": "up"},
    value=1234567.0,
    external_labels={"region": "eu"},
    external_url="https://vigil.example",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("Instance {{ $labels.instance }} down", "Instance db-1:9100 down"),
        ("{{$labels.job}}/{{ .Labels.job }}/{{ $.Labels.job }}", "node/node/node"),
        ("{{ $labels.missing }}", "<no value>"),
        ("{{ $value }}", "1.234567e+06"),
        ("{{ .Value }}", "1.234567e+06"),
        ("{{ $value | humanize }}", "1.235M"),
        ("{{ humanize $value }}", "1.235M"),
        ("{{ $externalLabels.region }} {{ $externalURL }}", "eu https://vigil.example"),
        ("a  {{- $labels.job -}}  b", "anodeb"),
        ("x{{/* a comment */}}y", "xy"),
        ('{{ "}}" }}{{ `raw` }}{{ 42 }}', "}}raw42"),
        ("{{ $labels.job | toUpper }}", "NODE"),
        ("{{ $labels }}", "map[__name__:up instance:db-1:9100 job:node]"),
    ],
)
def test_supported_constructs_render_as_prometheus_does(text: str, expected: str) -> None:
    assert parse_template(text).render(DATA) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ if $value }}x{{ end }}", '"if" is not supported yet'),
        ('{{ printf "%.2f" $value }}', 'function "printf" not defined'),
        ('{{ query "up" }}', 'function "query" not defined'),
        ("{{ $foo }}", "undefined variable: $foo"),
        ("{{ $value.x }}", "can't evaluate field x"),
        ("{{ $value", "unclosed action"),
        ("{{ }}", "missing value"),
        ("{{ ($value) }}", "unsupported syntax"),
        ("{{ $value | }}", "missing command"),
        ("{{ $value $value }}", "can't give argument to non-function"),
        ("{{ $value | $value }}", "non executable command"),
    ],
)
def test_unsupported_constructs_fail_at_parse_time(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("(", r"\(").replace("$", r"\$")):
        parse_template(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (1.0, "1"),
        (0.5, "0.5"),
        (-2.25, "-2.25"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1e21, "1e+21"),
        (float("nan"), "NaN"),
        (float("inf"), "+Inf"),
        (float("-inf"), "-Inf"),
    ],
)
def test_values_print_like_go(value: float, text: str) -> None:
    assert format_go_float(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "0"), (1234.0, "1.234k"), (0.001234, "1.234m"), (-5e9, "-5G"), (999.0, "999")],
)
def test_humanize(value: float, text: str) -> None:
    assert humanize(value) == text


def test_humanize1024_and_bad_input() -> None:
    assert humanize1024(2048.0) == "2ki"
    template = parse_template("{{ $labels.job | humanize }}")
    with pytest.raises(TemplateError):
        template.render(DATA)
    assert expand(template, DATA).startswith("<error expanding template: ")
