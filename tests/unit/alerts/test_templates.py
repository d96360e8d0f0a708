"""Alert templates: Go text/template with Prometheus's functions, output as Prometheus's.

Expected strings come from Prometheus's ``template/template_test.go`` and
``prometheus/common``'s ``helpers/templates/time_test.go`` where they exist.
"""

from __future__ import annotations

import math

import pytest

from alerts.templates import (
    EvaluationContext,
    Sample,
    TemplateData,
    TemplateError,
    TemplateSyntaxError,
    expand,
    format_go_float,
    humanize,
    humanize1024,
    humanize_duration,
    humanize_percentage,
    parse_template,
)

DATA = TemplateData(
    labels={"instance": "db-1:9100", "job": "node", "__name__": "up"},
    value=1234567.0,
    external_labels={"region": "eu"},
    external_url="http://testhost:9090/path/prefix",
)
SAMPLES = [
    Sample({"__name__": "metric", "instance": "b"}, 21.0),
    Sample({"__name__": "metric", "instance": "a", "__value__": "x"}, 11.0),
]


def _query(expression: str, at: float) -> list[Sample]:
    assert at == 1353755652.0
    return [] if expression == "missing" else list(SAMPLES)


CONTEXT = EvaluationContext("HighLoad", 1353755652.0, _query)


