"""Prometheus's alert templates: Go text/template with Prometheus's functions, checked at load.

The language is Go's (``template_syntax`` parses, ``template_exec`` runs):
``{{ $labels.x }}``, ``{{ .Value }}``, pipelines, ``if``/``else if``/``range``/
``with``, variables, parentheses, trim markers, comments, Go's builtins and
Prometheus's function map (``template_functions``), ``query`` included.
Anything a template cannot do is a ``TemplateError`` from ``parse_template``
so ``vigil check rules`` rejects it; a failure while rendering becomes
Prometheus's ``<error expanding template: ...>`` text, never an exception
out of rule evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from alerts.template_exec import Executor, TemplateExecError
from alerts.template_functions import (
    FUNCTIONS,
    FunctionContext,
    QueryFunc,
    humanize,
    humanize1024,
    humanize_duration,
    humanize_percentage,
)
from alerts.template_lexer import TemplateSyntaxError, line_col
from alerts.template_syntax import Node, parse
from alerts.template_values import NO_VALUE, Sample, TemplateError, format_go_float

__all__ = [
    "NO_VALUE",
    "FunctionContext",
    "QueryFunc",
    "Sample",
    "Template",
    "TemplateData",
    "TemplateError",
    "TemplateSyntaxError",
    "expand",
    "format_go_float",
    "humanize",
    "humanize1024",
    "humanize_duration",
    "humanize_percentage",
    "parse_template",
]

ALERT_VARIABLES = ("$labels", "$externalLabels", "$externalURL", "$value")
PROMETHEUS_PREFIX = (
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}"
)
"""What Prometheus prepends to every alert template; its length shifts line 1's columns."""
_ARITIES = {name: (f.fewest, f.most) for name, f in FUNCTIONS.items()}


@dataclass(frozen=True)
class TemplateData:
    """What an alert template can see, as Prometheus's ``AlertTemplateData``."""

    labels: Mapping[str, str] = field(default_factory=dict)
    value: float = 0.0
    external_labels: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""


@dataclass(frozen=True)
class AlertData:
    """The template's dot: Go field names, so ``.Labels`` resolves as in Prometheus."""

    Labels: Mapping[str, str]
    ExternalLabels: Mapping[str, str]
    ExternalURL: str
    Value: float


ROOT_FIELDS = ("Labels", "ExternalLabels", "ExternalURL", "Value")


@dataclass(frozen=True)
class EvaluationContext:
    """Where a template is rendered: the rule (for error messages), time and PromQL."""

    rule_name: str = ""
    timestamp: float = 0.0
    query: QueryFunc | None = None


@dataclass(frozen=True)
class Template:
    """A parsed template, ready to render many times."""

    source: str
    nodes: tuple[Node, ...]
    context: EvaluationContext = EvaluationContext()

    def bind(self, context: EvaluationContext) -> Template:
        """The same template rendering at ``context``'s time with its query function."""
        return replace(self, context=context)

    def render(self, data: TemplateData) -> str:
        """Expand the template; raises TemplateError (with Prometheus's wording) on failure."""
        root = AlertData(
            dict(data.labels), dict(data.external_labels), data.external_url, float(data.value)
        )
        values = (root.Labels, root.ExternalLabels, root.ExternalURL, root.Value)
        variables = dict(zip(ALERT_VARIABLES, values, strict=True))
        functions = FunctionContext(self.context.query, self.context.timestamp, data.external_url)
        try:
            return Executor(FUNCTIONS, functions, root, variables).run(self.nodes)
        except TemplateExecError as error:
            name = f"__alert_{self.context.rule_name}"
            line, col = line_col(self.source, error.pos)
            col += len(PROMETHEUS_PREFIX) if line == 1 else 0
            raise TemplateError(
                f"error executing template {name}: template: {name}:{line}:{col}: "
                f'executing "{name}" at <{error.context}>: {error.message}'
            ) from None
        except RecursionError:
            raise TemplateError("template nesting too deep") from None


def parse_template(text: str) -> Template:
    """Parse ``text``; raises TemplateSyntaxError (``line:col: message``) for what cannot run."""
    nodes = parse(text, _ARITIES, variables=ALERT_VARIABLES, roots=ROOT_FIELDS)
    return Template(text, nodes)


def expand(template: Template, data: TemplateData) -> str:
    """Render as Prometheus does at evaluation time: a failure becomes the text."""
    try:
        return template.render(data)
    except TemplateError as error:
        return f"<error expanding template: {error}>"
