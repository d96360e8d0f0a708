"""The `dashboards:` section of vigil.yml."""

from __future__ import annotations

from store.configfile import ConfigModel


class DashboardsConfig(ConfigModel):
    """A folder of dashboard YAML files, plus the dashboards Vigil ships."""

    path: str | None = None
    builtin: bool = True
