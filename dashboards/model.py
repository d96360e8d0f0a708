"""Dashboards as typed, frozen models: what a dashboard YAML file may say.

A dashboard is rows of panels plus variables. Every model forbids unknown keys,
so a typo is an error at its line rather than a silently missing panel.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from dashboards.units import UNITS
from store.configfile import ConfigModel
from store.datasources import LOCAL_DATASOURCE

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
UID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")


class Query(ConfigModel):
    """One PromQL expression (``$var`` references allowed) and how to name its series."""

    expr: str = Field(min_length=1)
    legend: str | None = None
    """A template such as ``{{service}} {{route}}``; by default the series' labels."""
    datasource: str = LOCAL_DATASOURCE


class Threshold(ConfigModel):
    """From ``value`` upwards the panel shows ``color`` (a CSS colour name or #hex)."""

    value: float
    color: str = Field(min_length=1)


class Panel(ConfigModel):
    type: str
    title: str = ""
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]+$")
    """Stable id for the panel-data URL; by default its position, ``r<row>p<panel>``."""
    queries: list[Query] = Field(default_factory=list)
    unit: str | None = None
    thresholds: list[Threshold] = Field(default_factory=list)
    colors: list[str] = Field(default_factory=list)
    """Series colours, in order; plotly's palette when empty."""
    repeat: str | None = Field(default=None, pattern=NAME_PATTERN)
    """A variable: the panel is drawn once per selected value, with ``$var`` set to it."""
    width: int = Field(default=6, ge=1, le=12)
    """Columns out of 12."""
    min: float | None = None
    max: float | None = None
    limit: int = Field(default=200, ge=1, le=5000)
    """For ``logs``: how many lines to show."""

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str | None) -> str | None:
        if value is not None and value not in UNITS:
            raise ValueError(f'unknown unit "{value}"; known units: {", ".join(sorted(UNITS))}')
        return value

    @field_validator("thresholds")
    @classmethod
    def _ascending(cls, value: list[Threshold]) -> list[Threshold]:
        values = [threshold.value for threshold in value]
        if values != sorted(values):
            raise ValueError("thresholds must be in ascending order of value")
        return value


class Row(ConfigModel):
    title: str = ""
    panels: list[Panel] = Field(default_factory=list)


class Variable(ConfigModel):
    """``query``: ``label_values(metric, label)`` or ``label_values(label)``; ``custom``: a list.

    A query variable may use variables defined before it (``label_values(
    http_requests_total{service="$service"}, route)``): they are resolved in order.
    """

    name: str = Field(pattern=NAME_PATTERN)
    type: Literal["query", "custom"] = "query"
    label: str | None = None
    query: str | None = None
    values: list[str] = Field(default_factory=list)
    datasource: str = LOCAL_DATASOURCE
    default: str | None = None
    multi: bool = False
    include_all: bool = False

    @model_validator(mode="after")
    def _source(self) -> Variable:
        if self.type == "query" and not self.query:
            raise ValueError('a "query" variable needs query: label_values(...)')
        if self.type == "custom" and not self.values:
            raise ValueError('a "custom" variable needs values: [...]')
        return self


class Dashboard(ConfigModel):
    title: str = Field(min_length=1)
    uid: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$")
    """By default the file name without its extension."""
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    refresh: str | None = None
    time_from: str = "now-1h"
    variables: list[Variable] = Field(default_factory=list)
    rows: list[Row] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Dashboard:
        names = [variable.name for variable in self.variables]
        if len(set(names)) != len(names):
            raise ValueError("variable names must be unique")
        ids = [panel.id for row in self.rows for panel in row.panels if panel.id]
        if len(set(ids)) != len(ids):
            raise ValueError("panel ids must be unique")
        for row in self.rows:
            for panel in row.panels:
                if panel.repeat and panel.repeat not in names:
                    raise ValueError(
                        f'panel "{panel.title}" repeats unknown variable "{panel.repeat}"'
                    )
        return self


def panel_ids(dashboard: Dashboard) -> list[tuple[str, Panel]]:
    """Every panel with its id, in page order."""
    return [
        (panel.id or f"r{row_index}p{panel_index}", panel)
        for row_index, row in enumerate(dashboard.rows)
        for panel_index, panel in enumerate(row.panels)
    ]