def render(text: str, data: TemplateData = DATA) -> str:
    return parse_template(text).bind(CONTEXT).render(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("{{ 1 }}", "1"),
        ("Instance {{ $labels.instance }} down", "Instance db-1:9100 down"),
        ("{{$labels.job}}/{{ .Labels.job }}/{{ $.Labels.job }}", "node/node/node"),
        ("[{{ $labels.missing }}]", "[]"),  # missingkey=zero: a missing label is ""
        ("{{ $value }} {{ .Value }}", "1.234567e+06 1.234567e+06"),
        ("{{ $value | humanize }} {{ humanize $value }}", "1.235M 1.235M"),
        ("{{ $externalLabels.region }} {{ $externalURL }}", "eu http://testhost:9090/path/prefix"),
        ("a  {{- $labels.job -}}  b", "anodeb"),
        ("a {{- /* comment */ -}} b{{/* another */}}", "ab"),
        ('{{ "}}" }}{{ `raw` }}{{ 42 }}{{ true }}', "}}raw42true"),
        ("{{ $labels }}", "map[__name__:up instance:db-1:9100 job:node]"),
        ('{{ printf "%.2f" $value }}', "1234567.00"),
        ('{{ printf "%d|%5s|%-4d|%q|%v" 3 "ab" 7 "q" 1.5 }}', '3|   ab|7   |"q"|1.5'),
        ('{{ printf "%d" 1.5 }} {{ printf "%s" }}', "%!d(float64=1.5) %!s(MISSING)"),
        ("{{ if gt $value 0.5 }}high{{ else }}low{{ end }}", "high"),
        ("{{ if lt $value 1.0 }}a{{ else if eq .Labels.job `node` }}b{{ else }}c{{ end }}", "b"),
        ('{{ if and (ge $value 1e6) (ne $labels.job "x") }}yes{{ end }}', "yes"),
        ('{{ or 0 "" "x" }} {{ and 1 0 }} {{ not true }}', "x 0 false"),
        ('{{ len $labels }} {{ index $labels "job" }} {{ len "héllo" }}', "3 node 6"),
        ('{{ range query "up" }}{{ .Labels.instance }} {{ end }}', "b a "),
        ('{{ range query "missing" }}x{{ else }}none{{ end }}', "none"),
        ('{{ with query "up" }}{{ . | first | value | humanize }}{{ end }}', "21"),
        ('{{ with query "missing" }}x{{ else with $labels.job }}{{ . }}{{ end }}', "node"),
        ('{{ range $i, $s := query "up" }}{{ $i }}={{ $s.Labels.instance }},{{ end }}', "0=b,1=a,"),
        ("{{ range $k, $v := $labels }}{{ $k }};{{ end }}", "__name__;instance;job;"),
        (
            '{{ range query "up" }}{{ if eq .Labels.instance "b" }}{{ continue }}{{ end }}'
            "{{ .Labels.instance }}{{ break }}{{ end }}",
            "a",
        ),
        ("{{ $x := 5 }}{{ $x = 7 }}{{ $x }}", "7"),
        ('{{ (query "up" | first).Labels.instance }}', "b"),
        ('{{ query "up" | first | label "instance" }}', "b"),
        ('{{ query "up" | first | label "foo" }}', ""),
        ('{{ query "up" | sortByLabel "instance" | first | strvalue }}', "x"),
        (
            '{{ range query "up" | sortByLabel "instance" }}'
            "{{.Labels.instance}}:{{.Value}}: {{end}}",
            "a:11: b:21: ",
        ),
        ('{{ define "x" | print }}', None),
    ],
)
def test_templates_render_as_prometheus_does(text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(TemplateSyntaxError):
            parse_template(text)
        return
    assert render(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{ "foo.example.com" | stripPort }}', "foo.example.com"),
        ('{{ "foo.example.com:12345" | stripPort }}', "foo.example.com"),
        ('{{ "192.0.2.1:12345" | stripPort }}', "192.0.2.1"),
        ('{{ "2001:0DB8::1" | stripPort }}', "2001:0DB8::1"),
        ('{{ "[2001:0DB8::1]:12345" | stripPort }}', "2001:0DB8::1"),
        ('{{ "[2001:0DB8::1]::12345" | stripPort }}', "[2001:0DB8::1]::12345"),
        ('{{ "foo.example.com" | stripDomain }}', "foo"),
        ('{{ "foo.example.com:12345" | stripDomain }}', "foo:12345"),
        ('{{ "192.0.2.1:12345" | stripDomain }}', "192.0.2.1:12345"),
        ('{{ "[2001:0DB8::1]:12345" | stripDomain }}', "[2001:0DB8::1]:12345"),
        ('{{ "[2001:0DB8::1]::12345" | stripDomain }}', "[2001:0DB8::1]::12345"),
        ('{{ reReplaceAll "(a)b" "x$1" "ab" }}', "xa"),
        (
            '{{ "aa bb CC" | title }} {{ "aa bb CC" | toUpper }} {{ "aA bB CC" | toLower }}',
            "Aa Bb CC AA BB CC aa bb cc",
        ),
        ('{{ match "a+" "aa" }} {{ match "a+" "b" }}', "true false"),
        (
            '{{ graphLink "up" }} {{ tableLink "up" }}',
            "/graph?g0.expr=up&g0.tab=0 /graph?g0.expr=up&g0.tab=1",
        ),
        ("{{ pathPrefix }} {{ externalURL }}", "/path/prefix http://testhost:9090/path/prefix"),
        ('{{ printf "%0.2f" (parseDuration "1h2m10ms") }}', "3720.01"),
        ('{{ printf "%0.2f" (parseDuration "-1h2m10ms") }}', "-3720.01"),
        ("{{ 1435065584.128 | humanizeTimestamp }}", "2015-06-23 13:19:44.128 +0000 UTC"),
        ('{{ "1435065584.128" | humanizeTimestamp }}', "2015-06-23 13:19:44.128 +0000 UTC"),
        ('{{ (1435065584.128 | toTime).Format "2006" }}', "2015"),
        ("{{ (1800 | toDuration).String }}", "30m0s"),
        ("{{ now }}", "1.353755652e+09"),
        ('{{ (now | toTime).Format "Mon Jan 2 15:04:05 2006" }}', "Sat Nov 24 11:14:12 2012"),
        (
            '{{ ("-30m" | parseDuration | toDuration | (now | toTime).Add).UnixMilli }}',
            "1353753852000",
        ),
        ('{{ define "x" }}', None),
        (
            "{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:"
            "{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}",
            "-22.22%:0%:12.35%:123.5%",
        ),
        ('{{ with args 1 "2" }}{{ .arg0 }} {{ .arg1 }} {{ .arg2 }}{{ end }}', "1 2 <no value>"),
        (
            '{{ urlQueryEscape "a b&c" }} {{ "<b>" | safeHtml }} {{ html "<b>" }}',
            "a+b%26c <b> &lt;b&gt;",
        ),
    ],
)
def test_prometheus_functions(text: str, expected: str | None) -> None:
    """Cases from Prometheus's template_test.go."""
    if expected is None:
        with pytest.raises(TemplateSyntaxError):
            parse_template(text)
        return
    assert render(text) == expected


