"""The `alerting:` section of vigil.yml, in Alertmanager's configuration format."""

from __future__ import annotations

from pydantic import Field

from store.configfile import ConfigModel, Duration


class WebhookConfig(ConfigModel):
    url: str = Field(min_length=1)
    send_resolved: bool = True
    max_alerts: int = Field(default=0, ge=0)
    timeout: Duration = Field(default=10.0, gt=0)
    headers: dict[str, str] = Field(default_factory=dict)


class ReceiverConfig(ConfigModel):
    name: str = Field(min_length=1)
    webhook_configs: list[WebhookConfig] = Field(default_factory=list)


class RouteConfig(ConfigModel):
    receiver: str | None = None
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    matchers: list[str] = Field(default_factory=list)
    continue_: bool = Field(default=False, alias="continue")
    routes: list[RouteConfig] = Field(default_factory=list)


class InhibitRuleConfig(ConfigModel):
    source_matchers: list[str] = Field(default_factory=list)
    target_matchers: list[str] = Field(default_factory=list)
    equal: list[str] = Field(default_factory=list)


class AlertingConfig(ConfigModel):
    route: RouteConfig = Field(default_factory=RouteConfig)
    receivers: list[ReceiverConfig] = Field(default_factory=list)
    inhibit_rules: list[InhibitRuleConfig] = Field(default_factory=list)
    delivery_attempts: int = Field(default=10, ge=1)
