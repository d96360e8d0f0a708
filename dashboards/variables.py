"""Dashboard variables: their options, the values picked, and ``$var`` in queries.

Resolution is pure given a ``LabelValues`` function (the console runs it as a
query against the variable's datasource). Variables are resolved in order, so a
variable's query may use any variable defined before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from dashboards.model import Dashboard, Panel, Query, Variable

ALL = "$__all"
_LABEL_VALUES = re.compile(
    r"^\s*label_values\(\s*(?:(?P<metric>.+?)\s*,\s*)?(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$",
    re.DOTALL,
)
_REFERENCE = re.compile(
    r"\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?P<plain>[A-Za-z_][A-Za-z0-9_]*)"
)

_REGEX_META = frozenset("\\.+*?()|[]{}^$")

LabelValues = Callable[[str | None, str, str], list[str]]
"""(series selector or None, label name, datasource name) → the label's values, sorted."""


class VariableError(ValueError):
    """A variable's query is not ``label_values(...)``, or running it failed."""


@dataclass(frozen=True)
class ResolvedVariable:
    variable: Variable
    options: list[str]
    selected: list[str]
    """The picked values (``[ALL]`` stands for all of them); empty when there are no options."""
    error: str | None = None

    @property
    def values(self) -> list[str]:
        """What ``$var`` stands for: every option when "All" is picked."""
        return list(self.options) if self.selected == [ALL] else list(self.selected)


def parse_label_values(query: str) -> tuple[str | None, str]:
    """``label_values(metric{a="b"}, label)`` → (``metric{a="b"}``, ``label``)."""
    match = _LABEL_VALUES.match(query)
    if match is None:
        raise VariableError(f'"{query}" is not label_values(metric, label) or label_values(label)')
    return match.group("metric"), match.group("label")


def interpolate(text: str, values: Mapping[str, Sequence[str]]) -> str:
    """``$var`` and ``${var}`` replaced; several values become a regex alternation ``a|b``.

    Unknown references are left as they are, so PromQL's own errors point at them.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        if name not in values:
            return match.group(0)
        chosen = values[name]
        if len(chosen) == 1:
            return chosen[0]
        return "|".join(regex_literal(value) for value in chosen) if chosen else ""

    return _REFERENCE.sub(replace, text)


def regex_literal(value: str) -> str:
    """``value`` matched literally by a regex inside a PromQL string (RE2 metacharacters
    escaped, and each backslash doubled for the string literal, as Grafana does)."""
    return "".join("\\\\" + char if char in _REGEX_META else char for char in value)


def references(text: str) -> set[str]:
    return {match.group("braced") or match.group("plain") for match in _REFERENCE.finditer(text)}


def resolve_variables(
    dashboard: Dashboard,
    requested: Mapping[str, Sequence[str]],
    label_values: LabelValues,
    *,
    trust_requested: bool = False,
) -> list[ResolvedVariable]:
    """Options and picked values of every variable, in order, each seeing those before it.

    With ``trust_requested``, a variable given concrete values takes them as they
    are, without running its query to check them (a panel request: the page
    offered only valid values, and any viewer may run any query anyway).
    """
    resolved: list[ResolvedVariable] = []
    known: dict[str, list[str]] = {}
    for variable in dashboard.variables:
        error = None
        asked = list(requested.get(variable.name, []))
        if trust_requested and asked and asked != [ALL]:
            item = ResolvedVariable(variable, asked, asked if variable.multi else asked[:1])
            known[variable.name] = item.values
            resolved.append(item)
            continue
        if variable.type == "custom":
            options = list(variable.values)
        else:
            try:
                metric, label = parse_label_values(interpolate(variable.query or "", known))
                options = label_values(metric, label, variable.datasource)
            except (VariableError, ValueError) as problem:
                options, error = [], str(problem)
        selected = _selected(variable, options, asked)
        item = ResolvedVariable(variable, options, selected, error)
        known[variable.name] = item.values
        resolved.append(item)
    return resolved


def panel_values(
    dashboard: Dashboard,
    requested: Mapping[str, Sequence[str]],
    label_values: LabelValues,
) -> dict[str, list[str]]:
    """What each ``$var`` stands for in a panel request.

    The page sends every variable's value, so a panel's data costs only its own
    queries: a variable's query runs only when its value is missing or "All".
    """
    return value_map(resolve_variables(dashboard, requested, label_values, trust_requested=True))


def _selected(variable: Variable, options: list[str], asked: list[str]) -> list[str]:
    if variable.include_all and asked == [ALL]:
        return [ALL]
    picked = [value for value in asked if value in options]
    if picked:
        return picked if variable.multi else picked[:1]
    if variable.default is not None and variable.default in (*options, ALL):
        return [variable.default]
    if variable.include_all and variable.multi:
        return [ALL]
    return options[:1]


def value_map(resolved: Sequence[ResolvedVariable]) -> dict[str, list[str]]:
    return {item.variable.name: item.values for item in resolved}


def apply_to_panel(panel: Panel, values: Mapping[str, Sequence[str]]) -> Panel:
    """The panel with every ``$var`` in its title and queries replaced."""
    queries = [
        Query(
            expr=interpolate(query.expr, values),
            legend=query.legend,
            datasource=interpolate(query.datasource, values),
        )
        for query in panel.queries
    ]
    return panel.model_copy(update={"title": interpolate(panel.title, values), "queries": queries})


@dataclass(frozen=True)
class PanelInstance:
    """One panel as the page draws it: a repeated panel appears once per value."""

    id: str
    panel: Panel
    overrides: dict[str, str]
    """Variables set for this copy (the repeat variable), added to the panel-data URL."""


def expand_rows(
    dashboard: Dashboard, resolved: Sequence[ResolvedVariable]
) -> list[tuple[str, list[PanelInstance]]]:
    """Rows of panel instances, repeated panels expanded, titles interpolated."""
    values = value_map(resolved)
    rows: list[tuple[str, list[PanelInstance]]] = []
    for row_index, row in enumerate(dashboard.rows):
        instances: list[PanelInstance] = []
        for panel_index, panel in enumerate(row.panels):
            panel_id = panel.id or f"r{row_index}p{panel_index}"
            if panel.repeat is None:
                instances.append(PanelInstance(panel_id, apply_to_panel(panel, values), {}))
                continue
            for value in values.get(panel.repeat, []):
                copy_values = {**values, panel.repeat: [value]}
                instances.append(
                    PanelInstance(
                        panel_id, apply_to_panel(panel, copy_values), {panel.repeat: value}
                    )
                )
        rows.append((interpolate(row.title, values), instances))
    return rows
