"""Any alert template parses or raises TemplateSyntaxError at line:col; rendering never raises."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.templates import TemplateData, TemplateSyntaxError, expand, parse_template
from tests.fuzzing import within_budget

pytestmark = pytest.mark.fuzz

_PIECES = st.sampled_from(
    [
        "{{", "}}", "{{-", "-}}", "{{/*", "*/}}", " ", "\n", "$labels", "$value", ".Labels",
        ".Value", ".", "$x", ":=", "=", "|", "(", ")", '"', "`", "'", "\\", "if", "else", "end",
        "range", "with", "break", "continue", "define", "template", "block", "printf", "%d",
        "%s", "%v", "%-10.3f", "%*d", "humanize", "humanize1024", "humanizeDuration", "title",
        "toUpper", "reReplaceAll", "index", "len", "eq", "lt", "and", "or", "not", "1", "-1",
        "1e308", "0x10",
        "0x" + "f" * 5000, "9" * 400, "nil", "true", "instance", "args", "first", "label",
        "strvalue",
    ]
)
_TEMPLATES = st.lists(st.one_of(_PIECES, st.text(max_size=2)), max_size=40).map("".join)
_DATA = TemplateData(labels={"instance": "a:1", "job": "api"}, value=1234.5)


@given(_TEMPLATES)
def test_any_template_parses_or_names_its_position(text: str) -> None:
    try:
        template = within_budget(lambda: parse_template(text))
    except TemplateSyntaxError as error:
        assert 1 <= error.line <= text.count("\n") + 1, error
        assert str(error).startswith(f"{error.line}:{error.col}: ")
        return
    rendered = within_budget(lambda: expand(template, _DATA))
    assert isinstance(rendered, str)


@given(st.text(alphabet=st.characters(exclude_characters="{"), max_size=200))
def test_text_without_actions_renders_as_itself(text: str) -> None:
    assert expand(parse_template(text), _DATA) == text


@pytest.mark.parametrize(
    "text",
    ["{{" + "(" * 5000 + "1" + ")" * 5000 + "}}", "{{if 1}}" * 5000 + "{{end}}" * 5000],
)
def test_deep_nesting_is_a_syntax_error_not_a_crash(text: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=r"^1:[0-9]+: template nesting too deep"):
        parse_template(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{{ printf "%0999999999d|" 1 }}', "%!(NOVERB)%!(EXTRA int=1)"),
        ('{{ printf "%.999999999f|" 1.0 }}', "%!(NOVERB)%!(EXTRA float64=1)"),
        ('{{ printf "%*d|" 999999999 7 }}', "%!(BADWIDTH)7|"),
        ('{{ printf "%.*d|" 999999999 7 }}', "%!(BADPREC)7|"),
        ('{{ printf "%5d|" 7 }}', "    7|"),
    ],
)
def test_huge_printf_widths_are_refused_as_go_does(text: str, expected: str) -> None:
    assert expand(parse_template(text), _DATA) == expected


@pytest.mark.parametrize(
    "text", ["{{ 0x" + "f" * 5000 + " }}", "{{ " + "9" * 400 + " }}", "{{ 0b" + "1" * 70 + " }}"]
)
def test_numbers_past_go_ranges_are_syntax_errors(text: str) -> None:
    with pytest.raises(TemplateSyntaxError, match="bad number syntax"):
        parse_template(text)