@pytest.mark.parametrize(
    ("function", "inputs", "expected"),
    [
        (humanize, [0.0, 1.0, 1234567.0, 0.12], "0:1:1.235M:120m"),
        (humanize, ["0.0", "1.0", "1234567.0", ".12"], "0:1:1.235M:120m"),
        (humanize, [0, -1, 1, 1234567, 9223372036854775807], "0:-1:1:1.235M:9.223E"),
        (humanize1024, [0.0, 1.0, 1048576.0, 0.12], "0:1:1Mi:0.12"),
        (humanize1024, [0, -1, 1, 1234567, 9223372036854775807], "0:-1:1:1.177Mi:8Ei"),
        (humanize1024, [18446744073709551615], "16Ei"),
        (
            humanize_duration,
            [0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99],
            "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s",
        ),
        (
            humanize_duration,
            [0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345],
            "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s",
        ),
        (
            humanize_duration,
            [".1", ".0001", ".12345", "60.1", "60.5", "1.2345", "12.345"],
            "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s",
        ),
        (humanize_duration, [0, -1, 1, 1234567], "0s:-1s:1s:14d 6h 56m 7s"),
        (
            humanize_percentage,
            [0, -1, 1, 1234567, 9223372036854775807],
            "0%:-100%:100%:1.235e+08%:9.223e+20%",
        ),
        (humanize_percentage, [18446744073709551615], "1.845e+21%"),
    ],
)
def test_humanize_family_matches_prometheus(
    function: object, inputs: list[object], expected: str
) -> None:
    assert callable(function)
    assert ":".join(function(value) for value in inputs) == expected


def test_humanize_infinities_and_nan_as_prometheus() -> None:
    text = (
        "{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{ humanizeTimestamp . }}:"
    )
    template = parse_template("{{ with $value }}" + text + "{{ end }}")
    rendered = "".join(
        template.render(TemplateData(value=v)) for v in (math.inf, -math.inf, math.nan)
    )
    # NaN is falsy for nothing: Go's truth of a float is "not zero", and NaN != 0.
    assert rendered == "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:"


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
    ("text", "message"),
    [
        (
            '{{ humanize "one" }}',
            'template: __alert_HighLoad:1:115: executing "__alert_HighLoad" at <humanize "one">: '
            'error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax',
        ),
        (
            '{{ "one" | humanizePercentage }}',
            "at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat",
        ),
        (
            '{{ query "missing" | first }}',
            "error calling first: first() called on vector with no elements",
        ),
        (
            "{{ if gt $value 1 }}x{{ end }}",  # Go: float64 and int do not compare
            "at <gt $value 1>: error calling gt: incompatible types for comparison",
        ),
        ("{{ $labels.job | humanize }}", 'parsing "node": invalid syntax'),
        ("{{ toUpper 1 }}", "wrong type for value; expected string; got int"),
        ('{{ (query "missing").banana }}', "can't evaluate field banana in type"),
        ("{{ humanizeTimestamp 1e300 }}", "1e+300 cannot be represented as a nanoseconds"),
    ],
)
def test_runtime_errors_render_as_prometheus_error_text(text: str, message: str) -> None:
    rendered = expand(parse_template(text).bind(CONTEXT), DATA)
    assert rendered.startswith("<error expanding template: error executing template __alert_")
    assert message in rendered
    with pytest.raises(TemplateError):
        render(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ nope $value }}", '1:3: function "nope" not defined'),
        ("{{ $foo }}", '1:3: undefined variable "$foo"'),
        ("{{ .Lables.job }}", "1:3: can't evaluate field Lables in alert data"),
        ("x\n  {{ $value", "2:11: unclosed action"),
        ("{{ }}", "missing value for command"),
        ("{{ if $value }}x", "unexpected EOF"),
        ("{{ end }}", "unexpected {{end}}"),
        ("{{ else }}", "unexpected {{else}}"),
        ("{{ if }}{{ end }}", "missing value for if"),
        ("{{ $value | }}", "missing command in pipeline"),
        ("{{ $value $value }}", "can't give argument to non-function $value"),
        ("{{ $value | 1 }}", "non executable command in pipeline stage 2"),
        ("{{ humanize }}", "wrong number of args for humanize: want 1 got 0"),
        ('{{ "a" | reReplaceAll "x" }}', "wrong number of args for reReplaceAll: want 3 got 2"),
        ('{{ template "x" }}', '"template" is not supported in alert templates'),
        ("{{ break }}", "{{break}} outside {{range}}"),
        ("{{ 'a' }}", "character constants are not supported"),
        ("{{ 3x }}", "bad number syntax"),
        ('{{ "a".b }}', "unexpected . after term"),
        ("{{ $x = 1 }}", 'undefined variable "$x"'),
        ("{{ range $value }}{{ .Nope }}{{ end }}{{ .Nope }}", "1:41: can't evaluate field Nope"),
    ],
)
def test_unsupported_or_wrong_templates_fail_at_load_time(text: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError) as raised:
        parse_template(text)
    assert message in str(raised.value)


def test_unbound_template_reports_missing_query_instead_of_crashing() -> None:
    rendered = expand(parse_template('{{ query "up" }}'), DATA)
    assert "query is not available" in rendered
