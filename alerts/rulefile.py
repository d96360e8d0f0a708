"""Prometheus rule files, loaded unchanged and checked like Prometheus's ``rulefmt``.

Users bring rule files from Prometheus, so the format is Prometheus's exactly:
unknown keys are errors, and every problem is reported as ``file:line: key:
message`` so ``vigil check rules`` points at the line to fix. The PromQL
parser is plugged in through ``validate_expr`` because alerts must not depend
on the engine's internals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field

from alerts.templates import TemplateSyntaxError, parse_template
from store.configfile import (
    ConfigError,
    ConfigModel,
    Duration,
    Problem,
    YamlDocument,
    read_yaml,
    validate_model,
)

ExprValidator = Callable[[str], str | None]
"""Returns an error message for a PromQL expression that does not parse, else None."""

METRIC_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def _scalar_text(value: object) -> object:
    """YAML scalars into strings as Go's yaml decoder does (``severity: 1`` is "1")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_scalar_text)]


class RuleModel(ConfigModel):
    """One alerting or recording rule, as written."""

    record: Text | None = None
    alert: Text | None = None
    expr: Text = ""
    for_: Duration = Field(default=0.0, alias="for")
    keep_firing_for: Duration = 0.0
    labels: dict[str, Text] = Field(default_factory=dict)
    annotations: dict[str, Text] = Field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.alert or self.record or ""


class RuleGroupModel(ConfigModel):
    name: Text = ""
    interval: Duration | None = None
    query_offset: Duration | None = None
    limit: int = Field(default=0, ge=0)
    labels: dict[str, Text] = Field(default_factory=dict)
    rules: list[RuleModel] = Field(default_factory=list)


class RuleFileModel(ConfigModel):
    groups: list[RuleGroupModel] = Field(default_factory=list)


@dataclass(frozen=True)
class RuleFile:
    """A checked rule file: its path (part of each group's identity) and its groups."""

    path: str
    groups: tuple[RuleGroupModel, ...]


def load_rule_file(path: str | Path, validate_expr: ExprValidator | None = None) -> RuleFile:
    """Read and check one rule file; raise ConfigError with every problem in it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError([Problem(str(path), None, "", error.strerror or str(error))]) from None
    except UnicodeDecodeError as error:
        raise ConfigError([Problem(str(path), None, "", f"not UTF-8 text: {error}")]) from None
    return parse_rule_file(text, str(path), validate_expr)


def parse_rule_file(text: str, name: str, validate_expr: ExprValidator | None = None) -> RuleFile:
    """Check rule-file ``text`` reported as file ``name``."""
    # Rule files are not interpolated: doubling every "$" makes read_yaml's
    # ${VAR} expansion a no-op while keeping line numbers.
    document = read_yaml(name, text=text.replace("$", "$$"), environ={})
    model = validate_model(document, RuleFileModel)
    problems = list(_check(model, document, validate_expr, text.splitlines()))
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: p.line or 0))
    return RuleFile(name, tuple(model.groups))


def load_rule_files(
    paths: Iterable[str | Path], validate_expr: ExprValidator | None = None
) -> list[RuleFile]:
    """Load every file, raising one ConfigError carrying the problems of all of them."""
    files: list[RuleFile] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            files.append(load_rule_file(path, validate_expr))
        except ConfigError as error:
            problems.extend(error.problems)
    if problems:
        raise ConfigError(problems)
    return files


def check_rule_files(
    paths: Iterable[str | Path], validate_expr: ExprValidator | None = None
) -> list[Problem]:
    """Every problem in ``paths``, for ``vigil check rules`` (empty: all good)."""
    try:
        load_rule_files(paths, validate_expr)
    except ConfigError as error:
        return error.problems
    return []


def _check(
    model: RuleFileModel,
    document: YamlDocument,
    validate_expr: ExprValidator | None,
    lines: Sequence[str] = (),
) -> Iterator[Problem]:
    seen: set[str] = set()
    for j, group in enumerate(model.groups):
        at: list[str | int] = ["groups", j]
        if not group.name:
            yield document.problem([*at, "name"], "group name must not be empty")
        elif group.name in seen:
            yield document.problem(
                [*at, "name"], f'group name "{group.name}" is repeated in the same file'
            )
        seen.add(group.name)
        yield from _check_label_names(group.labels, document, [*at, "labels"])
        for i, rule in enumerate(group.rules):
            yield from _check_rule(rule, document, [*at, "rules", i], validate_expr)
            if rule.alert:
                yield from _check_templates(rule, document, [*at, "rules", i], lines)


def _check_rule(
    rule: RuleModel,
    document: YamlDocument,
    at: list[str | int],
    validate_expr: ExprValidator | None,
) -> Iterator[Problem]:
    if rule.record and rule.alert:
        yield document.problem(at, "only one of 'record' and 'alert' must be set")
    elif not rule.record and not rule.alert:
        yield document.problem(at, "one of 'record' or 'alert' must be set")
    if not rule.expr.strip():
        yield document.problem([*at, "expr"], "field 'expr' must be set in rule")
    elif validate_expr is not None:
        message = validate_expr(rule.expr)
        if message:
            yield document.problem([*at, "expr"], f"could not parse expression: {message}")
    if rule.record:
        yield from _check_recording_rule(rule, document, at)
    yield from _check_label_names(rule.labels, document, [*at, "labels"])
    for key in rule.annotations:
        if not LABEL_NAME_RE.match(key):
            yield document.problem([*at, "annotations", key], f"invalid annotation name: {key}")


def _check_templates(
    rule: RuleModel, document: YamlDocument, at: list[str | int], lines: Sequence[str]
) -> Iterator[Problem]:
    """Parse every label and annotation template, each error at the file line it is on.

    The message reads like promtool's (``template: __alert_<name>:line:col:``,
    line and column within the template); the reported file line follows a
    block scalar (``|``) down to the template line that is wrong.
    """
    for section, values in (("labels", rule.labels), ("annotations", rule.annotations)):
        for key, value in values.items():
            try:
                parse_template(value)
            except TemplateSyntaxError as error:
                kind = "label" if section == "labels" else "annotation"
                problem = document.problem(
                    [*at, section, key],
                    f'{kind} "{key}": template: __alert_{rule.alert}:'
                    f"{error.line}:{error.col}: {error.message}",
                )
                yield _at_template_line(problem, error.line, lines)


def _at_template_line(problem: Problem, line: int, lines: Sequence[str]) -> Problem:
    if problem.line is None or problem.line > len(lines):
        return problem
    key_line = lines[problem.line - 1].rstrip()
    if re.search(r":\s*[|>][-+0-9]*$", key_line):
        return replace(problem, line=problem.line + line)
    return problem


def _check_recording_rule(
    rule: RuleModel, document: YamlDocument, at: list[str | int]
) -> Iterator[Problem]:
    record = rule.record or ""
    if rule.annotations:
        yield document.problem(
            [*at, "annotations"], "invalid field 'annotations' in recording rule"
        )
    if rule.for_:
        yield document.problem([*at, "for"], "invalid field 'for' in recording rule")
    if rule.keep_firing_for:
        yield document.problem(
            [*at, "keep_firing_for"], "invalid field 'keep_firing_for' in recording rule"
        )
    if "{" in record or "}" in record:
        yield document.problem(
            [*at, "record"],
            f"braces present in the recording rule name; should it be in expr?: {record}",
        )
    elif not METRIC_NAME_RE.match(record):
        yield document.problem([*at, "record"], f"invalid recording rule name: {record}")


def _check_label_names(
    labels: dict[str, str], document: YamlDocument, at: list[str | int]
) -> Iterator[Problem]:
    for key in labels:
        if not LABEL_NAME_RE.match(key) or key == "__name__":
            yield document.problem([*at, key], f"invalid label name: {key}")
